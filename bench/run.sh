#!/usr/bin/env bash
# The crawlbox benchmark: installs what it needs (Debian packages), builds, generates the
# synthetic movie site, serves it with nginx, and measures crawlbox against Scrapy, wget -r and
# wrk in the same session, plus the latency-bound, frontier-memory and parse-scaling scenarios.
# Writes bench/results/<date>.md with its charts and prints a summary table.
#
#   bench/run.sh [--scenario main|latency|frontier|parse|all] [--runs N] [--pages N] [--quick]
#                [--no-build] [--keep-work]
#
# Exit 0 when every run completed and was complete; 1 when a completeness check failed or a run
# did not finish; 2 on bad arguments. Needs root or sudo only to install missing packages.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

usage() {
  cat <<'EOF'
usage: bench/run.sh [--scenario main|latency|frontier|parse|all] [--runs N] [--pages N] [--quick]
                    [--no-build] [--keep-work]
  --scenario S  what to run (default all); frontier also runs main's crawlbox for its baseline
  --runs N      runs per system and scenario, interleaved (default 3)
  --pages N     pages of the main site (default 10000)
  --quick       smoke test: 500 pages, 1 run, smaller latency/frontier sites; the report goes
                to bench/results/quick/ and latest.md is left alone
  --no-build    measure the programs already in build/ (default: scripts/build.sh first)
  --keep-work   keep the work directory (site, logs, results.tsv) and print its path
EOF
}

scenario=all
runs=3
pages=10000
quick=0
build=1
keep_work=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) scenario="${2:-}"; shift 2 ;;
    --runs) runs="${2:-}"; shift 2 ;;
    --pages) pages="${2:-}"; shift 2 ;;
    --quick) quick=1; shift ;;
    --no-build) build=0; shift ;;
    --keep-work) keep_work=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$scenario" in main|latency|frontier|parse|all) ;; *) usage >&2; exit 2 ;; esac
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs needs a positive integer" >&2; exit 2; }
[[ "$pages" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --pages needs a positive integer" >&2; exit 2; }

# Scenario sizes. The latency-bound and frontier numbers are the issue's; --quick shrinks them.
latency_pages=2000 latency_ms=100 latency_concurrency=200
# 10,000 pages × 100 links spread over 10,000,000 pages: ~950,000 distinct URLs discovered (a
# 1,000,000-page site gives only ~600,000: random links to it collide).
frontier_site_pages=10000000 frontier_links=100 frontier_max_pages=10000
parse_rounds=10
wrk_seconds=10
if [ "$quick" -eq 1 ]; then
  pages=500 runs=1
  latency_pages=400
  frontier_site_pages=1000000 frontier_max_pages=1000
  parse_rounds=3
  wrk_seconds=3
fi
wants() { [ "$scenario" = all ] || [ "$scenario" = "$1" ]; }

# Debian's interpreter (Scrapy's), even when another python3 comes first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

# --- 1. packages and build ------------------------------------------------------------------
bash scripts/setup.sh || die "scripts/setup.sh failed"
bench_packages=(nginx python3-scrapy wget wrk gnuplot-nox time)
missing=()
for p in "${bench_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's nginx package may start the system service; it is not used (and not stopped) here.
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

if [ "$build" -eq 1 ]; then
  bash scripts/build.sh "$root/build" || die "the build failed (scripts/build.sh)"
fi

# --- work area, background servers, cleanup -------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/crawlbox-bench.XXXXXX")"
# nginx's worker runs as nobody when started by root: it must be able to read the site.
chmod 755 "$work"
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]+"${server_pids[@]}"}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]+"${server_pids[@]}"}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$keep_work" -eq 1 ]; then
    log "work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/logs" "$work/bin"
# The programs are copied, so that a rebuild of build/ during the session changes nothing.
for program in crawlbox crawlbox-testsite crawlbox-parse-bench; do
  [ -x "$root/build/$program" ] || die "build/$program is missing: build it (scripts/build.sh)"
  cp "$root/build/$program" "$work/bin/"
