-- common.lua - shared by the wrk scripts: users/cards from bench setup, and a
-- done() that prints one parseable line of figures.
local users = dofile(os.getenv("BENCH_USERS"))
local counter = 0
local thread_id = 0
local non2xx = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function response(status, headers, body)
  if status < 200 or status >= 300 then non2xx = non2xx + 1 end
end

function next_user()
  counter = counter + 1
  return users[(counter % #users) + 1], counter
end

function done(summary, latency, requests)
  io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
