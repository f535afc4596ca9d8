#!/usr/bin/env bash
# The crawlbox benchmark: installs what it needs (Debian packages), builds, generates the
# synthetic movie site, serves it with nginx, and measures crawlbox against Scrapy, wget -r and
# wrk in the same session, plus the latency-bound, frontier-memory, parse-scaling and scale
# scenarios; with --baseline, an older crawlbox build runs beside the current one; the render
# scenario (not in `all`) measures crawlbox's rendering against Crawlee's PuppeteerCrawler, the
# warc scenario (not in `all` either, bench/warc.sh) what writing WARC files costs.
# Writes bench/results/<date>.md with its charts and prints a summary table.
#
#   bench/run.sh [--scenario main|latency|frontier|parse|scale|render|warc|all] [--runs N]
#                [--pages N] [--main-site realistic|plain] [--baseline OLD_BIN]
#                [--scale-sizes N,N,...] [--scale-runs N] [--scale-site plain|realistic]
#                [--render-tabs N] [--mixed-pages N] [--quick] [--no-build] [--build-dir DIR]
#                [--keep-work] [--no-peers]
#
# Exit 0 when every run completed and was complete; 1 when a completeness check failed or a run
# did not finish; 2 on bad arguments. Needs root or sudo only to install missing packages.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
caller_dir="$(pwd)"  # relative paths in the arguments are relative to it
cd "$root"
command_line="bench/run.sh $*"

usage() {
  cat <<'USAGE'
usage: bench/run.sh [--scenario main|latency|frontier|parse|scale|render|warc|all] [--runs N]
                    [--pages N] [--main-site realistic|plain] [--baseline OLD_BIN]
                    [--scale-sizes N,N,...] [--scale-runs N] [--scale-site plain|realistic]
                    [--render-tabs N] [--mixed-pages N] [--quick] [--no-build]
                    [--build-dir DIR] [--keep-work] [--no-peers]
       bench/run.sh --scenario distributed [bench/distributed.sh's options]
  --scenario S      what to run (default all); frontier also runs main's crawlbox for its
                    baseline; all is main, latency, frontier, parse and scale: render is
                    left out (it needs Chromium, Node and the npm registry, and takes about
                    12 minutes), run it with --scenario render; warc (WARC off against
                    on, on the latency and main sites) is left out too
  --runs N          runs per system and scenario, interleaved (default 3)
  --pages N         pages of the main site (default 50000)
  --main-site K     realistic (default: crawlbox-testsite --realistic, bench/realistic.toml) or
                    plain (/site/<i>.html, bench/crawlbox.toml)
  --baseline BIN    also run the crawlbox program BIN (an older build) in the main, latency,
                    frontier and scale scenarios, interleaved with the current one (old, new,
                    then the next round), and compare the two
  --scale-sizes L   site sizes of the scale scenario (default 10000,100000,1000000)
  --scale-runs N    runs per size and program in the scale scenario (default 1)
  --scale-site K    plain (default) or realistic: the site crawlbox-testsite makes on request
                    for the scale scenario
  --render-tabs N   pages rendered at once in the render scenario, by crawlbox
                    (render.tabs) and Crawlee (min = max concurrency) (default 4)
  --mixed-pages N   pages of the render scenario's mixed site, one in ten rendered (default
                    1000)
  --quick           smoke test: 500 pages, 1 run, smaller latency/frontier/scale sites (each
                    unless given); the report goes to bench/results/quick/, latest.md is left
                    alone
  --no-build        measure the programs already in the build directory (default: build it
                    with scripts/build.sh first)
  --build-dir DIR   the build directory whose crawlbox, crawlbox-testsite and
                    crawlbox-parse-bench are measured (default build/)
  --keep-work       keep the work directory (site, logs, results.tsv) and print its path
  --no-peers        main scenario without Scrapy and wget (crawlbox builds and wrk only): at
                    50,000 pages a Scrapy run alone takes over six minutes
USAGE
}

bad_usage() { echo "bench: $*" >&2; usage >&2; exit 2; }
# The fleet's scaling benchmark has its own script and options.
if [ "${1:-}" = --scenario ] && [ "${2:-}" = distributed ]; then
  shift 2
  cd "$caller_dir"
  exec bash "$root/bench/distributed.sh" "$@"
