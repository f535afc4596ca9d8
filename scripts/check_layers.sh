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
           grep -vE "#include \"($allowed)/" || true)
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
check web "config|storage|web" "curl/|oneapi/|tbb/|gumbo|hiredis"
[ $status -eq 0 ] && echo "layering: OK"
exit $status
