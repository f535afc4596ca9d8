#!/usr/bin/env bash
# Distributed-mode benchmark: pages/s of `crawlbox master` with 1, 2 and 4 `crawlbox worker`
# processes on this machine, crawling the generated 2,000-page site served by crawlbox-testsite,
# through a local redis-server with a password. Two scenarios: the site answering at once (the
# machine's CPU is the limit: master, workers, Redis and the site share its cores) and every
# response delayed by 50 ms with 16 transfers per worker (the network is the limit, as with
# workers on other machines). Prints a table; exits 1 when a run did not store every page.
#
#   bench/distributed.sh [--build-dir DIR] [--no-build] [--pages N] [--runs N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

build_dir="$root/build"
build=1
pages=2000
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --pages) pages="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

bash scripts/setup.sh >/dev/null || die "scripts/setup.sh failed"
if [ "$build" -eq 1 ]; then
  bash scripts/build.sh "$build_dir" >/dev/null || die "the build failed (scripts/build.sh)"
fi
crawlbox="$build_dir/crawlbox"
testsite="$build_dir/crawlbox-testsite"
[ -x "$crawlbox" ] && [ -x "$testsite" ] || die "$build_dir has no crawlbox / crawlbox-testsite"

work="$(mktemp -d "${TMPDIR:-/tmp}/crawlbox-dist-bench.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]+"${pids[@]}"}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- Redis, with a password given to crawlbox through the environment --------------------
export CRAWLBOX_REDIS_PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
redis_port="$(free_port)"
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --requirepass "$CRAWLBOX_REDIS_PASSWORD" \
  --save '' --appendonly no --dir "$work/redis" --logfile "$work/redis/log" &
pids+=($!)
for _ in $(seq 1 100); do
  REDISCLI_AUTH="$CRAWLBOX_REDIS_PASSWORD" redis-cli -p "$redis_port" ping 2>/dev/null |
    grep -q PONG && break
  sleep 0.05
done
redis_url="redis://127.0.0.1:$redis_port"

# start_site LATENCY_MS: crawlbox-testsite on a port it picks; sets site_url and site_pid.
start_site() {
  local out="$work/site-$1.out"
  "$testsite" --port 0 --site-pages "$pages" --latency-ms "$1" --threads 256 >"$out" 2>&1 &
  site_pid=$!
  pids+=("$site_pid")
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$out" && break
    sleep 0.05
  done
  site_url="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
  [ -n "$site_url" ] || die "crawlbox-testsite did not start"
}

# one_run WORKERS CONCURRENCY: a fresh database, the workers, then the master; sets run_rate
# (pages/s).
one_run() {
  local workers="$1" concurrency="$2" db="$work/dist.db" i wpids=()
  rm -f "$db" "$db-wal" "$db-shm"
  for i in $(seq 1 "$workers"); do
    "$crawlbox" worker --redis "$redis_url" --concurrency "$concurrency" \
      >"$work/worker-$i.log" 2>&1 &
    wpids+=($!)
    pids+=($!)
  done
  SITE="$site_url" DB="$db" "$crawlbox" master "$work/job.toml" --redis "$redis_url" -q \
    >"$work/master.log" 2>&1 || die "the master failed: $(tail -n 3 "$work/master.log")"
  for i in "${wpids[@]}"; do wait "$i" || die "a worker failed: $(tail -n 3 "$work"/worker-*.log)"; done
  local stored
  stored="$("$crawlbox" query "$db" "select count(*) from pages" --format csv | tail -n 1 | tr -d '\r')"
  [ "$stored" = "$pages" ] || die "stored $stored of $pages pages"
  # The master's own measure: from the database opened to the last page stored.
  run_rate="$(sed -n 's/.* in \([0-9.]*\) s (\([0-9]*\) pages\/s).*/\2/p' "$work/master.log" |
    tail -n 1)"
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

cat >"$work/job.toml" <<'TOML'
[job]
name = "distbench"
start_urls = ["${SITE}/site/0.html"]
database = "${DB}"
[fetch]
concurrency = 16
[politeness]
per_host_concurrency = 256
delay_ms = 0
adaptive = false
[[rules]]
name = "board"
url = '/site/'
pattern = '''<dd>.*?board-index.*?>(?P<rank>\d+)</i>.*?title="(?P<title>[^"]*)".*?<i class="integer">(?P<integer>.*?)</i>.*?<i class="fraction">(?P<fraction>.*?)</i>.*?</dd>'''
follow = ['.']
[rules.fields]
rank = { type = "int" }
title = {}
score = { template = "{integer}{fraction}", type = "real" }
TOML

declare -A result
for latency in 0 50; do
  start_site "$latency"
  log "site with ${latency} ms latency at $site_url"
  for workers in 1 2 4; do
    rates=()
    for run in $(seq 1 "$runs"); do
      one_run "$workers" 16
      rates+=("$run_rate")
      log "latency ${latency} ms, $workers workers, run $run: ${rates[-1]} pages/s"
    done
    result["$latency,$workers"]="$(median "${rates[@]}")"
  done
  kill "$site_pid" 2>/dev/null || true
  wait "$site_pid" 2>/dev/null || true
done

echo
echo "crawlbox distributed: $pages pages, $(nproc) cores, master + workers + Redis + site on one machine"
echo
echo "| workers (16 transfers each) | pages/s, site answers at once | pages/s, 50 ms per response |"
echo "| ---: | ---: | ---: |"
for workers in 1 2 4; do
  echo "| $workers | ${result["0,$workers"]} | ${result["50,$workers"]} |"
done