fi
scenario=all
runs="" pages="" scale_sizes="" scale_runs="" mixed_pages=""
render_tabs=4
main_site=realistic
scale_site=plain
baseline=""
quick=0
build=1
keep_work=0
peers=1
build_dir="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario|--runs|--pages|--main-site|--baseline|--scale-sizes|--scale-runs|--scale-site|--build-dir|--render-tabs|--mixed-pages)
      [ $# -ge 2 ] && [ -n "$2" ] || bad_usage "$1 needs a value"
      case "$1" in
        --scenario) scenario="$2" ;;
        --runs) runs="$2" ;;
        --pages) pages="$2" ;;
        --main-site) main_site="$2" ;;
        --baseline) baseline="$2" ;;
        --scale-sizes) scale_sizes="$2" ;;
        --scale-runs) scale_runs="$2" ;;
        --scale-site) scale_site="$2" ;;
        --build-dir) build_dir="$2" ;;
        --render-tabs) render_tabs="$2" ;;
        --mixed-pages) mixed_pages="$2" ;;
      esac
      shift 2 ;;
    --quick) quick=1; shift ;;
    --no-build) build=0; shift ;;
    --keep-work) keep_work=1; shift ;;
    --no-peers) peers=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown argument $1" ;;
  esac
done
case "$scenario" in main|latency|frontier|parse|scale|render|warc|all) ;; *) bad_usage "unknown scenario $scenario" ;; esac
case "$main_site" in realistic|plain) ;; *) bad_usage "--main-site is realistic or plain" ;; esac
case "$scale_site" in realistic|plain) ;; *) bad_usage "--scale-site is realistic or plain" ;; esac
# --quick shrinks whatever was not given explicitly.
if [ "$quick" -eq 1 ]; then
  : "${runs:=1}" "${pages:=500}" "${scale_sizes:=1000,10000}" "${scale_runs:=1}"
  : "${mixed_pages:=200}"
else
  : "${runs:=3}" "${pages:=50000}" "${scale_sizes:=10000,100000,1000000}" "${scale_runs:=1}"
  : "${mixed_pages:=1000}"
fi
positive='^[1-9][0-9]{0,8}$'
[[ "$runs" =~ $positive ]] || bad_usage "--runs needs a positive integer"
[[ "$pages" =~ $positive ]] || bad_usage "--pages needs a positive integer"
[[ "$scale_runs" =~ $positive ]] || bad_usage "--scale-runs needs a positive integer"
[[ "$render_tabs" =~ ^([1-9]|[1-5][0-9]|6[0-4])$ ]] || bad_usage "--render-tabs needs an integer 1..64"
[[ "$mixed_pages" =~ $positive ]] || bad_usage "--mixed-pages needs a positive integer"
[[ "$scale_sizes" =~ ^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8})*$ ]] ||
  bad_usage "--scale-sizes needs positive integers separated by commas"
