dofile(os.getenv("BENCH_DIR") .. "/common.lua")
request = function()
  local u, n = next_user()
  return wrk.format("POST", "/v1/cards/" .. u.card .. "/transactions/purchases", {
    ["Authorization"] = u.auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("b-%d-%d-%d", thread_id, n, math.random(1, 1e9)),
  }, '{"amount":0.01,"merchant":"bench"}')
end
