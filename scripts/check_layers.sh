#!/usr/bin/env bash
# Fails when a module includes a project header it may not depend on (STYLE.md §1), or a
# third-party header outside the modules allowed to use it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
status=0
check() {  # folder, allowed project folders (regex), forbidden system headers (regex)
  local folder="$1" allowed="$2" forbidden="$3"
  [ -d "$folder" ] || return 0
  while IFS= read -r line; do
    echo "layering: $line: $folder/ may include only $allowed/" >&2
    status=1
  done < <(grep -HnE '^#include "' "$folder"/*.h "$folder"/*.cc 2>/dev/null |
           grep -vE "#include \"($allowed)(/|\")" || true)
  if [ -n "$forbidden" ]; then
    while IFS= read -r line; do
      echo "layering: $line: $folder/ must not use this library" >&2
      status=1
    done < <(grep -HnE "^#include <($forbidden)" "$folder"/*.h "$folder"/*.cc 2>/dev/null || true)
  fi
}
check config "config" "curl/|oneapi/|tbb/|sqlite3|gumbo|hiredis|httplib"
check parser "config|parser" "curl/|oneapi/|tbb/|sqlite3|hiredis|httplib"
check storage "config|storage" "curl/|oneapi/|tbb/|gumbo|hiredis|httplib|re2/"
check web "config|storage|web" "curl/|oneapi/|tbb/|gumbo|hiredis|sqlite3"
# The crawler wing's rooms: fetch <- frontier <- engine <- fleet <- cli. The frontier sees only
# the fetch room's request types, never the Fetcher; only the fleet talks to Redis, only the
# engine runs the flow graph, and SQLite stays behind storage/'s contracts.
check crawler/fetch "config|crawler/fetch" "oneapi/|tbb/|sqlite3|gumbo|hiredis|httplib|CLI/"
check crawler/frontier "config|parser|storage|crawler/frontier|crawler/fetch/request\\.h" \
  "curl/|oneapi/|tbb/|sqlite3|gumbo|hiredis|httplib|CLI/"
# The render room drives headless Chromium; it sees only fetch's types, and the rooms above may
# use it.
check crawler/render "config|crawler/fetch|crawler/render" \
  "curl/|oneapi/|tbb/|sqlite3|gumbo|hiredis|httplib|CLI/"
# The archive room writes WARC files; it sees only fetch's request types and storage's rows.
check crawler/archive "config|storage/rows\\.h|crawler/archive|crawler/fetch/request\\.h" \
  "curl/|oneapi/|tbb/|sqlite3|gumbo|hiredis|httplib|CLI/"
check crawler/engine \
  "config|parser|storage|web|crawler/fetch|crawler/frontier|crawler/render|crawler/archive|crawler/engine" \
  "curl/|sqlite3|gumbo|hiredis|httplib|CLI/"
check crawler/fleet \
  "config|parser|storage|web|crawler/fetch|crawler/frontier|crawler/render|crawler/archive|crawler/engine|crawler/fleet" \
  "curl/|oneapi/|tbb/|sqlite3|gumbo|httplib|CLI/"
check crawler/cli "config|parser|storage|web|crawler" "curl/|oneapi/|tbb/|sqlite3|gumbo|hiredis"
# Every file of the crawler wing lives in a room.
for f in crawler/*; do
  case "$f" in
    crawler/CMakeLists.txt) ;;
    crawler/fetch|crawler/frontier|crawler/render|crawler/archive|crawler/engine|crawler/fleet|crawler/cli) ;;
    *) echo "layering: $f: crawler/ holds only its rooms (fetch, frontier, render, archive, engine," \
            "fleet, cli)" >&2
       status=1 ;;
  esac
done
# SQLite's header stays inside storage/ (and tests/).
while IFS= read -r line; do
  echo "layering: $line: only storage/ may include sqlite3.h" >&2
  status=1
done < <(grep -rHnE '^#include <sqlite3\.h>' config parser web crawler bench 2>/dev/null || true)
[ $status -eq 0 ] && echo "layering: OK"
exit $status