IFS=, read -r -a scale_list <<<"$scale_sizes"
case "$build_dir" in /*) ;; *) build_dir="$caller_dir/$build_dir" ;; esac
[ -d "$build_dir" ] || [ "$build" -eq 1 ] || bad_usage "--build-dir $build_dir is not a directory"
build_dir="$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)"
if [ -n "$baseline" ]; then
  case "$baseline" in /*) ;; *) baseline="$caller_dir/$baseline" ;; esac
  [ -f "$baseline" ] && [ -x "$baseline" ] || bad_usage "--baseline $baseline is not an executable file"
  baseline="$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")"
fi

# Scenario sizes. The latency-bound and frontier numbers are the issue's; --quick shrinks them.
latency_pages=2000 latency_ms=100 latency_concurrency=200
# 10,000 pages × 100 links spread over 10,000,000 pages: ~950,000 distinct URLs discovered (a
# 1,000,000-page site gives only ~600,000: random links to it collide).
frontier_site_pages=10000000 frontier_links=100 frontier_max_pages=10000
parse_rounds=10
wrk_seconds=10
if [ "$quick" -eq 1 ]; then
  latency_pages=400
  frontier_site_pages=1000000 frontier_max_pages=1000
  parse_rounds=3
  wrk_seconds=3
fi
# The render and warc scenarios are not part of `all` (see usage).
wants() { { [ "$scenario" = all ] && [ "$1" != render ] && [ "$1" != warc ]; } || [ "$scenario" = "$1" ]; }

# The main site: the generator's mode, where a crawl starts, the job that crawls it.
if [ "$main_site" = realistic ]; then
  main_site_flags=(--realistic) main_start=/home main_job="$root/bench/realistic.toml"
else
  main_site_flags=() main_start=/site/0.html main_job="$root/bench/crawlbox.toml"
fi
if [ "$scale_site" = realistic ]; then
  scale_site_flags=(--realistic) scale_job="$root/bench/realistic.toml"
else
  scale_site_flags=() scale_job="$root/bench/crawlbox.toml"
fi

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
# The render scenario: Debian's Chromium (crawlbox and Crawlee both drive it), and Node with
# npm for Crawlee (whatever node is on PATH; Debian 12's is 18.19).
if wants render; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
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
  bash scripts/build.sh "$build_dir" || die "the build failed (scripts/build.sh $build_dir)"
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
# The programs are copied, so that a rebuild of the build directory during the session changes
# nothing.
programs=(crawlbox crawlbox-testsite)
if wants parse; then programs+=(crawlbox-parse-bench); fi
for program in "${programs[@]}"; do
  [ -x "$build_dir/$program" ] ||
    die "$build_dir/$program is missing: build it (scripts/build.sh $build_dir)"
  cp "$build_dir/$program" "$work/bin/"
done
crawlbox="$work/bin/crawlbox"
testsite="$work/bin/crawlbox-testsite"
parse_bench="$work/bin/crawlbox-parse-bench"
# The crawlbox programs each crawl scenario runs, as "SYSTEM BINARY"; in every round the
# baseline goes first.
crawlers=()
if [ -n "$baseline" ]; then
  cp "$baseline" "$work/bin/crawlbox-baseline"
  crawlers+=("crawlbox-baseline $work/bin/crawlbox-baseline")
  # The old program must understand every job it may be given: all are checked before any run.
  for job in "$main_job" "$scale_job" "$root/bench/latency.toml" "$root/bench/frontier.toml"; do
    SITE=http://127.0.0.1:1 DB="$work/check.db" "$work/bin/crawlbox-baseline" check "$job" \
      >"$work/logs/baseline-check.log" 2>&1 ||
      { cat "$work/logs/baseline-check.log" >&2; die "the baseline $baseline rejects $job"; }
  done
  printf '{"path": "%s", "sha256": "%s", "modified": "%s"}\n' "$baseline" \
    "$(sha256sum "$baseline" | cut -c1-12)" "$(date -u -r "$baseline" +%Y-%m-%dT%H:%M:%SZ)" \
    >"$work/baseline.json"
fi
crawlers+=("crawlbox $crawlbox")

started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
start_seconds=$SECONDS
results="$work/results.tsv"
printf 'scenario\tsystem\trun\twall_s\tcpu_s\tmaxrss_kb\tserver_cpu_s\tmachine_cpu_s\tpages\tpages_per_s\tcheck\tdetail\n' >"$results"

# Ports, servers and measuring: bench/run_lib.sh.
source "$root/bench/run_lib.sh"

# One crawlbox run: crawlbox_run SCENARIO SYSTEM BINARY JOB SITE_URL RUN EXPECTED_PAGES
# EXPECTED_ITEMS [LIMIT_S [SIZE]] (EXPECTED_ITEMS "-" = not checked; SIZE: the scale
# scenario's site size, in the log name and the detail). Stores the database's counts and its
# size on disk (the file and its -wal, as the program left them) in the results. When $run_hook
# names a function, `run_hook BINARY DB PAGES` adds its output to the detail, and the run fails
# its check when it returns false.
run_hook=""
crawlbox_run() {
  local scenario="$1" system="$2" bin="$3" job="$4" site="$5" run="$6" want_pages="$7"
  local want_items="$8" limit="${9:-300}" size="${10:-}"
  local db="$work/$scenario-$system.db" name="$scenario-$system-$run"
  [ -n "$size" ] && name="$scenario-$size-$system-$run"
  rm -f "$db" "$db-wal" "$db-shm"
  SITE="$site" DB="$db" measure "$name" "$limit" "$bin" run "$job" -q
  local db_bytes wal_bytes
  db_bytes="$(file_bytes "$db")"
  wal_bytes="$(file_bytes "$db-wal")"
  local counts pages_ok items frontier span steady check=ok detail
  counts="$(db_value "$bin" "$db" "select count(*), coalesce(sum(status = 200), 0) from pages")"
  [ -n "$counts" ] || counts="0,0"
  pages_ok="${counts#*,}"
  items="$(db_value "$bin" "$db" "select count(*) from board")"
  frontier="$(db_value "$bin" "$db" "select count(*) from frontier")"
  # The crawl's own span (database opened to crawl finished), without process start and exit.
  span="$(db_value "$bin" "$db" "select round((julianday(finished_at) - julianday(started_at)) * 86400, 3)
    from crawls order by id desc limit 1")"
  # The rate over the middle 80% of the pages (by the time they were stored): the crawl's steady
  # state, without its ramp-up from the start page and its tail.
  steady="$(db_value "$bin" "$db" "select round(count(*) / ((max(t) - min(t)) * 86400), 1) from
    (select julianday(fetched_at) as t from pages order by t
     limit (select count(*) * 8 / 10 from pages) offset (select count(*) / 10 from pages))")"
  detail="exit=$exit_code pages=${counts%,*} status200=$pages_ok items=$items frontier=$frontier span_s=$span steady_pages_per_s=$steady db_bytes=$db_bytes wal_bytes=$wal_bytes"
  [ -n "$size" ] && detail="size=$size $detail"
  if [ -n "$run_hook" ]; then
    local extra
    extra="$("$run_hook" "$bin" "$db" "${counts%,*}")" || check=FAIL
    detail="$detail $extra"
  fi
  if [ "$exit_code" -ne 0 ] || [ "${counts%,*}" != "$want_pages" ] || [ "$pages_ok" != "$want_pages" ]; then
    check=FAIL
  fi
  if [ "$want_items" != "-" ] && [ "$items" != "$want_items" ]; then check=FAIL; fi
  record "$scenario" "$system" "$run" "$pages_ok" "$(rate "$pages_ok" "$wall_s")" "$check" "$detail"
  rm -f "$db" "$db-wal" "$db-shm"
}

# crawl_round SCENARIO JOB SITE_URL RUN EXPECTED_PAGES EXPECTED_ITEMS [LIMIT_S [SIZE]]: one
# crawlbox_run per program in $crawlers (the baseline first).
crawl_round() {
  local entry system bin
  for entry in "${crawlers[@]}"; do
    read -r system bin <<<"$entry"
    crawlbox_run "$1" "$system" "$bin" "${@:2}"
  done
}

scrapy_run() {
  local run="$1" want_pages="$2" want_items="$3"
  local db="$work/main-scrapy.db" stats="$work/main-scrapy-stats.json"
  rm -f "$db" "$stats"
  # From the work directory, so that no scrapy.cfg of the caller's applies.
  measure "main-scrapy-$run" 900 env -C "$work" scrapy runspider "$root/bench/scrapy_spider.py" \
    -L WARNING -a "site=$nginx_url" -a "start=$main_start" -a "db=$db" -a "stats=$stats"
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
  local dir="$work/wget" exclude=()
  rm -rf "$dir"
  # wget -r also fetches <img src>, which the other crawlers leave alone; -np keeps it out of
  # /img/ on the plain site (the crawl starts in /site/), -X on the realistic one (from /home).
  [ "$main_site" = realistic ] && exclude=(-X /img)
  measure "main-wget-$run" 600 wget -r -l inf -nv -np --no-host-directories -e robots=off \
    "${exclude[@]+"${exclude[@]}"}" -P "$dir" "$nginx_url$main_start"
  local files errors traps check=ok
  files="$(find "$dir" -type f 2>/dev/null | wc -l)"
  # wget also takes the hrefs inside scripts, styles and comments for links: the realistic
  # site's traps under /drafts/ answer 404 and wget exits 8. Those are counted; any other
  # error fails the run.
  read -r errors traps < <(awk '/ ERROR / { e++; if (prev ~ /\/drafts\//) t++ } { prev = $0 }
    END { print e + 0, t + 0 }' "$work/logs/main-wget-$run.log")
  if [ "$files" != "$want_pages" ] || [ "$errors" != "$traps" ]; then check=FAIL; fi
  if [ "$exit_code" -ne 0 ] && { [ "$exit_code" -ne 8 ] || [ "$traps" -eq 0 ]; }; then check=FAIL; fi
  record main wget "$run" "$files" "$(rate "$files" "$wall_s")" "$check" \
    "exit=$exit_code files=$files trap_404=$traps other_errors=$((errors - traps))"
  rm -rf "$dir"
}

wrk_run() {
  local run="$1"
  measure "main-wrk-$run" 120 wrk -t 2 -c 64 -d "${wrk_seconds}s" -s "$root/bench/wrk_pages.lua" \
    "$nginx_url" -- "$site_dir/urls.txt" 2
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
  log "writing the $pages-page $main_site site"
  "$testsite" --write-site "$site_dir" --site-pages "$pages" \
    "${main_site_flags[@]+"${main_site_flags[@]}"}"
  chmod -R a+rX "$site_dir"
  cp "$site_dir/manifest.json" "$work/main-manifest.json"
  printf '{"site": "%s", "start": "%s", "job": "%s"}\n' "$main_site" "$main_start" \
    "${main_job#"$root/"}" >"$work/main.json"
  start_nginx "$site_dir" "$main_start"
  main_site_ready=1
}

if wants main; then
  prepare_main_site
  want_pages="$(manifest_value "$site_dir/manifest.json" pages)"
  want_items="$(manifest_value "$site_dir/manifest.json" board_entries)"
  for run in $(seq 1 "$runs"); do
    log "main scenario, round $run of $runs"
    crawl_round main "$main_job" "$nginx_url" "$run" "$want_pages" "$want_items"
    if [ "$peers" -eq 1 ]; then
      scrapy_run "$run" "$want_pages" "$want_items"
      wget_run "$run" "$want_pages"
    fi
    wrk_run "$run"
  done
fi

if wants latency; then
  # ~1 KB pages: 10 links each and no board entries (a board page is ~6 KB).
  start_testsite --site-pages "$latency_pages" --links 10 --min-bytes 900 --max-bytes 1100 \
    --board-every 0 --latency-ms "$latency_ms" --threads 256
  printf '{"pages": %s, "latency_ms": %s, "concurrency": %s}\n' "$latency_pages" "$latency_ms" \
    "$latency_concurrency" >"$work/latency.json"
  for run in $(seq 1 "$runs"); do
    crawl_round latency "$root/bench/latency.toml" "$testsite_url" "$run" "$latency_pages" 0
  done
  stop_server "$testsite_pid"
fi

if wants frontier; then
  # The main scenario's crawl is the baseline; run it if main did not.
  if ! wants main; then
    prepare_main_site
    for run in $(seq 1 "$runs"); do
      crawl_round main "$main_job" "$nginx_url" "$run" \
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
    crawl_round frontier "$job" "$testsite_url" "$run" "$frontier_max_pages" -
  done
  stop_server "$testsite_pid"
fi

if wants scale; then
  # Whole crawls of sites made on request, smallest first. The board entries of an N-page site
  # (board_every 10): every tenth page, counted from page 0 (plain) or from the first page after
  # the realistic site's 20 nav pages.
  printf '{"site": "%s", "job": "%s", "sizes": [%s], "runs": %s}\n' "$scale_site" \
    "${scale_job#"$root/"}" "$scale_sizes" "$scale_runs" >"$work/scale.json"
  for n in "${scale_list[@]}"; do
    if [ "$scale_site" = realistic ]; then
      scale_items=$(( n > 20 ? (n - 20) / 10 * 10 : 0 ))
    else
      scale_items=$(( n / 10 * 10 ))
    fi
    # A generous time limit: 300 s, or 5 ms a page.
    scale_limit=$(( n / 200 > 300 ? n / 200 : 300 ))
    start_testsite --site-pages "$n" "${scale_site_flags[@]+"${scale_site_flags[@]}"}"
    for run in $(seq 1 "$scale_runs"); do
      log "scale scenario, $n pages, round $run of $scale_runs"
      crawl_round scale "$scale_job" "$testsite_url" "$run" "$n" "$scale_items" "$scale_limit" "$n"
    done
    stop_server "$testsite_pid"
  done
fi

# --- render scenario ------------------------------------------------------------------------
# The SPA site of crawlbox-testsite (/spa/, tests/support/spa_site.h): 200 pages, 10 records
# each, all built by a script.
render_pages=200 render_records=2000

# prepare_crawlee: installs bench/crawlee/ (crawlee and puppeteer-core, versions pinned in its
# package.json, the dependency tree by its .npmrc's date) with npm, once, into a cache
# directory named after those two files; sets crawlee_modules.
prepare_crawlee() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/crawlbox-bench" key dir
  key="$(cat "$root/bench/crawlee/package.json" "$root/bench/crawlee/.npmrc" | sha256sum | cut -c1-12)"
  dir="$cache/crawlee-$key"
  if [ ! -f "$dir/installed" ]; then
    log "installing Crawlee (bench/crawlee/package.json) with npm into $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$root/bench/crawlee/package.json" "$root/bench/crawlee/.npmrc" "$dir/"
    (cd "$dir" && npm install --no-package-lock --omit=dev) >"$work/logs/npm.log" 2>&1 ||
      { tail -n 20 "$work/logs/npm.log" >&2; die "npm install in $dir failed (see above)"; }
    touch "$dir/installed"
  fi
  crawlee_modules="$dir/node_modules"
}

# render_crawlbox_run SCENARIO SYSTEM JOB TREE PAGES RENDERED RUN: crawlbox crawls the test
# site's /TREE/ (spa or mixed, PAGES pages) with JOB. Complete when every page was stored with
# status 200, RENDERED of them rendered, and the records are exactly the site's
# (bench/render_check.py against its JSON).
render_crawlbox_run() {
  local scenario="$1" system="$2" job="$3" tree="$4" want_pages="$5" want_rendered="$6" run="$7"
  local db="$work/$scenario-$system.db" name="$scenario-$system-$run"
  rm -f "$db" "$db-wal" "$db-shm"
  SITE="$testsite_url" DB="$db" measure_tree "$name" 600 "$crawlbox" run "$job" -q
  local counts pages status200 rendered render_ms span records check=ok
  counts="$(db_value "$crawlbox" "$db" "select count(*), coalesce(sum(status = 200), 0),
    coalesce(sum(rendered), 0), round(coalesce(avg(case when rendered then render_ms end), 0), 1)
    from pages")"
  IFS=, read -r pages status200 rendered render_ms <<<"${counts:-0,0,0,0}"
  span="$(db_value "$crawlbox" "$db" "select round((julianday(finished_at) - julianday(started_at)) * 86400, 3)
    from crawls order by id desc limit 1")"
  records="$("$python" "$root/bench/render_check.py" --site "$testsite_url" --tree "$tree" \
    --pages "$want_pages" --crawlbox "$crawlbox" --db "$db")" || check=FAIL
  if [ "$exit_code" -ne 0 ] || [ "$pages" != "$want_pages" ] || [ "$status200" != "$want_pages" ] ||
    [ "$rendered" != "$want_rendered" ]; then
    check=FAIL
  fi
  record "$scenario" "$system" "$run" "$status200" "$(rate "$status200" "$wall_s")" "$check" \
    "exit=$exit_code pages=$pages status200=$status200 rendered=$rendered render_ms_avg=$render_ms span_s=$span $records $tree_detail"
  rm -f "$db" "$db-wal" "$db-shm"
}

# crawlee_run RUN: Crawlee's PuppeteerCrawler (bench/crawlee_render.mjs) crawls /spa/.
# Complete when it finished every page without a failed request and its dataset holds exactly
# the site's records.
crawlee_run() {
  local run="$1" storage="$work/crawlee-storage" summary="$work/crawlee-summary.json"
  rm -rf "$storage" "$summary"
  measure_tree "render-crawlee-$run" 600 env -C "$work" node "$root/bench/crawlee_render.mjs" \
    --modules "$crawlee_modules" --start "$testsite_url/spa/page/1" --storage "$storage" \
    --tabs "$render_tabs" --summary "$summary"
  local finished=0 failed=0 runtime=0 records check=ok
  if [ -s "$summary" ]; then
    read -r finished failed runtime < <("$python" -c "import json, sys; s = json.load(open(sys.argv[1]))
print(s['requests_finished'], s['requests_failed'], round(s['crawler_runtime_ms'] / 1000, 3))" "$summary")
  fi
  records="$("$python" "$root/bench/render_check.py" --site "$testsite_url" --tree spa \
    --pages "$render_pages" --dataset "$storage/datasets/default")" || check=FAIL
  if [ "$exit_code" -ne 0 ] || [ "$finished" != "$render_pages" ] || [ "$failed" != 0 ]; then
    check=FAIL
  fi
  record render crawlee "$run" "$finished" "$(rate "$finished" "$wall_s")" "$check" \
    "exit=$exit_code pages=$finished failed=$failed crawler_runtime_s=$runtime $records $tree_detail"
  rm -rf "$storage"
}

# render_job SOURCE TARGET [SED...]: TARGET is the job SOURCE with --render-tabs tabs (and
# twice as many transfers in flight) and the further sed expressions applied.
render_job() {
  local source="$1" target="$2"
  shift 2
  local twice=$((2 * render_tabs)) expression
  local edits=(-e "s/^tabs = .*/tabs = $render_tabs/" -e "s/^concurrency = .*/concurrency = $twice/"
    -e "s/^per_host_concurrency = .*/per_host_concurrency = $twice/")
  for expression in "$@"; do edits+=(-e "$expression"); done
  sed "${edits[@]}" "$source" >"$target"
  grep -q "^tabs = $render_tabs\$" "$target" || die "$source has no tabs line to set"
}

