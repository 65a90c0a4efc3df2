#!/usr/bin/env bash
# restart-docker.sh — restarts the dockerd that start-docker.sh started (SIGTERM, wait for it to exit, then
# start-docker.sh again, which waits until the engine answers). Used by the docker plugin's daemon-restart test.
# Refuses (exit 3) to touch a daemon that start-docker.sh did not start, unless MAELSTROM_DOCKERD_RESTART_ANY=1,
# which restarts the one whose pid is in /var/run/docker.pid (a developer machine's own daemon).
# Same environment as start-docker.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
host=${DOCKER_HOST:-unix:///var/run/docker.sock}
state=${MAELSTROM_TEST_STATE_DIR:-/var/tmp/maelstrom-test-services}
id=$(printf '%s' "$host" | md5sum | cut -c1-8)
pidfile="$state/dockerd-$id.pid"

pid=""
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
elif [ "${MAELSTROM_DOCKERD_RESTART_ANY:-0}" = 1 ] && [ -f /var/run/docker.pid ]; then
  pid=$(cat /var/run/docker.pid)
fi
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
  echo "restart-docker.sh: no dockerd started by start-docker.sh for $host (pid file $pidfile); refusing to restart a daemon this suite did not start (set MAELSTROM_DOCKERD_RESTART_ANY=1 to allow it)" >&2
  exit 3
fi

echo "restart-docker.sh: stopping dockerd (pid $pid)"
kill -TERM "$pid"
for _ in $(seq 1 120); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
  echo "restart-docker.sh: dockerd did not stop within 60 s; killing it" >&2
  kill -KILL "$pid"
  sleep 1
fi
rm -f "$pidfile"
# start-docker.sh records the new daemon, so the next restart works too.
bash "$here/start-docker.sh"
