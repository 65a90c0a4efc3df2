#!/usr/bin/env bash
# tls-bench.sh — the HTTPS benchmark: maelstrom's HTTPS listener against nginx with the same certificate, key,
# protocol versions, cipher list and groups, both proxying GET / to ONE hello-http process (6-byte body), in the
# same run:
#   full      new connection per request, full handshake every time (tls-handshake-client: TLS 1.3 with SNI,
#             `GET /` with `Connection: close`, read to the end, close; no session offered)
#   resumed   the same, each connection offering the previous connection's session (TLS 1.3 ticket); the client
#             reports how many the server actually resumed
#   keepalive wrk over https, 64 keep-alive connections (one handshake each, then requests)
# — in interleaved rounds (median of ROUNDS), each figure next to nginx's with the ratio, plus the server's CPU
# per connection / request (load-independent: compares the two when the client core is the limit).
#   nginx     nginx (TLS, upstream keepalive 64, HTTP/1.1) → hello-http, the gateway benchmark's nginx with TLS
#   mael      gateway-bench-server --tls-cert/--tls-key: the Gateway/PublicServer pieces wired as maelstromd
#             wires them, its HTTPS listener with the pair loaded as maelstromd loads MAEL_TLS_CERT_FILE/
#             MAEL_TLS_KEY_FILE → hello-http
# The certificate: a throwaway CA made here with openssl (root → intermediate → leaf for bench.test, ECDSA P-256
# like the certificates maelstrom orders over ACME; KEY=rsa for RSA 2048); both servers send leaf + intermediate.
#
# Usage: tests/bench/tls/tls-bench.sh [BUILD_DIR]       (a Release build: see CMakeLists.txt)
# Environment: DURATION (5, seconds), ROUNDS (3), WARMUP (1), CONNECTIONS (64, wrk), THREADS (16, handshake
#   client threads), KEY (ec | rsa), PIN=1 (default: servers on CPU 0, clients on CPU 1, nginx worker_processes 1
#   and one maelstrom event loop — as the gateway benchmark pins), NICE (0, as the gateway benchmark).
# Needs wrk, nginx, curl and openssl. Binds 127.0.0.1 only; everything it starts is stopped on exit.
set -euo pipefail

BUILD_DIR=${1:-build-rel}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-16}
KEY=${KEY:-ec}
PIN=${PIN:-1}
NICE=${NICE:-0}
HOST=bench.test

SERVER_BIN="$BUILD_DIR/tests/bench/gateway-bench-server"
CLIENT_BIN="$BUILD_DIR/tests/bench/tls-handshake-client"
HELLO_BIN="$BUILD_DIR/tests/bin/hello-http"
for bin in "$SERVER_BIN" "$CLIENT_BIN" "$HELLO_BIN"; do
  [[ -x $bin ]] || { echo "missing $bin: build the targets gateway-bench-server tls-handshake-client hello-http in $BUILD_DIR" >&2; exit 2; }
done
for tool in wrk curl openssl; do
  command -v $tool >/dev/null || { echo "$tool is not installed (packaging/deps.sh test profile)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx is not installed (packaging/deps.sh test profile)" >&2; exit 2; }

if [[ $NICE != 0 && -w /proc/self/autogroup ]]; then
  echo "$NICE" >/proc/self/autogroup 2>/dev/null || echo "cannot set the autogroup niceness (not root?)" >&2
fi
CORES=$(nproc)
if [[ $PIN == 1 && $CORES -ge 2 ]]; then
  WORKERS=1; WRK_THREADS=1
  SRV=(nice -n "$NICE" taskset -c 0); CLI=(nice -n "$NICE" taskset -c 1)
else
  PIN=0; WORKERS=$CORES; WRK_THREADS=2
  SRV=(nice -n "$NICE"); CLI=(nice -n "$NICE")
fi

