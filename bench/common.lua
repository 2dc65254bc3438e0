-- common.lua - shared by the wrk scripts: a done() that prints one parseable
-- line of figures. No response() here: defining one makes wrk hand every
-- response to Lua. wrk counts statuses >= 400 in errors.status itself.
function done(summary, latency, requests)
  io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
