dofile(os.getenv("BENCH_DIR") .. "/users.lua")
-- Keys are unique per run (BENCH_RUN, else the clock) and per thread, so a
-- second run against the same server makes purchases, not replays.
local run = os.getenv("BENCH_RUN") or tostring(os.time())
request = function()
  local u, n = next_user()
  return wrk.format("POST", "/v1/cards/" .. u.card .. "/transactions/purchases", {
    ["Authorization"] = u.auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("b-%s-%d-%d", run, thread_id, n),
  }, '{"amount":0.01,"merchant":"bench"}')
end
