dofile(os.getenv("BENCH_DIR") .. "/users.lua")
request = function()
  local u = next_user()
  return wrk.format("GET", "/v1/dashboard", { ["Authorization"] = u.auth })
end
