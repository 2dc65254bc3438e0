-- users.lua - for the scripts that send per-user requests: the users and
-- cards bench/setup.ts wrote (BENCH_USERS), taken in turn.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local users = dofile(os.getenv("BENCH_USERS"))
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function next_user()
  counter = counter + 1
  return users[(counter % #users) + 1], counter
end
