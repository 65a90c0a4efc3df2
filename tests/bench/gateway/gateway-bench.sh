#!/usr/bin/env bash
# gateway-bench.sh — the proxy benchmark: wrk, 64 keep-alive connections, 10 s per run, GET / of ONE
# hello-http process (6-byte "hello\n" body) reached three ways in the same run —
#   direct   wrk → hello-http
#   nginx    wrk → nginx (upstream keepalive 64, HTTP/1.1) → hello-http
#   mael     wrk → gateway-bench-server (maelstrom's Gateway/PublicServer, 1 HTTP event source) → hello-http
#   mael10k  the same with 10,000 HTTP event sources (the benchmarked host among them)
# — in interleaved rounds (median of ROUNDS), then the ratios against the targets: maelstrom/nginx throughput
# ≥ 1.0, p99 ≤ 1.2× nginx's and proxy CPU per request ≤ nginx's (pinned), 10,000-rule throughput within 5 % of
# the 1-rule case.
# Without MODE set, one run measures three configurations one after the other, each with its own fixture instance
# shared by all paths: pinned with 64 connections, unpinned with 64, pinned with 1,024 (MODE=pinned|unpinned|
# c1024 runs one of them).
#
# Usage: tests/bench/gateway/gateway-bench.sh [BUILD_DIR]       (a Release build: see CMakeLists.txt)
# Environment: MODE, DURATION (10s), CONNECTIONS (64), ROUNDS (3), WARMUP (2s),
#   PIN=1 (default): servers (hello-http, nginx, gateway) on CPU 0, wrk on CPU 1 (taskset), nginx with
#                    worker_processes 1 — each side gets one core of a 2-core machine, the same for all three.
#   PIN=0:           no pinning, everything shares every core, nginx worker_processes = core count.
#   NICE=N (default 0): run every server and wrk at this niceness, the same for all three paths (e.g. -10 as
#                    root on a machine busy with builds). With the kernel's autogroup scheduling, niceness only
#                    counts within a session, so the script's own autogroup gets the same value
#                    (/proc/self/autogroup); otherwise each unrelated build session gets an equal CPU share.
# Needs wrk and nginx (packaging/deps.sh test profile). Binds 127.0.0.1 only; everything it starts is stopped
# on exit.
set -euo pipefail

BUILD_DIR=${1:-build-rel}
if [[ -z ${MODE:-} ]]; then
  self=$(readlink -f "$0")
  summary=$(mktemp)
  for mode in pinned unpinned c1024; do
    case $mode in
      pinned) env MODE=pinned PIN=1 CONNECTIONS=64 "$self" "$BUILD_DIR" ;;
      unpinned) env MODE=unpinned PIN=0 CONNECTIONS=64 "$self" "$BUILD_DIR" ;;
      c1024) env MODE=c1024 PIN=1 CONNECTIONS=1024 "$self" "$BUILD_DIR" ;;
    esac | tee -a "$summary"
    echo
  done
  echo "summary (maelstrom against nginx, per configuration):"
  awk '/^gateway-bench: /{mode=$0} /^  (mode|maelstrom\/nginx|proxy CPU|10,000 rules)/{print}' "$summary"
  rm -f "$summary"
  exit 0
fi
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
PIN=${PIN:-1}
NICE=${NICE:-0}
HOST=bench.test

SERVER_BIN="$BUILD_DIR/tests/bench/gateway-bench-server"
HELLO_BIN="$BUILD_DIR/tests/bin/hello-http"
for bin in "$SERVER_BIN" "$HELLO_BIN"; do
  [[ -x $bin ]] || { echo "missing $bin: build the targets gateway-bench-server and hello-http in $BUILD_DIR" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (packaging/deps.sh test profile)" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx is not installed (packaging/deps.sh test profile)" >&2; exit 2; }

if [[ $NICE != 0 && -w /proc/self/autogroup ]]; then
  echo "$NICE" >/proc/self/autogroup 2>/dev/null || echo "cannot set the autogroup niceness (not root?)" >&2
fi

CORES=$(nproc)
if [[ $PIN == 1 && $CORES -ge 2 ]]; then
  SERVER_CPUS=0; WRK_CPUS=1; NGINX_WORKERS=1; WRK_THREADS=1
  SRV=(nice -n "$NICE" taskset -c "$SERVER_CPUS"); CLI=(nice -n "$NICE" taskset -c "$WRK_CPUS")
