# Shared by bench/run.sh (sourced, not run): free ports, the background servers a scenario
# crawls (nginx, crawlbox-testsite), and the measurement of one run under GNU time or the
# process-tree PSS sampler. The functions read run.sh's globals (python, work, logs, results,
# server_pid, ...) when called, so this file defines nothing but functions.

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

# start_nginx DOCROOT START_PATH: serves DOCROOT (a site written by crawlbox-testsite
# --write-site) with nginx on a free port, once START_PATH answers; sets nginx_url. Extensionless
# files are HTML (default_type), and a board page's query maps to the file the generator wrote
# it to: /board/10?offset=20 is DOCROOT/board/10/offset-20 (GeneratedSite::FileFor). The port is
# picked by binding port 0, so another program can take it before nginx binds: then nginx exits
# and another port is tried.
start_nginx() {
  local docroot="$1" start_path="$2" dir="$work/nginx" attempt port
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
    text/plain txt;
  }
  default_type text/html;
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  map \$arg_offset \$offset_file {
    "~^[0-9]+\$" "offset-\$arg_offset";
    default "";
  }
  server {
    listen 127.0.0.1:$port;
    root $docroot;
    location / {
      try_files \$uri \$uri/index.html =404;
    }
    location /board/ {
      try_files \$uri/\$offset_file =404;
    }
  }
}
EOF
    "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
      >>"$dir/logs/stdout.log" 2>&1 &
    local pid=$!
    if wait_for_url "http://127.0.0.1:$port$start_path" "$pid"; then
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

# measure_tree NAME LIMIT_S COMMAND...: like measure, for a program that starts a browser:
# bench/pss_sampler.py runs it (under the time limit) and measures its whole process tree,
# browser processes included, however they end. Sets wall_s, cpu_s (every process of the
# tree), maxrss_kb (the largest single process), exit_code, server_cpu_s, machine_cpu_s and
# tree_detail (the sampler's key=value pairs: peak_pss_kb, the peak of the tree's summed PSS,
# and the rest; see pss_sampler.py). The sampler's JSON stays in logs/NAME.tree.json.
pss_interval=0.2
measure_tree() {
  local name="$1" limit="$2"
  shift 2
  local json="$work/logs/$name.tree.json"
  local machine0 server0=0 machine1 server1=0
  rm -f "$json"
  machine0="$(machine_ticks)"
  [ -n "$server_pid" ] && server0="$(process_ticks "$server_pid")"
  set +e
  "$python" "$root/bench/pss_sampler.py" --out "$json" --interval "$pss_interval" -- \
    timeout --foreground --kill-after=10 "$limit" "$@" >"$work/logs/$name.log" 2>&1
  exit_code=$?
  set -e
  machine1="$(machine_ticks)"
  [ -n "$server_pid" ] && server1="$(process_ticks "$server_pid")"
  read -r wall_s cpu_s maxrss_kb tree_detail < <("$python" "$root/bench/pss_sampler.py" --describe "$json")
  [ "$wall_s" != 0 ] || exit_code=125
  read -r server_cpu_s machine_cpu_s < <("$python" -c "print(round(($server1 - $server0) / $clock_ticks, 2), \
round(($machine1 - $machine0) / $clock_ticks, 2))")
}

# record SCENARIO SYSTEM RUN PAGES PAGES_PER_S CHECK DETAIL: one row of results.tsv.
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$wall_s" "$cpu_s" \
    "$maxrss_kb" "$server_cpu_s" "$machine_cpu_s" "$4" "$5" "$6" "$7" >>"$results"
  log "$1 $2 run $3: $4 pages, $5 pages/s, ${wall_s} s wall, ${cpu_s} s CPU, ${maxrss_kb} KB peak RSS: $6 $7"
}

rate() { "$python" -c "print(round($1 / $2, 1) if $2 > 0 else 0)"; }
manifest_value() { "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
file_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

# db_value BINARY DB SQL: the last row of `BINARY query`'s CSV (CRLF line ends), empty on
# failure. Each database is read by the program that wrote it.
db_value() {
  "$1" query "$2" "$3" --format csv 2>/dev/null | tail -n 1 | tr -d '\r' || true
}

