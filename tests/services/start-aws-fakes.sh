#!/usr/bin/env bash
# start-aws-fakes.sh — runs tests/services/aws/aws-fakes.js on 127.0.0.1:${MAELSTROM_TEST_AWS_FAKES_PORT:-9325}:
# Step Functions activities, Auto Scaling's CompleteLifecycleAction and the instance metadata service (IMDSv2),
# every AWS request's SigV4 signature verified (see tests/services/aws/README.md). Node's standard library only.
# Idempotent: a fake that already answers there is left alone; concurrent runs are serialised by a lock. Prints
# one line on success; on failure exits 1 with the log's last lines.
# Log and pid file: $state/aws-fakes.log and aws-fakes.pid, $state being MAELSTROM_TEST_STATE_DIR (default
# /var/tmp/maelstrom-test-services, or ${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-test-services when that is not
# writable).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
port=${MAELSTROM_TEST_AWS_FAKES_PORT:-9325}
addr=127.0.0.1:$port

die() { echo "start-aws-fakes.sh: $*" >&2; exit 1; }

state=${MAELSTROM_TEST_STATE_DIR:-/var/tmp/maelstrom-test-services}
if [ -z "${MAELSTROM_TEST_STATE_DIR:-}" ] && ! { mkdir -p "$state" 2>/dev/null && [ -w "$state" ]; }; then
  state=${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-test-services
fi
mkdir -p "$state" || die "cannot create $state"
log=$state/aws-fakes.log
pidfile=$state/aws-fakes.pid

health() { curl -s --max-time 3 "http://$addr/_test/health" 2>/dev/null; }
ours() { health | grep -q '"aws-fakes"'; }
answers() { [ "$(curl -s -o /dev/null --max-time 3 -w '%{http_code}' "http://$addr/" 2>/dev/null)" != 000 ]; }

if ours; then
  echo "start-aws-fakes.sh: the AWS fakes answer at http://$addr"
  exit 0
fi

# One start at a time (tests run in parallel); the daemon must not inherit the lock (9>&- below).
exec 9>"$state/aws-fakes.lock"
flock -w 60 9 || die "another start-aws-fakes.sh still holds $state/aws-fakes.lock after 60 s"
if ours; then
  echo "start-aws-fakes.sh: the AWS fakes answer at http://$addr"
  exit 0
fi
answers && die "something other than the AWS fakes answers at $addr"
command -v node >/dev/null || die "node is not installed (packaging/deps.sh installs nodejs and npm)"

echo "--- $(date -u +%FT%TZ) start-aws-fakes.sh: starting the AWS fakes on $addr" >>"$log"
MAELSTROM_TEST_AWS_FAKES_PORT=$port setsid nohup node "$here/aws/aws-fakes.js" >>"$log" 2>&1 </dev/null 9>&- &
echo $! >"$pidfile"
for _ in $(seq 1 80); do
  if ours; then
    echo "start-aws-fakes.sh: the AWS fakes listen at http://$addr (pid $(cat "$pidfile"), log $log)"
    exit 0
  fi
  kill -0 "$(cat "$pidfile")" 2>/dev/null || break
  sleep 0.25
done
echo "start-aws-fakes.sh: the AWS fakes did not come up at $addr; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