done
crawlbox="$work/bin/crawlbox"
testsite="$work/bin/crawlbox-testsite"
parse_bench="$work/bin/crawlbox-parse-bench"

started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
start_seconds=$SECONDS
results="$work/results.tsv"
printf 'scenario\tsystem\trun\twall_s\tcpu_s\tmaxrss_kb\tserver_cpu_s\tmachine_cpu_s\tpages\tpages_per_s\tcheck\tdetail\n' >"$results"

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers 200 while process PID lives; false if PID exits or 10 s pass.
wait_for_url() {
  local url="$1" pid="$2" i
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || return 1
    if wget -q -O /dev/null --tries=1 --timeout=2 "$url" 2>/dev/null; then
      kill -0 "$pid" 2>/dev/null && return 0
      return 1
    fi
    sleep 0.05
  done
  return 1
}

# Serves directory DOCROOT with nginx on a free port; sets nginx_url. The port is picked by
# binding port 0, so another program can take it before nginx binds: then nginx exits and
# another port is tried.
start_nginx() {
  local docroot="$1" dir="$work/nginx" attempt port
  mkdir -p "$dir/temp" "$dir/logs"
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
  worker_connections 1024;
}
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  types {
    text/html html;
    application/json json;
  }
  default_type application/octet-stream;
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $docroot;
  }
}
EOF
    "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
      >>"$dir/logs/stdout.log" 2>&1 &
    local pid=$!
    if wait_for_url "http://127.0.0.1:$port/site/0.html" "$pid"; then
      server_pids+=("$pid")
      nginx_pid=$pid
      nginx_url="http://127.0.0.1:$port"
      # The one worker process does the serving; its CPU time is reported per run.
      server_pid="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{ print $1 }')"
      log "nginx serves $docroot at $nginx_url"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "nginx did not start on port $port (attempt $attempt):"
    tail -n 3 "$dir/logs/error.log" >&2 || true
  done
  die "nginx would not start; see the lines above"
}

# stop_server PID: stops a server this script started and forgets it.
stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local pid kept=()
  for pid in "${server_pids[@]+"${server_pids[@]}"}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  server_pids=("${kept[@]+"${kept[@]}"}")
  server_pid=""
}

# Starts crawlbox-testsite with the given options; sets testsite_url and testsite_pid. It binds
# port 0 itself and prints the port, so there is no race.
start_testsite() {
  local out="$work/logs/testsite.out"
  "$testsite" --port 0 "$@" >"$out" 2>&1 &
  testsite_pid=$!
  server_pids+=("$testsite_pid")
  local i
  for i in $(seq 1 200); do
    grep -q '^listening on ' "$out" && break
    kill -0 "$testsite_pid" 2>/dev/null || break
    sleep 0.05
  done
  testsite_url="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
  [ -n "$testsite_url" ] || { cat "$out" >&2; die "crawlbox-testsite did not start"; }
  server_pid="$testsite_pid"
  log "crawlbox-testsite $* serves at $testsite_url"
}


# CPU time (clock ticks) of all CPUs together, busy states only; of one process (all threads).
clock_ticks="$(getconf CLK_TCK)"
machine_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
process_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  echo "${stat##*) }" | awk '{ print $12 + $13 }'
}
server_pid=""  # the process serving the running scenario (nginx's worker, crawlbox-testsite)

