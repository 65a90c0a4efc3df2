#!/usr/bin/env bash
# start-dockerd.sh — makes sure a Docker engine answers (for the tests and the quickstart); starts `dockerd --userland-proxy=false`
# when none does (CI machines have no systemd: the daemon is started directly, detached with setsid/nohup so it
# outlives this script, logging to $state/dockerd-<id>.log). Idempotent: an engine that already answers is left
# alone. A daemon this script starts is recorded in $state/dockerd-<id>.pid, which restart-docker.sh requires.
#
# Environment:
#   DOCKER_HOST               engine to probe (default unix:///var/run/docker.sock; only unix:// sockets can be
#                             started here)
#   MAELSTROM_DOCKERD_ARGS    dockerd arguments (default "--userland-proxy=false"; for a second daemon give its
#                             own -H, --data-root, --exec-root, --pidfile, --bridge...)
#   MAELSTROM_TEST_STATE_DIR  where logs and pid files go (default /var/tmp/maelstrom-test-services)
set -uo pipefail

host=${DOCKER_HOST:-unix:///var/run/docker.sock}
state=${MAELSTROM_TEST_STATE_DIR:-/var/tmp/maelstrom-test-services}
args=${MAELSTROM_DOCKERD_ARGS:---userland-proxy=false}
mkdir -p "$state"

case "$host" in
  unix://*) socket=${host#unix://} ;;
  *) socket="" ;;
esac
id=$(printf '%s' "$host" | md5sum | cut -c1-8)
pidfile="$state/dockerd-$id.pid"
log="$state/dockerd-$id.log"

answers() {
  if [ -n "$socket" ]; then
    [ -S "$socket" ] && [ "$(curl -s --max-time 3 --unix-socket "$socket" http://docker/_ping 2>/dev/null)" = "OK" ]
  else
    local hp=${host#*://}
    [ "$(curl -s --max-time 3 "http://$hp/_ping" 2>/dev/null)" = "OK" ]
  fi
}

if answers; then
  echo "start-dockerd.sh: a Docker engine answers at $host"
  exit 0
fi
if [ -z "$socket" ]; then
  echo "start-dockerd.sh: no engine answers at $host, and only unix:// engines can be started here" >&2
  exit 1
fi
command -v dockerd >/dev/null || { echo "start-dockerd.sh: dockerd is not installed (packaging/deps.sh installs docker.io)" >&2; exit 1; }

# A daemon that died leaves its pid file behind and dockerd then refuses to start.
default_pid=/var/run/docker.pid
if [ -f "$default_pid" ] && [ "$host" = "unix:///var/run/docker.sock" ] && ! kill -0 "$(cat "$default_pid")" 2>/dev/null; then
  rm -f "$default_pid"
fi

echo "start-dockerd.sh: starting dockerd $args (log: $log)"
# shellcheck disable=SC2086 # the arguments are a word list on purpose
setsid nohup dockerd $args >>"$log" 2>&1 </dev/null &
echo $! >"$pidfile"

for _ in $(seq 1 120); do
  if answers; then
    echo "start-dockerd.sh: dockerd answers at $host (pid $(cat "$pidfile"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "start-dockerd.sh: dockerd exited; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  sleep 0.5
done
echo "start-dockerd.sh: dockerd did not answer at $host within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
