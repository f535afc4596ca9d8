#!/usr/bin/env bash
# Quick start 1: installs what is missing, builds crawlbox and the test-site server, serves the demo movie board on a free
# loopback port, crawls it with config/jobs/board.toml into demo/board.db, and prints the ten
# best-scored films.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Only what the demo runs: two programs, not the test binaries (most of a full build).
bash scripts/setup.sh --demo
BUILD_TARGETS="crawlbox crawlbox-testsite" bash scripts/build.sh "$root/build"

mkdir -p demo
rm -f demo/board.db demo/board.db-wal demo/board.db-shm
site_log="$(mktemp)"
./build/crawlbox-testsite --port 0 >"$site_log" 2>&1 &
site_pid=$!
trap 'kill "$site_pid" 2>/dev/null || true; rm -f "$site_log"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$site_log" && break
  sleep 0.1
done
site="$(sed -n 's/^listening on //p' "$site_log" | head -n 1)"
if [ -z "$site" ]; then
  echo "demo: the demo site did not start:" >&2
  cat "$site_log" >&2
  exit 1
fi
echo "demo: movie board served at $site"

BOARD_SITE="$site" ./build/crawlbox run config/jobs/board.toml --db demo/board.db

echo
echo "The 10 best-scored films of $(./build/crawlbox query demo/board.db \
  'select count(*) from board' --format csv | tail -n 1) items:"
./build/crawlbox query demo/board.db \
  'select rank, title, actor, time, score from board order by score desc, rank limit 10'
echo
echo "Try: ./build/crawlbox query demo/board.db \"select count(*) from board\""
