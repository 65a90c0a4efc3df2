#!/usr/bin/env bash
# quickstart.sh — the README's "run it" command: from a bare Debian machine to maelstromd serving the example
# project (etc/maelstrom.yml) at http://hello.localhost:8008/.
#   1. installs what is missing (packaging/deps.sh run);
#   2. builds maelstromd, maelctl and the plugins (Release, build/ in the repository) and the example's
#      image, maelstrom/hello-http:1 (the project's static test workload, FROM scratch: nothing is pulled);
#   3. starts dockerd when no Docker engine answers (packaging/dockerd.sh, shared with the tests), then maelstromd with
#      etc/maelstromd.yml (SQLite), and waits for its health check;
#   4. puts the example project with maelctl and requests it twice — cold (a container starts) and warm —
#      printing both times;
#   5. keeps maelstromd in the foreground until Ctrl-C (a graceful stop: requests finish, containers stop).
# `quickstart.sh --check` stops maelstromd after step 4 instead (what the tests run). Running it again is fine:
# the build is incremental, the project put is a no-op when unchanged.
# Environment: MAELSTROM_BUILD_DIR (default <repo>/build), MAEL_PRIVATE_PORT (default 8374),
# MAEL_PUBLIC_PORT (default 8008 here), MAEL_DATA_DIR (default /var/lib/maelstrom, or <build>/data when that
# is not writable).
set -euo pipefail

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=${MAELSTROM_BUILD_DIR:-$root/build}
export MAEL_PRIVATE_PORT=${MAEL_PRIVATE_PORT:-8374}
export MAEL_PUBLIC_PORT=${MAEL_PUBLIC_PORT:-8008}

echo "==> installing dependencies"
"$root/packaging/deps.sh" run

echo "==> building (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >"$build/quickstart-build.log" 2>&1 || {
  tail -n 40 "$build/quickstart-build.log"; echo "quickstart: build failed (full log: $build/quickstart-build.log)"; exit 1; }

if [ -z "${MAEL_DATA_DIR:-}" ]; then
  if mkdir -p /var/lib/maelstrom 2>/dev/null && [ -w /var/lib/maelstrom ]; then
    export MAEL_DATA_DIR=/var/lib/maelstrom
  else
    export MAEL_DATA_DIR=$build/data
    mkdir -p "$MAEL_DATA_DIR"
  fi
fi

echo "==> Docker engine"
"$root/packaging/dockerd.sh" start

echo "==> example image maelstrom/hello-http:1"
g++ -std=c++20 -O2 -static -pthread -o "$build/hello-http" "$root/tests/fixtures/hello-http/main.cpp"
"$root/tests/fixtures/hello-http/build-image.sh" "$build/hello-http" maelstrom/hello-http:1

echo "==> checking the registry"
"$build/bin/maelstromd" --config "$root/etc/maelstromd.yml" --check-config

echo "==> starting maelstromd (private port $MAEL_PRIVATE_PORT, public port $MAEL_PUBLIC_PORT; Ctrl-C stops it)"
"$build/bin/maelstromd" --config "$root/etc/maelstromd.yml" &
daemon=$!
stop_daemon() { kill -INT $daemon 2>/dev/null; wait $daemon; }
trap 'stop_daemon; exit 130' INT TERM

up=false
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$MAEL_PRIVATE_PORT/_mael_health_check" >/dev/null 2>&1; then
    up=true
    break
  fi
  if ! kill -0 $daemon 2>/dev/null; then
    rc=0; wait $daemon || rc=$?
    echo "quickstart: maelstromd exited with code $rc"; exit "$rc"
  fi
  sleep 0.1
done
$up || { echo "quickstart: maelstromd did not answer its health check within 30 s"; stop_daemon; exit 1; }
echo "==> maelstromd is up: http://127.0.0.1:$MAEL_PRIVATE_PORT/_mael_health_check"

echo "==> maelctl project put --file=etc/maelstrom.yml"
export MAELSTROM_PRIVATE_URL=http://127.0.0.1:$MAEL_PRIVATE_PORT
"$build/bin/maelctl" project put --file="$root/etc/maelstrom.yml"

# hello.localhost resolves to the loopback address (RFC 6761); the Host header is what routes the request.
request() {
  curl -sS -o /dev/null --max-time 120 -H "Host: hello.localhost" \
    -w '%{http_code} in %{time_total} s' "http://127.0.0.1:$MAEL_PUBLIC_PORT/"
}
cold=$(request) || { echo "quickstart: the cold request failed"; stop_daemon; exit 1; }
echo "==> curl http://hello.localhost:$MAEL_PUBLIC_PORT/ (cold: starts a container): $cold"
warm=$(request) || { echo "quickstart: the warm request failed"; stop_daemon; exit 1; }
echo "==> curl http://hello.localhost:$MAEL_PUBLIC_PORT/ (warm): $warm"
case "$cold $warm" in
  "200 "*" 200 "*) ;;
  *) echo "quickstart: expected 200 twice"; stop_daemon; exit 1 ;;
esac

if $check_only; then
  echo "==> --check: stopping maelstromd"
  kill -INT $daemon
  wait $daemon
  exit $?
fi
echo "==> serving; Ctrl-C stops maelstromd"
wait $daemon