else
  PIN=0; NGINX_WORKERS=$CORES; WRK_THREADS=2
  SRV=(nice -n "$NICE"); CLI=(nice -n "$NICE")
fi

WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
PIDS=()
cleanup() {
  if [[ -f $WORK/nginx.pid ]]; then "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() { # port: until GET / with Host bench.test answers 200
  for _ in $(seq 1 200); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: $HOST" "http://127.0.0.1:$1/" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.05
  done
  echo "nothing answers 200 on 127.0.0.1:$1" >&2; exit 1
}

# The one fixture instance every path ends at.
HELLO_PORT=$("$SERVER_BIN" --free-port)
PORT=$HELLO_PORT "${SRV[@]}" "$HELLO_BIN" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
wait_http "$HELLO_PORT"

# nginx: one upstream with a keep-alive pool, the same forwarding headers maelstrom adds.
NGINX_PORT=$("$SERVER_BIN" --free-port)
mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
daemon on;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 8192; }
worker_rlimit_nofile 16384;
http {
    access_log off;
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    keepalive_requests 100000000;
    upstream fixture {
        server 127.0.0.1:$HELLO_PORT;
        keepalive 64;
        keepalive_requests 100000000;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://fixture;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_buffering off;
        }
    }
}
CONF
"${SRV[@]}" "$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
wait_http "$NGINX_PORT"

start_gateway() { # rules → sets GATEWAY_PORT (not in a subshell: the pid must reach PIDS)
  local out="$WORK/gateway-$1.out"
  MAEL_HTTP_EVENT_LOOPS=$NGINX_WORKERS "${SRV[@]}" "$SERVER_BIN" --upstream "http://127.0.0.1:$HELLO_PORT" --rules "$1" --host "$HOST" >"$out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    if grep -q '^port ' "$out"; then GATEWAY_PORT=$(awk '/^port /{print $2}' "$out"); return 0; fi
    sleep 0.05
  done
  echo "gateway-bench-server --rules $1 did not start: $(cat "$out")" >&2; exit 1
}
start_gateway 1; MAEL_PORT=$GATEWAY_PORT
start_gateway 10000; MAEL10K_PORT=$GATEWAY_PORT
wait_http "$MAEL_PORT"; wait_http "$MAEL10K_PORT"

# wrk prints one machine-readable line: requests/s, p50 µs, p99 µs, errors (socket errors + non-2xx), requests.
cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.1f %.1f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout,
    summary.requests))
end
LUA

run_wrk() { # port duration → RESULT line
  "${CLI[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2" -H "Host: $HOST" -s "$WORK/report.lua" \
    "http://127.0.0.1:$1/" | grep '^RESULT'
}

declare -A PORTS=([direct]=$HELLO_PORT [nginx]=$NGINX_PORT [mael]=$MAEL_PORT [mael10k]=$MAEL10K_PORT)
HELLO_PID=${PIDS[0]}
NGINX_PIDS="$(cat "$WORK/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' ')"
declare -A PROXY_PIDS=([direct]="" [nginx]=$NGINX_PIDS [mael]=${PIDS[1]} [mael10k]=${PIDS[2]})

# CPU time (utime + stime, all threads) of these processes, in microseconds. Load-independent: on a machine
# busy with other work, CPU per request still compares the proxies when throughput no longer does.
cpu_us() {
  local total=0 pid ticks
  for pid in "$@"; do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo $((total * 1000000 / $(getconf CLK_TCK)))
}
ORDER=(direct nginx mael mael10k)

ulimit -n 16384 2>/dev/null || true
echo "gateway-bench: $CONNECTIONS connections, keep-alive, $DURATION per run, $ROUNDS interleaved rounds (median)," \
     "GET / of one hello-http (127.0.0.1:$HELLO_PORT)"
if [[ $PIN == 1 ]]; then
  echo "cores: $CORES; servers pinned to CPU $SERVER_CPUS, wrk (-t$WRK_THREADS) to CPU $WRK_CPUS; nginx worker_processes $NGINX_WORKERS"