if wants render; then
  prepare_crawlee
  start_testsite --mixed-pages "$mixed_pages"
  render_job "$root/bench/render.toml" "$work/render.toml"
  render_job "$root/bench/render_mixed.toml" "$work/render_mixed.toml"
  render_job "$root/bench/render_mixed.toml" "$work/render_mixed_all.toml" "s/^urls = .*/urls = ['.']/"
  grep -q "^urls = \['\.'\]" "$work/render_mixed_all.toml" || die "bench/render_mixed.toml has no urls line"
  mixed_rendered=$(( mixed_pages / 10 ))
  "$python" - "$work/render.json" "$crawlee_modules" "$render_pages" "$render_records" \
    "$render_tabs" "$mixed_pages" "$mixed_rendered" "$pss_interval" "$(node --version)" \
    "$(/usr/bin/chromium --version 2>/dev/null | head -n 1)" <<'PY'
import json, sys
out, modules, pages, records, tabs, mixed, mixed_rendered, interval, node, chromium = sys.argv[1:]
def version(package):
    with open(f"{modules}/{package}/package.json", encoding="utf-8") as f:
        return json.load(f)["version"]
with open(out, "w", encoding="utf-8") as f:
    json.dump({"pages": int(pages), "records": int(records), "tabs": int(tabs),
               "mixed_pages": int(mixed), "mixed_rendered": int(mixed_rendered),
               "pss_interval_s": float(interval), "node": node, "chromium": chromium,
               "crawlee": version("crawlee"), "puppeteer_core": version("puppeteer-core")}, f)
