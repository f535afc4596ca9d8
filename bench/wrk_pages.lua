-- wrk script for bench/run.sh: each request asks for the next page of the generated site,
-- /site/0.html .. /site/<N-1>.html, cycling through all of them.
-- Usage: wrk -t T ... -s wrk_pages.lua URL -- N T
-- Each wrk thread has its own Lua state; thread k starts k/T of the way through the pages.
local thread_count = 0
local pages = 1
local next_page = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  pages = tonumber(args[1]) or 1
  local threads = tonumber(args[2]) or 1
  next_page = math.floor((thread_index or 0) * pages / threads) % pages
end

function request()
  local path = "/site/" .. next_page .. ".html"
  next_page = (next_page + 1) % pages
  return wrk.format("GET", path)
end
