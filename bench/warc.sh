# The WARC scenario of bench/run.sh (`--scenario warc`), sourced by it: what writing WARC files
# costs crawlbox. (a) The latency-bound scenario's site and job with WARC off and on; (b) the
# main scenario's (CPU-bound) site and job with WARC off, on at the default gzip level 6 and on
# at level 1; with --baseline, the old program with WARC on at level 6 as well (a before/after
# of a change to the archive code). Runs are interleaved, and each round starts one program
# further along the list, so that no setting always runs first. A run with WARC on is complete
# when its database has a response record for every page.

warc_default_level=6

# warc_job SOURCE TARGET LEVEL: TARGET is the job SOURCE writing WARC files at gzip LEVEL into
# $warc_dir.
warc_job() {
  grep -q '^\[store\]' "$1" && die "$1 has a [store] table: the WARC job cannot add one"
  { cat "$1"; printf '\n[store]\nwarc = true\nwarc_dir = "%s"\nwarc_gzip_level = %s\n' \
    "$warc_dir" "$3"; } >"$2"
}

# warc_files_detail BIN DB PAGES: crawlbox_run's hook. Prints the run's WARC files as
# "warc_files=F warc_bytes=B warc_responses=R" (R: response rows of the warc_records table) and
# empties $warc_dir for the next run; false when $warc_on is 1 and R is less than PAGES.
warc_files_detail() {
  local files bytes responses
  files="$(find "$warc_dir" -name '*.warc.gz' 2>/dev/null | wc -l)"
  bytes="$(find "$warc_dir" -name '*.warc.gz' -printf '%s\n' 2>/dev/null |
    awk '{ s += $1 } END { print s + 0 }')"
  responses="$(db_value "$1" "$2" "select count(*) from warc_records where type = 'response'")"
  rm -rf "$warc_dir"
  mkdir -p "$warc_dir"
  echo "warc_files=$files warc_bytes=$bytes warc_responses=${responses:-0}"
  [ "$warc_on" -eq 0 ] || { [ "$files" -gt 0 ] && [ "${responses:-0}" -ge "$3" ]; }
}

# warc_rounds SCENARIO SITE_URL PAGES ITEMS ENTRY...: $runs rounds of one crawlbox_run per
# ENTRY ("SYSTEM BINARY JOB WARC_ON"), the first entry of round r being the r-th.
warc_rounds() {
  local scenario="$1" site="$2" want_pages="$3" want_items="$4"
  shift 4
  local entries=("$@") n=$# run i system bin job
  for run in $(seq 1 "$runs"); do
    log "$scenario scenario, round $run of $runs"
    for i in $(seq 0 $((n - 1))); do
      read -r system bin job warc_on <<<"${entries[$(((i + run - 1) % n))]}"
      crawlbox_run "$scenario" "$system" "$bin" "$job" "$site" "$run" "$want_pages" "$want_items"
    done
  done
}

warc_scenario() {
  warc_dir="$work/warc-files"
  mkdir -p "$warc_dir"
  run_hook=warc_files_detail

  # (a) Latency-bound: the latency scenario's site and job.
  start_testsite --site-pages "$latency_pages" --links 10 --min-bytes 900 --max-bytes 1100 \
    --board-every 0 --latency-ms "$latency_ms" --threads 256
  warc_job "$root/bench/latency.toml" "$work/latency-warc.toml" "$warc_default_level"
  warc_rounds warc-latency "$testsite_url" "$latency_pages" 0 \
    "warc-off $crawlbox $root/bench/latency.toml 0" \
    "warc-on $crawlbox $work/latency-warc.toml 1"
  stop_server "$testsite_pid"

  # (b) CPU-bound: the main scenario's site and job.
  prepare_main_site
  warc_job "$main_job" "$work/main-warc.toml" "$warc_default_level"
  warc_job "$main_job" "$work/main-warc-1.toml" 1
  local entries=("warc-off $crawlbox $main_job 0" "warc-on $crawlbox $work/main-warc.toml 1"
    "warc-on-level1 $crawlbox $work/main-warc-1.toml 1")
  if [ -n "$baseline" ]; then
    entries+=("warc-on-baseline $work/bin/crawlbox-baseline $work/main-warc.toml 1")
  fi
  warc_rounds warc-main "$nginx_url" "$(manifest_value "$site_dir/manifest.json" pages)" \
    "$(manifest_value "$site_dir/manifest.json" board_entries)" "${entries[@]}"
  printf '{"latency_pages": %s, "latency_ms": %s, "concurrency": %s, "site": "%s", "job": "%s", "default_level": %s}\n' \
    "$latency_pages" "$latency_ms" "$latency_concurrency" "$main_site" "${main_job#"$root/"}" \
    "$warc_default_level" >"$work/warc.json"
  run_hook=""
}