# measure NAME LIMIT_S COMMAND...: runs COMMAND under GNU time (and a time limit), output in
# logs/NAME.log; sets wall_s, cpu_s, maxrss_kb and exit_code, plus server_cpu_s (the server's
# CPU seconds meanwhile) and machine_cpu_s (every process's), which show how busy the rest of
# the machine was.
measure() {
  local name="$1" limit="$2"
  shift 2
  local time_file="$work/logs/$name.time"
  local machine0 server0=0 machine1 server1=0
  machine0="$(machine_ticks)"
  [ -n "$server_pid" ] && server0="$(process_ticks "$server_pid")"
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$time_file" \
    timeout --foreground --kill-after=10 "$limit" "$@" >"$work/logs/$name.log" 2>&1
  exit_code=$?
  set -e
  machine1="$(machine_ticks)"
  [ -n "$server_pid" ] && server1="$(process_ticks "$server_pid")"
  local e=0 u=0 s=0 m=0
  # A killed GNU time writes nothing; the run then shows zeros and fails its check.
  read -r e u s m < <(tail -n 1 "$time_file" 2>/dev/null) || true
  [[ "$e $u $s $m" =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+$ ]] || { e=0 u=0 s=0 m=0; exit_code=125; }
  wall_s="$e"
  maxrss_kb="$m"
  read -r cpu_s server_cpu_s machine_cpu_s < <("$python" -c "print(round($u + $s, 2), \
round(($server1 - $server0) / $clock_ticks, 2), round(($machine1 - $machine0) / $clock_ticks, 2))")
}

# record SCENARIO SYSTEM RUN PAGES PAGES_PER_S CHECK DETAIL: one row of results.tsv.
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$wall_s" "$cpu_s" \
    "$maxrss_kb" "$server_cpu_s" "$machine_cpu_s" "$4" "$5" "$6" "$7" >>"$results"
  log "$1 $2 run $3: $4 pages, $5 pages/s, ${wall_s} s wall, ${cpu_s} s CPU, ${maxrss_kb} KB peak RSS: $6 $7"
}

rate() { "$python" -c "print(round($1 / $2, 1) if $2 > 0 else 0)"; }
manifest_value() { "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

# db_value DB SQL: the last row of crawlbox query's CSV (CRLF line ends), empty on failure.
db_value() {
  "$crawlbox" query "$1" "$2" --format csv 2>/dev/null | tail -n 1 | tr -d '\r' || true
}

# One crawlbox run: crawlbox_run SCENARIO JOB SITE_URL RUN EXPECTED_PAGES EXPECTED_ITEMS
# (EXPECTED_ITEMS "-" = not checked). Stores the database's counts in the results.
crawlbox_run() {
  local scenario="$1" job="$2" site="$3" run="$4" want_pages="$5" want_items="$6"
  local db="$work/$scenario-crawlbox.db"
  rm -f "$db" "$db-wal" "$db-shm"
  SITE="$site" DB="$db" measure "$scenario-crawlbox-$run" 300 "$crawlbox" run "$job" -q
  local counts pages_ok items frontier span steady check=ok detail
  counts="$(db_value "$db" "select count(*), coalesce(sum(status = 200), 0) from pages")"
  [ -n "$counts" ] || counts="0,0"
  pages_ok="${counts#*,}"
  items="$(db_value "$db" "select count(*) from board")"
  frontier="$(db_value "$db" "select count(*) from frontier")"
  # The crawl's own span (database opened to crawl finished), without process start and exit.
  span="$(db_value "$db" "select round((julianday(finished_at) - julianday(started_at)) * 86400, 3)
    from crawls order by id desc limit 1")"
  # The rate over the middle 80% of the pages (by the time they were stored): the crawl's steady
  # state, without its ramp-up from the start page and its tail.
  steady="$(db_value "$db" "select round(count(*) / ((max(t) - min(t)) * 86400), 1) from
    (select julianday(fetched_at) as t from pages order by t
     limit (select count(*) * 8 / 10 from pages) offset (select count(*) / 10 from pages))")"
  detail="exit=$exit_code pages=${counts%,*} status200=$pages_ok items=$items frontier=$frontier span_s=$span steady_pages_per_s=$steady"
  if [ "$exit_code" -ne 0 ] || [ "${counts%,*}" != "$want_pages" ] || [ "$pages_ok" != "$want_pages" ]; then
    check=FAIL
  fi
  if [ "$want_items" != "-" ] && [ "$items" != "$want_items" ]; then check=FAIL; fi
  record "$scenario" crawlbox "$run" "$pages_ok" "$(rate "$pages_ok" "$wall_s")" "$check" "$detail"
  rm -f "$db" "$db-wal" "$db-shm"
}

scrapy_run() {
  local run="$1" want_pages="$2" want_items="$3"
  local db="$work/main-scrapy.db" stats="$work/main-scrapy-stats.json"
  rm -f "$db" "$stats"
  # From the work directory, so that no scrapy.cfg of the caller's applies.
  measure "main-scrapy-$run" 900 env -C "$work" scrapy runspider "$root/bench/scrapy_spider.py" \
    -L WARNING -a "site=$nginx_url" -a "db=$db" -a "stats=$stats"
  local crawled=0 received=0 items=0 check=ok
  if [ -s "$stats" ]; then
    crawled="$(manifest_value "$stats" pages)"
    received="$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['scrapy'].get('response_received_count', 0))" "$stats")"
  fi
  items="$("$python" -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from board').fetchone()[0])" "$db" 2>/dev/null)" ||
    items=0
  if [ "$exit_code" -ne 0 ] || [ "$crawled" != "$want_pages" ] || [ "$items" != "$want_items" ]; then
    check=FAIL
  fi
  record main scrapy "$run" "$crawled" "$(rate "$crawled" "$wall_s")" "$check" \
    "exit=$exit_code pages=$crawled responses=$received items=$items"
  rm -f "$db" "$stats"
}