WORK=$(mktemp -d /tmp/tls-bench.XXXXXX)
PIDS=()
cleanup() {
  if [[ -f $WORK/nginx.pid ]]; then "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The certificate both servers serve: root → intermediate → leaf (bench.test), the chain file leaf + intermediate.
make_pki() {
  local d=$WORK/pki alg
  mkdir -p "$d"
  if [[ $KEY == rsa ]]; then alg=(-newkey rsa:2048); else alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$d/ca.ext"
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    "$HOST" >"$d/leaf.ext"
  openssl req -x509 "${alg[@]}" -nodes -keyout "$d/root.key" -out "$d/root.pem" -days 2 \
    -subj "/CN=tls-bench root" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
  openssl req "${alg[@]}" -nodes -keyout "$d/int.key" -out "$d/int.csr" -subj "/CN=tls-bench intermediate" 2>/dev/null
  openssl x509 -req -in "$d/int.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial -days 2 \
    -extfile "$d/ca.ext" -out "$d/int.pem" 2>/dev/null
  openssl req "${alg[@]}" -nodes -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=$HOST" 2>/dev/null
  openssl x509 -req -in "$d/leaf.csr" -CA "$d/int.pem" -CAkey "$d/int.key" -CAcreateserial -days 2 \
    -extfile "$d/leaf.ext" -out "$d/leaf.pem" 2>/dev/null
  cat "$d/leaf.pem" "$d/int.pem" >"$d/chain.pem"
  CHAIN=$d/chain.pem; LEAF_KEY=$d/leaf.key; ROOT=$d/root.pem
}
make_pki

free_port() { "$SERVER_BIN" --free-port; }

wait_https() { # port: until GET / over TLS with SNI bench.test, verified against the test root, answers 200
  for _ in $(seq 1 200); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" --resolve "$HOST:$1:127.0.0.1" \
      "https://$HOST:$1/" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.05
  done
  echo "nothing answers 200 over https on 127.0.0.1:$1: $(curl -sS -o /dev/null --cacert "$ROOT" --resolve "$HOST:$1:127.0.0.1" "https://$HOST:$1/" 2>&1)" >&2
  exit 1
}

# The one fixture instance both paths end at.
HELLO_PORT=$(free_port)
PORT=$HELLO_PORT "${SRV[@]}" "$HELLO_BIN" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$HELLO_PORT/" && break; sleep 0.05; done

# nginx: the gateway benchmark's configuration with TLS as maelstrom configures it (core/tls/server_context.h):
# TLS 1.2 and 1.3, Mozilla intermediate ciphers and groups, client's cipher order, a session cache and tickets.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<CONF
worker_processes $WORKERS;
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
        listen 127.0.0.1:$NGINX_PORT ssl;
        server_name $HOST;
        ssl_certificate $CHAIN;
        ssl_certificate_key $LEAF_KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_prefer_server_ciphers off;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 1d;
        ssl_session_tickets on;
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
wait_https "$NGINX_PORT"

# maelstrom: the HTTPS listener of gateway-bench-server (MAEL_HTTP_EVENT_LOOPS = nginx's worker count).
out="$WORK/mael.out"
MAEL_HTTP_EVENT_LOOPS=$WORKERS "${SRV[@]}" "$SERVER_BIN" --upstream "http://127.0.0.1:$HELLO_PORT" --host "$HOST" \
  --tls-cert "$CHAIN" --tls-key "$LEAF_KEY" >"$out" 2>&1 &
PIDS+=($!)
MAEL_PID=$!
for _ in $(seq 1 200); do grep -q 'https-port ' "$out" && break; sleep 0.05; done
MAEL_PORT=$(sed -n 's/.*https-port \([0-9]*\).*/\1/p' "$out")
[[ -n $MAEL_PORT ]] || { echo "gateway-bench-server did not start its HTTPS listener: $(cat "$out")" >&2; exit 1; }
wait_https "$MAEL_PORT"

# The same certificate on both, and what each negotiates by default.
describe() { # port → "fingerprint protocol cipher"
  local s
  s=$(openssl s_client -connect "127.0.0.1:$1" -servername "$HOST" -CAfile "$ROOT" -verify_return_error </dev/null 2>/dev/null)
  printf '%s %s %s' "$(openssl x509 -noout -fingerprint -sha256 <<<"$s" | cut -d= -f2 | tr -d : | cut -c1-16)" \
    "$(awk '/^New, /{sub(",", "", $2); print $2; exit}' <<<"$s")" "$(awk '/^New, /{print $5; exit}' <<<"$s")"
}
NGINX_DESC=$(describe "$NGINX_PORT"); MAEL_DESC=$(describe "$MAEL_PORT")
[[ ${NGINX_DESC%% *} == "${MAEL_DESC%% *}" ]] || { echo "the servers send different certificates: nginx $NGINX_DESC, maelstrom $MAEL_DESC" >&2; exit 1; }

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.1f %.1f %d %d 0\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout,
    summary.requests))
end
LUA

# kind port seconds → RESULT <per s> <p50 µs> <p99 µs> <errors> <count> <resumed>
measure() {
  case $1 in
    full) "${CLI[@]}" "$CLIENT_BIN" --connect "127.0.0.1:$2" --host "$HOST" --threads "$THREADS" --seconds "$3" ;;
    resumed) "${CLI[@]}" "$CLIENT_BIN" --connect "127.0.0.1:$2" --host "$HOST" --threads "$THREADS" --seconds "$3" --resume ;;
    keepalive) "${CLI[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$3s" -H "Host: $HOST" -s "$WORK/report.lua" \
      "https://127.0.0.1:$2/" ;;
  esac | grep '^RESULT'
}

cpu_us() { # CPU time (utime + stime, all threads) of these processes, in microseconds
  local total=0 pid ticks
  for pid in "$@"; do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo $((total * 1000000 / $(getconf CLK_TCK)))
}
NGINX_PIDS="$(cat "$WORK/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' ')"
declare -A PORTS=([nginx]=$NGINX_PORT [mael]=$MAEL_PORT) SERVER_PIDS=([nginx]=$NGINX_PIDS [mael]=$MAEL_PID)
KINDS=(full resumed keepalive)
SERVERS=(nginx mael)

