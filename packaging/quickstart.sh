#!/usr/bin/env bash
# quickstart.sh — the README's "run it" command: from a bare Debian machine to a running maelstromd.
#   1. installs what is missing (packaging/deps.sh run);
#   2. builds maelstromd, maelctl and the plugins (Release, build/ in the repository);
#   3. starts dockerd when no Docker engine answers (packaging/start-dockerd.sh), then maelstromd with
#      etc/maelstromd.yml, and waits for its health check;
#   4. keeps it in the foreground until Ctrl-C (SIGINT stops it cleanly).
# Environment: MAELSTROM_BUILD_DIR (default <repo>/build), MAEL_PRIVATE_PORT (default 8374),
# MAEL_PUBLIC_PORT (default 8008 here), MAEL_DATA_DIR (default <build>/data when not root-writable).
set -euo pipefail

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
MAELSTROM_TEST_STATE_DIR=${MAELSTROM_TEST_STATE_DIR:-$build/run} "$root/packaging/start-dockerd.sh"

echo "==> checking the registry"
"$build/bin/maelstromd" --config "$root/etc/maelstromd.yml" --check-config

echo "==> starting maelstromd (private port $MAEL_PRIVATE_PORT; Ctrl-C stops it)"
"$build/bin/maelstromd" --config "$root/etc/maelstromd.yml" &
daemon=$!
trap 'kill -INT $daemon 2>/dev/null; wait $daemon' INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$MAEL_PRIVATE_PORT/_mael_health_check" >/dev/null 2>&1; then
    echo "==> maelstromd is up: curl http://127.0.0.1:$MAEL_PRIVATE_PORT/_mael_health_check -> $(curl -fsS "http://127.0.0.1:$MAEL_PRIVATE_PORT/_mael_health_check")"
    break
  fi
  if ! kill -0 $daemon 2>/dev/null; then
    wait $daemon; rc=$?
    echo "quickstart: maelstromd exited with code $rc"; exit "$rc"
  fi
  sleep 0.1
done

wait $daemon