wget_run() {
  local run="$1" want_pages="$2"
  local dir="$work/wget"
  rm -rf "$dir"
  measure "main-wget-$run" 600 wget -r -l inf -nv -np --no-host-directories -e robots=off \
    -P "$dir" "$nginx_url/site/0.html"
  local files check=ok
  files="$(find "$dir" -type f 2>/dev/null | wc -l)"
  if [ "$exit_code" -ne 0 ] || [ "$files" != "$want_pages" ]; then check=FAIL; fi
  record main wget "$run" "$files" "$(rate "$files" "$wall_s")" "$check" "exit=$exit_code files=$files"
  rm -rf "$dir"
}

wrk_run() {
  local run="$1" site_pages="$2"
  measure "main-wrk-$run" 120 wrk -t 2 -c 64 -d "${wrk_seconds}s" -s "$root/bench/wrk_pages.lua" \
    "$nginx_url" -- "$site_pages" 2
  local out="$work/logs/main-wrk-$run.log" requests per_s check=ok errors
  requests="$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$out")"
  per_s="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")"
  errors="$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd ';' || true)"
  if [ "$exit_code" -ne 0 ] || [ -z "$per_s" ] || [ -n "$errors" ]; then check=FAIL; fi
  record main wrk "$run" "${requests:-0}" "${per_s:-0}" "$check" \
    "exit=$exit_code requests=${requests:-0}${errors:+ $errors}"
}

# --- scenarios ------------------------------------------------------------------------------
site_dir="$work/site"
main_site_ready=0
prepare_main_site() {
  [ "$main_site_ready" -eq 1 ] && return 0
  log "writing the $pages-page site"
  "$testsite" --write-site "$site_dir" --site-pages "$pages"
  chmod -R a+rX "$site_dir"
  cp "$site_dir/manifest.json" "$work/main-manifest.json"
  start_nginx "$site_dir"
  main_site_ready=1
}

if wants main; then
  prepare_main_site
  want_pages="$(manifest_value "$site_dir/manifest.json" pages)"
  want_items="$(manifest_value "$site_dir/manifest.json" board_entries)"
  for run in $(seq 1 "$runs"); do
    log "main scenario, round $run of $runs"
    crawlbox_run main "$root/bench/crawlbox.toml" "$nginx_url" "$run" "$want_pages" "$want_items"
    scrapy_run "$run" "$want_pages" "$want_items"
    wget_run "$run" "$want_pages"
    wrk_run "$run" "$want_pages"
  done
