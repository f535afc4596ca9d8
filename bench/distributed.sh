#!/usr/bin/env bash
# Distributed-mode benchmark: how `crawlbox master` scales with its `crawlbox worker`s, all on
# this machine, through a password-protected redis-server on a free port. Two scenarios, each
# with 1, 2, 4 and 8 workers of 16 transfers:
#
#   latency  the plain generated site of ~1 KB pages from crawlbox-testsite, every response 100 ms
#            late (--threads 512: a connection holds a server thread, and 8 x 16 are open at
#            once), politeness lifted; the ideal is 16 / 0.1 s = 160 pages/s a worker. Site size
#            1,500 pages a worker (--pages-per-worker), so every run lasts about 10 s.
#   cpu      the realistic site (crawlbox-testsite --realistic, bench/realistic.toml: 8-20 KB
#            pages, a regex rule, ~60 links each), 4,000 pages, answered at once: the machine's
#            cores are the limit, and master, workers, Redis and the site share them.
# --pages N gives every run of both a site of N pages.
#
# Per run: pages/s over the whole crawl and in the steady state (the middle 80% of the pages by
# store time), CPU seconds per 1,000 pages of the master, of the workers, of Redis and of the
# site, and Redis bytes (in + out) per page. Writes a TSV and a Markdown report,
# bench/results/<date>-distributed.{tsv,md}, and prints the report. Exit 1 when a run did not
# store every page (or failed), 2 on bad arguments.
#
#   bench/distributed.sh [--workers 1,2,4,8] [--runs 2] [--scenario all|latency|cpu]
#                        [--pages-per-worker 1500] [--pages N]
#                        [--latency-ms 100] [--concurrency 16] [--build-dir DIR] [--no-build]
#                        [--out-dir DIR] [--name NAME] [--keep-work]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
caller_dir="$(pwd)"  # relative paths in the arguments are relative to it
cd "$root"

build_dir="$root/build"
build=1
workers_list="1,2,4,8"
runs=2
scenario=all
pages_per_worker=1500
fixed_pages=0
cpu_pages=4000
latency_ms=100
concurrency=16
out_dir="$root/bench/results"
name="$(date -u +%Y-%m-%d)-distributed"
keep_work=0

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
bad_usage() { echo "bench/distributed.sh: $*" >&2; exit 2; }
number() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || bad_usage "$1 takes a positive whole number, not '$2'"; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || case "$1" in --no-build|--keep-work|-h|--help) ;; *) bad_usage "$1 needs a value" ;; esac
  case "$1" in
    --build-dir) build_dir="$(cd "$caller_dir" && realpath -m "$2")"; shift 2 ;;
    --no-build) build=0; shift ;;
    --workers) workers_list="$2"; shift 2 ;;
    --runs) number "$1" "$2"; runs="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    --pages-per-worker) number "$1" "$2"; pages_per_worker="$2"; shift 2 ;;
    --pages) number "$1" "$2"; fixed_pages="$2"; shift 2 ;;
    --latency-ms) number "$1" "$2"; latency_ms="$2"; shift 2 ;;
    --concurrency) number "$1" "$2"; concurrency="$2"; shift 2 ;;
    --out-dir) out_dir="$(cd "$caller_dir" && realpath -m "$2")"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --keep-work) keep_work=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown argument $1 (see --help)" ;;
  esac
done
[ "$fixed_pages" -eq 0 ] || cpu_pages="$fixed_pages"
case "$scenario" in all|latency|cpu) ;; *) bad_usage "--scenario is all, latency or cpu" ;; esac
IFS=',' read -r -a worker_counts <<<"$workers_list"
for w in "${worker_counts[@]}"; do number --workers "$w"; done
[ "${#worker_counts[@]}" -gt 0 ] || bad_usage "--workers lists no count"
max_workers="$(printf '%s\n' "${worker_counts[@]}" | sort -n | tail -n 1)"

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in redis-server redis-cli python3 sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/setup.sh installs redis-server; apt-get install time sqlite3)"
done
if [ "$build" -eq 1 ]; then
  bash scripts/setup.sh >/dev/null || die "scripts/setup.sh failed"
  # The two programs it runs, not the tests.
  BUILD_TARGETS="crawlbox crawlbox-testsite" bash scripts/build.sh "$build_dir" >/dev/null ||
    die "the build failed (scripts/build.sh $build_dir)"