PY
  for run in $(seq 1 "$runs"); do
    log "render scenario, round $run of $runs"
    render_crawlbox_run render crawlbox "$work/render.toml" spa "$render_pages" "$render_pages" "$run"
    crawlee_run "$run"
    render_crawlbox_run mixed crawlbox-needed "$work/render_mixed.toml" mixed "$mixed_pages" \
      "$mixed_rendered" "$run"
    render_crawlbox_run mixed crawlbox-all "$work/render_mixed_all.toml" mixed "$mixed_pages" \
      "$mixed_pages" "$run"
  done
  stop_server "$testsite_pid"
fi

if wants warc; then
  source "$root/bench/warc.sh"
  warc_scenario
fi

if wants parse; then
  prepare_main_site
  log "parse scaling: $parse_rounds rounds of 1 and 2 threads"
  set +e
  SITE="$nginx_url" DB="$work/unused.db" "$parse_bench" --job "$main_job" \
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
set +e
"$python" "$root/bench/report.py" --root "$root" --work "$work" --out-dir "$out_dir" --name "$name" \
  --command "$command_line" --started "$started_at" --seconds "$((SECONDS - start_seconds))" \
  --wrk-seconds "$wrk_seconds" --build-dir "$build_dir"
report_exit=$?
set -e
if [ "$quick" -eq 0 ] && [ "$scenario" = all ] && [ -f "$out_dir/$name.md" ]; then
  # A stable path for the README: the newest full report (its charts are beside it).
  cp "$out_dir/$name.md" "$out_dir/latest.md"
fi
exit "$report_exit"
