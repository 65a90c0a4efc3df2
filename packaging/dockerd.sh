#!/usr/bin/env bash
# dockerd.sh — the one way the project starts, restarts and stops its own Docker engine, for the quickstart and
# the tests alike (CI machines have no systemd, so dockerd runs directly, detached with setsid/nohup).
#   packaging/dockerd.sh start    an engine answers afterwards: one that already answers is left alone, else
#                                 `dockerd --userland-proxy=false` is started and recorded in the state dir
#   packaging/dockerd.sh restart  stops the engine this script started (SIGTERM, then SIGKILL after 60 s) and
#                                 starts it again; exit 3, touching nothing, for an engine it did not start
#   packaging/dockerd.sh stop     stops the engine this script started (nothing else)
# Whoever runs it (quickstart.sh, tests/services/*-docker.sh, by hand), the record is the same pid file, so the
# README's two commands work in either order on one machine.
#
# Environment:
#   DOCKER_HOST                   engine to probe (default unix:///var/run/docker.sock; only unix:// sockets
#                                 can be started here)
#   MAELSTROM_DOCKERD_ARGS        dockerd arguments (default "--userland-proxy=false"; a second daemon gives its
#                                 own -H, --data-root, --exec-root, --pidfile, --bridge...)
#   MAELSTROM_DOCKERD_STATE_DIR   pid file and log (default /var/tmp/maelstrom-dockerd)
#   MAELSTROM_DOCKERD_RESTART_ANY=1  restart/stop may also act on the daemon in /var/run/docker.pid (a developer
#                                 machine's own engine)
set -uo pipefail

action=${1:-start}
host=${DOCKER_HOST:-unix:///var/run/docker.sock}
state=${MAELSTROM_DOCKERD_STATE_DIR:-/var/tmp/maelstrom-dockerd}
args=${MAELSTROM_DOCKERD_ARGS:---userland-proxy=false}
mkdir -p "$state"

case "$host" in
  unix://*) socket=${host#unix://} ;;
  *) socket="" ;;
esac
id=$(printf '%s' "$host" | md5sum | cut -c1-8)
pidfile="$state/dockerd-$id.pid"
log="$state/dockerd-$id.log"
say() { echo "dockerd.sh: $*"; }
fail() { echo "dockerd.sh: $*" >&2; exit "${2:-1}"; }

answers() {
  if [ -n "$socket" ]; then
    [ -S "$socket" ] && [ "$(curl -s --max-time 3 --unix-socket "$socket" http://docker/_ping 2>/dev/null)" = "OK" ]
  else
    [ "$(curl -s --max-time 3 "http://${host#*://}/_ping" 2>/dev/null)" = "OK" ]
  fi
}

is_dockerd() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ]; }

# The daemon this script started for $host, if it still runs.
own_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if is_dockerd "$pid"; then echo "$pid"; return; fi
  if [ "${MAELSTROM_DOCKERD_RESTART_ANY:-0}" = 1 ] && [ "$host" = "unix:///var/run/docker.sock" ]; then
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if is_dockerd "$pid"; then echo "$pid"; fi
  fi
}

start() {
  if answers; then
    say "a Docker engine answers at $host"
    return 0
  fi
  [ -n "$socket" ] || fail "no engine answers at $host, and only unix:// engines can be started here"
  command -v dockerd >/dev/null || fail "dockerd is not installed (packaging/deps.sh installs docker.io)"
  # A daemon that died leaves its pid file behind and dockerd then refuses to start.
  if [ -f /var/run/docker.pid ] && [ "$host" = "unix:///var/run/docker.sock" ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd $args (log: $log)"
  # shellcheck disable=SC2086 # the arguments are a word list on purpose
  setsid nohup dockerd $args >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if answers; then
      say "dockerd answers at $host (pid $(cat "$pidfile"))"
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      tail -n 20 "$log" >&2
      rm -f "$pidfile"
      fail "dockerd exited; last lines of $log above"
    fi
    sleep 0.5
  done
  tail -n 20 "$log" >&2
  fail "dockerd did not answer at $host within 60 s; last lines of $log above"
}

stop() {
  local pid=$1
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "dockerd.sh: dockerd did not stop within 60 s; killing it" >&2
    kill -KILL "$pid"
    sleep 1
  fi
  rm -f "$pidfile"
}

case "$action" in
  start) start ;;
  restart|stop)
    pid=$(own_pid)
    if [ -z "$pid" ]; then
      fail "no dockerd started by packaging/dockerd.sh for $host (pid file $pidfile); refusing to $action an engine it did not start (MAELSTROM_DOCKERD_RESTART_ANY=1 allows the one in /var/run/docker.pid)" 3
    fi
    stop "$pid"
    if [ "$action" = restart ]; then start; fi
    ;;
  *) fail "unknown action '$action' (start, restart or stop)" 2 ;;
esac