else
  echo "cores: $CORES, no pinning (all processes share them); wrk -t$WRK_THREADS; nginx worker_processes $NGINX_WORKERS"
fi
echo "niceness $NICE ($(cat /proc/self/autogroup 2>/dev/null || echo 'no autogroup')); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${ORDER[@]}"; do run_wrk "${PORTS[$name]}" "$WARMUP" >/dev/null; done

for round in $(seq 1 "$ROUNDS"); do
  for name in "${ORDER[@]}"; do
    proxy0=$(cpu_us ${PROXY_PIDS[$name]}); hello0=$(cpu_us "$HELLO_PID")
    line=$(run_wrk "${PORTS[$name]}" "$DURATION")
    proxy1=$(cpu_us ${PROXY_PIDS[$name]}); hello1=$(cpu_us "$HELLO_PID")
    read -r _ rps p50 p99 errors requests <<<"$line"
    proxycpu=$(awk -v a="$proxy0" -v b="$proxy1" -v n="$requests" 'BEGIN {printf "%.2f", (b - a) / n}')
    hellocpu=$(awk -v a="$hello0" -v b="$hello1" -v n="$requests" 'BEGIN {printf "%.2f", (b - a) / n}')
    echo "$name $line $proxycpu $hellocpu" >>"$WORK/results"
    printf '  round %d %-8s %8.0f req/s  p50 %8.1f us  p99 %8.1f us  CPU/request: proxy %6.2f us, hello-http %6.2f us  errors %s\n' \
      "$round" "$name" "$rps" "$p50" "$p99" "$proxycpu" "$hellocpu" "$errors"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { # name column → median over rounds
  awk -v n="$1" -v c="$2" '$1==n {print $(c)}' "$WORK/results" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
declare -A RPS P50 P99 CPU HCPU
for name in "${ORDER[@]}"; do
  RPS[$name]=$(median "$name" 3); P50[$name]=$(median "$name" 4); P99[$name]=$(median "$name" 5)
  CPU[$name]=$(median "$name" 8); HCPU[$name]=$(median "$name" 9)
done
ERRORS=$(awk '{s+=$6} END {print s+0}' "$WORK/results")

echo
echo "median of $ROUNDS rounds:"
printf '  %-34s %10s %10s %10s %14s %14s\n' "" "req/s" "p50 (us)" "p99 (us)" "proxy CPU/req" "fixture CPU/req"
row() { printf '  %-34s %10.0f %10.1f %10.1f %11.2f us %11.2f us\n' "$1" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}" "${CPU[$2]}" "${HCPU[$2]}"; }
row "hello-http direct" direct
row "nginx -> hello-http" nginx
row "maelstrom -> hello-http (1 rule)" mael
row "maelstrom (10,000 rules)" mael10k
echo "  errors (socket + non-2xx) in all runs: $ERRORS"
awk -v mode="$MODE" -v mr="${RPS[mael]}" -v nr="${RPS[nginx]}" -v mp="${P99[mael]}" -v np="${P99[nginx]}" -v m10="${RPS[mael10k]}" \
    -v dr="${RPS[direct]}" -v m50="${P50[mael]}" -v n50="${P50[nginx]}" -v mc="${CPU[mael]}" -v nc="${CPU[nginx]}" -v kc="${CPU[mael10k]}" 'BEGIN {
  t = mr / nr; p = mp / np; k = m10 / mr
  printf "  mode %s\n", mode
  printf "  maelstrom/nginx throughput  %.2f  (target >= 1.00: %s)\n", t, t >= 1.0 ? "met" : "NOT met"
  printf "  maelstrom/nginx p99         %.2f  (target <= 1.20 pinned: %s)\n", p, p <= 1.2 ? "met" : "NOT met"
  printf "  maelstrom/nginx p50         %.2f\n", m50 / n50
  printf "  10,000 rules / 1 rule       %.3f (target >= 0.95: %s)\n", k, k >= 0.95 ? "met" : "NOT met"
  printf "  nginx/direct %.2f, maelstrom/direct %.2f\n", nr / dr, mr / dr
  if (nc > 0) printf "  proxy CPU per request: maelstrom/nginx %.2f (target <= 1.00: %s); 10,000 rules / 1 rule %.3f\n", mc / nc, mc <= nc ? "met" : "NOT met", kc / mc
}'