fi
[ -x "$build_dir/crawlbox" ] && [ -x "$build_dir/crawlbox-testsite" ] ||
  die "$build_dir has no crawlbox / crawlbox-testsite (build it, or drop --no-build)"

work="$(mktemp -d "${TMPDIR:-/tmp}/crawlbox-dist-bench.XXXXXX")"
# Copies: a rebuild while the benchmark runs changes nothing.
cp "$build_dir/crawlbox" "$build_dir/crawlbox-testsite" "$work/"
crawlbox="$work/crawlbox"
testsite="$work/crawlbox-testsite"

# Every process this script started and that may still run. A worker or master runs under GNU
# time, so its pid here is time's: stopping it stops time's child first.
pids=()
# stop_pids PID...: SIGTERM to each (and its children), SIGKILL to what is left after 3 s.
stop_pids() {
  local pid child all=() alive
  for pid in "$@"; do
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do all+=("$child"); done
    all+=("$pid")
  done
  [ "${#all[@]}" -gt 0 ] || return 0
  kill "${all[@]}" 2>/dev/null || true
  # A master or worker drains its tasks on SIGTERM; 3 s, then SIGKILL.
  for _ in $(seq 1 30); do
    alive=0
    for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
stop_all() {
  stop_pids "${pids[@]+"${pids[@]}"}"
  pids=()
}
cleanup() {
  trap - EXIT INT TERM
  stop_all
  if [ "$keep_work" -eq 1 ]; then log "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# CPU seconds (user + system) of process PID so far, from /proc.
proc_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
# Busy CPU seconds of the whole machine so far (all but idle and iowait).
machine_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# --- Redis, with a password given to crawlbox through the environment --------------------
CRAWLBOX_REDIS_PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export CRAWLBOX_REDIS_PASSWORD
export REDISCLI_AUTH="$CRAWLBOX_REDIS_PASSWORD"
mkdir -p "$work/redis"
# A free port may be taken between the probe and redis-server's bind: then another one.
redis_pid=""
for _ in 1 2 3 4 5; do
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --requirepass "$CRAWLBOX_REDIS_PASSWORD" \
    --save '' --appendonly no --dir "$work/redis" --logfile "$work/redis/log" &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break 2
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.05
  done
  stop_all
done
redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG ||
  die "redis-server did not start: $(tail -n 3 "$work/redis/log" 2>/dev/null)"
redis_url="redis://127.0.0.1:$redis_port"
# redis_stat FIELD: a number from INFO (net bytes, CPU seconds).
redis_stat() {
  redis-cli -p "$redis_port" info all | tr -d '\r' | sed -n "s/^$1://p"
}
# "bytes commands cpu_seconds" of Redis so far.
redis_counters() {
  echo "$(( $(redis_stat total_net_input_bytes) + $(redis_stat total_net_output_bytes) ))" \
    "$(redis_stat total_commands_processed)" \
    "$(python3 -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[2]))' \
      "$(redis_stat used_cpu_user)" "$(redis_stat used_cpu_sys)")"
}

# start_site ARGS...: crawlbox-testsite on a port it picks; sets site_url and site_pid.
site_pid=""
start_site() {
  local out="$work/site.out"
  "$testsite" --port 0 "$@" >"$out" 2>&1 &
  site_pid=$!
  pids+=("$site_pid")
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$out" && break
    sleep 0.05
  done
  site_url="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
  [ -n "$site_url" ] || die "crawlbox-testsite $* did not start in 10 s: $(tail -n 3 "$out")"
}
stop_site() {
  kill "$site_pid" 2>/dev/null || true
  wait "$site_pid" 2>/dev/null || true
  local keep=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$site_pid" ] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

# The job of a scenario: the bench job with per-host limits above the fleet's transfers.
make_job() {
  local src="$1" dst="$2" limit=$(( 2 * concurrency * max_workers ))
  [ "$limit" -ge 256 ] || limit=256
  sed -e "0,/^name = .*/s//name = \"distbench\"/" \
    -e "s/^per_host_concurrency = .*/per_host_concurrency = $limit/" "$src" >"$dst"
  SITE=http://127.0.0.1:1 DB="$work/check.db" "$crawlbox" check "$dst" >/dev/null ||
    die "$dst does not check"
}

# Per-run facts from the database: pages, pages with status 200, board rows, and the steady
# rate: pages stored between the 10% and the 90% mark by store time, over that time.
db_facts() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
pages, ok = db.execute("select count(*), coalesce(sum(status = 200), 0) from pages").fetchone()
try:
    items = db.execute("select count(*) from board").fetchone()[0]
except sqlite3.Error:
    items = 0
t = [r[0] for r in db.execute(
    "select (julianday(fetched_at) - 2440587.5) * 86400.0 from pages order by 1")]
steady, span = 0.0, 0.0
if len(t) >= 20:
    lo, hi = len(t) // 10, len(t) - len(t) // 10 - 1
    span = t[-1] - t[0]
    if t[hi] > t[lo]:
        steady = (hi - lo) / (t[hi] - t[lo])
print(pages, ok, items, f"{steady:.1f}", f"{span:.3f}")
PY
}

tsv="$work/results.tsv"
printf 'scenario\tworkers\trun\tpages\titems\tconcurrency\tlatency_ms\twall_s\tpages_per_s\tsteady_pages_per_s\tmaster_cpu_s\tworkers_cpu_s\tredis_cpu_s\tsite_cpu_s\tredis_bytes\tredis_commands\tmaster_busiest_thread_cpu_s\tmachine_cpu_s\n' >"$tsv"

# time_cpu FILE: user + system seconds from GNU time's "%e %U %S".
time_cpu() { awk '{ print $2 + $3 }' "$1"; }

# one_run SCENARIO WORKERS RUN PAGES ITEMS: a fresh database and Redis, the workers, then the
# master; checks the crawl and appends a row to the TSV.
failed=0
one_run() {
  local scen="$1" workers="$2" run="$3" want_pages="$4" want_items="$5"
  local dir="$work/$scen-$workers-$run" db i wpids=() mpid code=0
  mkdir -p "$dir"
  db="$dir/crawl.db"
  redis-cli -p "$redis_port" flushall >/dev/null
  local redis_before site_before machine_before
  redis_before="$(redis_counters)"
  site_before="$(proc_cpu "$site_pid")"
  machine_before="$(machine_cpu)"
  for i in $(seq 1 "$workers"); do
    /usr/bin/time -f '%e %U %S' -o "$dir/worker-$i.time" \
      "$crawlbox" worker --redis "$redis_url" --concurrency "$concurrency" \
      >"$dir/worker-$i.log" 2>&1 &
    wpids+=($!)
    pids+=($!)
  done
  SITE="$site_url" DB="$db" /usr/bin/time -f '%e %U %S' -o "$dir/master.time" \
    "$crawlbox" master "$work/$scen.toml" --redis "$redis_url" -q >"$dir/master.log" 2>&1 &
  mpid=$!
  pids+=("$mpid")
  # The master's threads, sampled from /proc (pid: GNU time's child).
  local master_pid="" sampler=""
  for _ in $(seq 1 100); do
    master_pid="$(pgrep -P "$mpid" 2>/dev/null | head -n 1 || true)"
    [ -n "$master_pid" ] && break
    sleep 0.01
  done
  if [ -n "$master_pid" ]; then
    nice python3 "$root/bench/thread_cpu.py" "$master_pid" "$dir/master-threads" &
    sampler=$!
    pids+=("$sampler")
  fi
  # A run that hangs (a worker or the master stuck) is stopped, not waited for forever.
  local limit=$(( 60 + want_pages / 50 )) deadline running
  deadline=$(( SECONDS + limit ))
  while :; do
    running=0
    for i in "$mpid" "${wpids[@]}"; do kill -0 "$i" 2>/dev/null && running=1; done
    [ "$running" -eq 1 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$scen, $workers workers, run $run: not over after $limit s; stopping it"
      stop_pids "$mpid" "${wpids[@]}"
      code=124
      break
    fi
    sleep 0.2
  done
  wait "$mpid" || code=$(( code ? code : $? ))
  [ -z "$sampler" ] || wait "$sampler" || true
  for i in "${wpids[@]}"; do wait "$i" || code=$(( code ? code : 100 )); done
  pids=("$redis_pid" "$site_pid")
  local machine_after site_after redis_after
  machine_after="$(machine_cpu)"
  site_after="$(proc_cpu "$site_pid")"
  redis_after="$(redis_counters)"
  if [ "$code" -ne 0 ]; then
    log "$scen, $workers workers, run $run: exit $code; master: $(tail -n 2 "$dir/master.log" | tr '\n' ' ')"
    for i in $(seq 1 "$workers"); do log "  worker $i: $(tail -n 1 "$dir/worker-$i.log")"; done
    failed=1
    return 0
  fi
  local facts pages ok items steady rate wall mcpu wcpu=0
  facts="$(db_facts "$db")"
  read -r pages ok items steady _ <<<"$facts"
  if [ "$pages" != "$want_pages" ] || [ "$ok" != "$want_pages" ] ||
     { [ "$want_items" != - ] && [ "$items" != "$want_items" ]; }; then
    log "$scen, $workers workers, run $run: INCOMPLETE: $pages pages ($ok with status 200, want $want_pages), $items board rows (want $want_items)"
    failed=1
    return 0
  fi
  # The master's own measure: from its database opened to the last page stored.
  rate="$(sed -n 's/.* in \([0-9.]*\) s (\([0-9]*\) pages\/s).*/\2/p' "$dir/master.log" | tail -n 1)"
  wall="$(awk '{ print $1 }' "$dir/master.time")"
  mcpu="$(time_cpu "$dir/master.time")"
  for i in $(seq 1 "$workers"); do
    wcpu="$(awk -v a="$wcpu" -v b="$(time_cpu "$dir/worker-$i.time")" 'BEGIN { print a + b }')"
  done
  local rb_before rn_before rc_before rb_after rn_after rc_after busiest
  read -r rb_before rn_before rc_before <<<"$redis_before"
  read -r rb_after rn_after rc_after <<<"$redis_after"
  busiest="$(head -n 1 "$dir/master-threads" 2>/dev/null | awk '{ print $2 }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$scen" "$workers" "$run" "$pages" "$items" "$concurrency" \
    "$([ "$scen" = latency ] && echo "$latency_ms" || echo 0)" "$wall" "${rate:-0}" "$steady" \
    "$mcpu" "$wcpu" "$(awk -v a="$rc_before" -v b="$rc_after" 'BEGIN { printf "%.2f", b - a }')" \
    "$(awk -v a="$site_before" -v b="$site_after" 'BEGIN { printf "%.2f", b - a }')" \
    "$(( rb_after - rb_before ))" "$(( rn_after - rn_before ))" "${busiest:-0}" \
    "$(awk -v a="$machine_before" -v b="$machine_after" 'BEGIN { printf "%.2f", b - a }')" >>"$tsv"
  log "$scen, $workers workers, run $run: $pages pages, ${rate:-?} pages/s (steady $steady), master ${mcpu} CPU s, workers ${wcpu} CPU s"
}

wants() { [ "$scenario" = all ] || [ "$scenario" = "$1" ]; }

if wants latency; then
  make_job "$root/bench/latency.toml" "$work/latency.toml"
  # ~1 KB pages, 10 links each, no board entries: the work per page is small, the wait long.
  # A keep-alive connection holds a server thread: 512 threads for up to 8 x 16 connections
  # and the ones curl opens again after the server's 100 requests per connection.
  threads=$(( concurrency * max_workers * 4 > 512 ? concurrency * max_workers * 4 : 512 ))
  # A site per worker count (a crawl stores every page of its site, from /site/0.html).
  for workers in "${worker_counts[@]}"; do
    n=$(( fixed_pages > 0 ? fixed_pages : pages_per_worker * workers ))
    start_site --site-pages "$n" --links 10 --min-bytes 900 --max-bytes 1100 --board-every 0 \
      --latency-ms "$latency_ms" --threads "$threads"
    for run in $(seq 1 "$runs"); do one_run latency "$workers" "$run" "$n" -; done
    stop_site
  done
fi

if wants cpu; then
  make_job "$root/bench/realistic.toml" "$work/cpu.toml"
  # The board entries of the realistic site: every tenth page after its 20 nav pages.
  cpu_items=$(( cpu_pages > 20 ? (cpu_pages - 20) / 10 * 10 : 0 ))
  start_site --site-pages "$cpu_pages" --realistic --threads 256
  for workers in "${worker_counts[@]}"; do
    for run in $(seq 1 "$runs"); do one_run cpu "$workers" "$run" "$cpu_pages" "$cpu_items"; done
  done
  stop_site
fi

mkdir -p "$out_dir"
cp "$tsv" "$out_dir/$name.tsv"
python3 "$root/bench/report_distributed.py" "$tsv" --cores "$(nproc)" \
  --load "$(cut -d' ' -f1-3 /proc/loadavg)" --out "$out_dir/$name.md" ||
  die "bench/report_distributed.py failed"
log "report: $out_dir/$name.md, runs: $out_dir/$name.tsv"
cat "$out_dir/$name.md"
[ "$failed" -eq 0 ] || die "some runs failed or were incomplete (above)"