ulimit -n 16384 2>/dev/null || true
TIMEFORMAT='%U %S'
echo "tls-bench: $DURATION s per run, $ROUNDS interleaved rounds (median); GET / of one hello-http (127.0.0.1:$HELLO_PORT)"
echo "certificate: $KEY ($(openssl x509 -noout -text -in "$CHAIN" | awk '/Public Key Algorithm|NIST CURVE|Public-Key:/{$1=$1; printf "%s; ", $0}')leaf + intermediate)"
echo "negotiated: nginx $NGINX_DESC; maelstrom $MAEL_DESC (sha256 prefix, protocol, cipher)"
echo "full/resumed: tls-handshake-client, $THREADS threads, one connection per request; keepalive: wrk -t$WRK_THREADS -c$CONNECTIONS"
if [[ $PIN == 1 ]]; then
  echo "cores: $CORES; servers (hello-http, nginx, maelstrom) pinned to CPU 0, clients to CPU 1; nginx worker_processes 1, one maelstrom event loop"
else
  echo "cores: $CORES, no pinning; nginx worker_processes $WORKERS, $WORKERS maelstrom event loops"
fi
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), $(openssl version | cut -d' ' -f1-2); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in "${KINDS[@]}"; do for server in "${SERVERS[@]}"; do measure "$kind" "${PORTS[$server]}" "$WARMUP" >/dev/null; done; done

for round in $(seq 1 "$ROUNDS"); do
  for kind in "${KINDS[@]}"; do
    for server in "${SERVERS[@]}"; do
      cpu0=$(cpu_us ${SERVER_PIDS[$server]})
      { time line=$(measure "$kind" "${PORTS[$server]}" "$DURATION"); } 2>"$WORK/time"
      cpu1=$(cpu_us ${SERVER_PIDS[$server]})
      read -r _ rate p50 p99 errors count resumed <<<"$line"
      cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$count" 'BEGIN {printf "%.1f", (n > 0 ? (b - a) / n : 0)}')
      # The client's own CPU: near 100 % of its core means the client, not the server, set the rate.
      busy=$(tail -1 "$WORK/time" | awk -v d="$DURATION" '{printf "%.0f", ($1 + $2) * 100 / d}')
      echo "$kind $server $rate $p50 $p99 $errors $count $resumed $cpu $busy" >>"$WORK/results"
      printf '  round %d %-9s %-5s %9.0f/s  p50 %8.1f us  p99 %8.1f us  server CPU %7.1f us each  client CPU %3d %%  resumed %s of %s  errors %s\n' \
        "$round" "$kind" "$server" "$rate" "$p50" "$p99" "$cpu" "$busy" "$resumed" "$count" "$errors"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { # kind server column → median over rounds
  awk -v k="$1" -v s="$2" -v c="$3" '$1==k && $2==s {print $(c)}' "$WORK/results" | sort -g |
    awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
echo
echo "median of $ROUNDS rounds (maelstrom / nginx):"
printf '  %-44s %20s %20s %20s %22s\n' "" "per s" "p50 (us)" "p99 (us)" "server CPU each (us)"
label() {
  case $1 in
    full) echo "full handshakes (new connection per request)" ;;
    resumed) echo "resumed handshakes (ticket, same)" ;;
    keepalive) echo "keep-alive requests (wrk, $CONNECTIONS conn.)" ;;
  esac
}
for kind in "${KINDS[@]}"; do
  m=(); n=()
  for c in 3 4 5 9; do m+=("$(median "$kind" mael $c)"); n+=("$(median "$kind" nginx $c)"); done
  awk -v l="$(label "$kind")" -v m="${m[*]}" -v n="${n[*]}" 'BEGIN {
    split(m, a, " "); split(n, b, " ")
    printf "  %-44s %8.0f/%-7.0f %4.2f %7.0f/%-7.0f %4.2f %7.0f/%-7.0f %4.2f %7.1f/%-7.1f %4.2f\n", l,
      a[1], b[1], a[1] / b[1], a[2], b[2], a[2] / b[2], a[3], b[3], a[3] / b[3], a[4], b[4], (b[4] > 0 ? a[4] / b[4] : 0)
  }'
done
awk '{e += $6} $1 == "full" {r += $8} $1 == "resumed" {rr += $8; rn += $7} END {
  printf "  errors in all runs: %d; resumed in the full-handshake runs: %d (must be 0); resumed share in the resumed runs: %.3f\n",
    e, r, (rn > 0 ? rr / rn : 0) }' "$WORK/results"
for kind in "${KINDS[@]}"; do
  printf '  client CPU, %-9s nginx %3s %%, maelstrom %3s %% of its core (about 100 %%: the rate is the client'"'"'s, compare server CPU)\n' \
    "$kind" "$(median "$kind" nginx 10)" "$(median "$kind" mael 10)"
done