fi

if wants latency; then
  # ~1 KB pages: 10 links each and no board entries (a board page is ~6 KB).
  start_testsite --site-pages "$latency_pages" --links 10 --min-bytes 900 --max-bytes 1100 \
    --board-every 0 --latency-ms "$latency_ms" --threads 256
  printf '{"pages": %s, "latency_ms": %s, "concurrency": %s}\n' "$latency_pages" "$latency_ms" \
    "$latency_concurrency" >"$work/latency.json"
  for run in $(seq 1 "$runs"); do
    crawlbox_run latency "$root/bench/latency.toml" "$testsite_url" "$run" "$latency_pages" 0
  done
  stop_server "$testsite_pid"
fi

if wants frontier; then
  # The plain 10,000-page run of the main scenario is the baseline; run it if main did not.
  if ! wants main; then
    prepare_main_site
    for run in $(seq 1 "$runs"); do
      crawlbox_run main "$root/bench/crawlbox.toml" "$nginx_url" "$run" \
        "$(manifest_value "$site_dir/manifest.json" pages)" \
        "$(manifest_value "$site_dir/manifest.json" board_entries)"
    done
  fi
  start_testsite --site-pages "$frontier_site_pages" --links "$frontier_links" --threads 128
  printf '{"site_pages": %s, "links": %s, "max_pages": %s}\n' "$frontier_site_pages" \
    "$frontier_links" "$frontier_max_pages" >"$work/frontier.json"
  job="$root/bench/frontier.toml"
  if [ "$frontier_max_pages" -ne 10000 ]; then
    job="$work/frontier.toml"
    sed "s/^max_pages = .*/max_pages = $frontier_max_pages/" "$root/bench/frontier.toml" >"$job"
  fi
  for run in $(seq 1 "$runs"); do
    crawlbox_run frontier "$job" "$testsite_url" "$run" "$frontier_max_pages" -
  done
  stop_server "$testsite_pid"
fi

if wants parse; then
  prepare_main_site
  log "parse scaling: $parse_rounds rounds of 1 and 2 threads"
  set +e
  SITE="$nginx_url" DB="$work/unused.db" "$parse_bench" --job "$root/bench/crawlbox.toml" \
    --site "$site_dir" --base-url "$nginx_url" --threads 1,2 --rounds "$parse_rounds" \
    >"$work/parse.json" 2>"$work/logs/parse.log"
  parse_exit=$?
  set -e
  [ "$parse_exit" -eq 0 ] || { cat "$work/logs/parse.log" >&2; log "crawlbox-parse-bench failed"; }
fi

if [ "$main_site_ready" -eq 1 ]; then stop_server "$nginx_pid"; fi

# --- report ---------------------------------------------------------------------------------
date="$(date +%Y-%m-%d)"
out_dir="$root/bench/results"
name="$date"
if [ "$quick" -eq 1 ]; then out_dir="$root/bench/results/quick"; fi
if [ "$scenario" != all ]; then name="$date-$scenario"; fi
mkdir -p "$out_dir"
command_line="bench/run.sh --scenario $scenario --runs $runs --pages $pages"
if [ "$quick" -eq 1 ]; then command_line="bench/run.sh --quick --scenario $scenario"; fi
set +e
"$python" "$root/bench/report.py" --root "$root" --work "$work" --out-dir "$out_dir" --name "$name" \
  --command "$command_line" --started "$started_at" --seconds "$((SECONDS - start_seconds))" \
  --wrk-seconds "$wrk_seconds"
report_exit=$?
set -e
if [ "$quick" -eq 0 ] && [ "$scenario" = all ] && [ -f "$out_dir/$name.md" ]; then
  # A stable path for the README: the newest full report (its charts are beside it).
  cp "$out_dir/$name.md" "$out_dir/latest.md"
fi
exit "$report_exit"
