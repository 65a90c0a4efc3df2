#!/usr/bin/env bash
# dockerd_scripts_test.sh — the README's two commands share one Docker engine in either order: the quickstart
# starts it with packaging/dockerd.sh, the tests start it through tests/services/start-docker.sh and restart it
# through tests/services/restart-docker.sh, and each accepts what the other started. Runs a private dockerd
# (own socket, data root, exec root, no iptables) in its own network namespace and a clean state directory, so
# the machine's engine and its docker0 bridge are never touched (a dockerd started with --bridge none in the
# host's namespace deletes docker0). Prints "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d /tmp/maelstrom-dockerd-test-XXXXXX)
export DOCKER_HOST="unix://$tmp/docker.sock"
export MAELSTROM_DOCKERD_STATE_DIR="$tmp/state"
export MAELSTROM_DOCKERD_ARGS="-H $DOCKER_HOST --data-root $tmp/data --exec-root $tmp/exec --pidfile $tmp/docker.pid --bridge none --iptables=false --ip6tables=false --userland-proxy=false"
unset MAELSTROM_DOCKERD_RESTART_ANY
# The scripts find this `dockerd` first: the real one, exec'd in a network namespace of its own (same pid).
mkdir -p "$tmp/bin"
real_dockerd=$(command -v dockerd)
printf '#!/bin/sh\nexec unshare --net %s "$@"\n' "$real_dockerd" >"$tmp/bin/dockerd"
chmod +x "$tmp/bin/dockerd"
export PATH="$tmp/bin:$PATH"
passed=0
failed=0

cleanup() {
  bash "$root/packaging/dockerd.sh" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check <description> <command...>
  local what=$1
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "ok: $what"
  else
    failed=$((failed + 1))
    echo "FAILED: $what"
    echo "$out" | tail -n 15
  fi
}
engine_answers() { [ "$(curl -s --max-time 3 --unix-socket "$tmp/docker.sock" http://docker/_ping)" = OK ]; }
quickstart_engine() { bash "$root/packaging/dockerd.sh" start; } # what packaging/quickstart.sh runs
tests_engine() { bash "$root/tests/services/start-docker.sh"; }  # what tests/run.sh runs
tests_restart() { bash "$root/tests/services/restart-docker.sh"; }
pid_of_engine() { cat "$tmp/docker.pid" 2>/dev/null; }

[ -n "$real_dockerd" ] || { echo "dockerd missing (packaging/deps.sh installs docker.io)"; echo "0 passed, 1 failed"; exit 1; }

# Quickstart first, then the tests.
check "quickstart starts the engine" quickstart_engine
check "the engine answers" engine_answers
first=$(pid_of_engine)
check "the tests accept the running engine" tests_engine
check "the tests restart the engine the quickstart started" tests_restart
check "the engine answers after the restart" engine_answers
check "it is a new daemon" test "$(pid_of_engine)" != "$first"
check "a second restart works too" tests_restart
check "stop" bash "$root/packaging/dockerd.sh" stop

# The tests first, then the quickstart.
check "the tests start the engine" tests_engine
check "the quickstart accepts the running engine" quickstart_engine
check "the tests restart it" tests_restart
check "the engine answers after the restart" engine_answers

# An engine nobody here started is never restarted.
bash "$root/packaging/dockerd.sh" stop >/dev/null 2>&1
( setsid nohup dockerd $MAELSTROM_DOCKERD_ARGS >"$tmp/foreign.log" 2>&1 </dev/null & )
for _ in $(seq 1 120); do engine_answers && break; sleep 0.5; done
refuses() { bash "$root/tests/services/restart-docker.sh"; [ $? = 3 ]; }
check "a foreign engine is not restarted (exit 3)" refuses
kill "$(pid_of_engine)" 2>/dev/null
for _ in $(seq 1 60); do [ -e "$tmp/docker.pid" ] || break; sleep 0.5; done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
