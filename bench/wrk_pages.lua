-- wrk script for bench/run.sh: each request asks for the next page of the generated site, cycling
-- through the paths (and queries) of its urls.txt, the list crawlbox-testsite --write-site writes
-- beside manifest.json: /home, /board/10?offset=0, ... or /site/0.html, /site/1.html, ...
-- Usage: wrk -t T ... -s wrk_pages.lua URL -- URLS_TXT T
-- Each wrk thread has its own Lua state and reads the list itself; thread k starts k/T of the way
-- through it, so the threads ask for different pages.
local thread_count = 0
local paths = {}
local next_index = 1

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(args[1] or "urls.txt", "r"), "cannot open the URL list " .. tostring(args[1]))
  for line in file:lines() do
    if line:sub(1, 1) == "/" then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. tostring(args[1]))
  local threads = tonumber(args[2]) or 1
  next_index = math.floor((thread_index or 0) * #paths / threads) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end
