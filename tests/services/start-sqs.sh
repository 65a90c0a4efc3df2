#!/usr/bin/env bash
# start-sqs.sh — runs the SQS test endpoint on 127.0.0.1:${MAELSTROM_TEST_SQS_PORT:-9324}: sqslite 2.1.1 behind
# tests/services/aws/sqs-wrapper.js, which closes the gaps between sqslite and SQS the tests rely on (see
# tests/services/aws/README.md). Idempotent: a wrapper that already answers there is left alone; concurrent runs
# are serialised by a lock. Prints one line on success; on failure exits 1 with the log's last lines.
# sqslite is installed with `npm ci` (versions pinned by tests/services/aws/package-lock.json) into a cache outside
# the repository: $MAELSTROM_TEST_CACHE/npm, by default /var/cache/maelstrom-tests/npm as root and
# ${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-tests/npm otherwise; node and npm come from packaging/deps.sh.
# Log and pid file: $state/sqs.log and sqs.pid, $state being MAELSTROM_TEST_STATE_DIR (default
# /var/tmp/maelstrom-test-services, or ${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-test-services when that is not
# writable).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
port=${MAELSTROM_TEST_SQS_PORT:-9324}
addr=127.0.0.1:$port

die() { echo "start-sqs.sh: $*" >&2; exit 1; }

state=${MAELSTROM_TEST_STATE_DIR:-/var/tmp/maelstrom-test-services}
if [ -z "${MAELSTROM_TEST_STATE_DIR:-}" ] && ! { mkdir -p "$state" 2>/dev/null && [ -w "$state" ]; }; then
  state=${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-test-services
fi
mkdir -p "$state" || die "cannot create $state"
if [ -n "${MAELSTROM_TEST_CACHE:-}" ]; then
  cache=$MAELSTROM_TEST_CACHE
elif [ "$(id -u)" = 0 ]; then
  cache=/var/cache/maelstrom-tests
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/maelstrom-tests
fi
npmdir=$cache/npm
log=$state/sqs.log
pidfile=$state/sqs.pid

health() { curl -s --max-time 3 "http://$addr/_test/health" 2>/dev/null; }
ours() { health | grep -q '"sqs-wrapper"'; }
answers() { [ "$(curl -s -o /dev/null --max-time 3 -w '%{http_code}' "http://$addr/" 2>/dev/null)" != 000 ]; }

if ours; then
  echo "start-sqs.sh: the SQS wrapper answers at http://$addr"
  exit 0
fi

# One start at a time (tests run in parallel); the daemon must not inherit the lock (9>&- below).
exec 9>"$state/sqs.lock"
flock -w 300 9 || die "another start-sqs.sh still holds $state/sqs.lock after 5 min"
if ours; then
  echo "start-sqs.sh: the SQS wrapper answers at http://$addr"
  exit 0
fi
answers && die "something other than the SQS wrapper answers at $addr"

command -v node >/dev/null || die "node is not installed (packaging/deps.sh installs nodejs and npm)"
command -v npm >/dev/null || die "npm is not installed (packaging/deps.sh installs nodejs and npm)"

if [ ! -f "$npmdir/node_modules/sqslite/package.json" ] || ! cmp -s "$here/aws/package-lock.json" "$npmdir/package-lock.json"; then
  mkdir -p "$npmdir" || die "cannot create $npmdir (set MAELSTROM_TEST_CACHE to a writable directory)"
  cp "$here/aws/package.json" "$here/aws/package-lock.json" "$npmdir/" || die "cannot write to $npmdir"
  echo "start-sqs.sh: installing sqslite 2.1.1 with npm into $npmdir"
  if ! (cd "$npmdir" && npm ci --no-audit --no-fund --loglevel=error) >"$state/sqs-npm.log" 2>&1; then
    echo "start-sqs.sh: npm ci failed; last lines of $state/sqs-npm.log:" >&2
    tail -n 20 "$state/sqs-npm.log" >&2
    rm -f "$npmdir/package-lock.json" # so the next run installs again
    exit 1
  fi
fi

echo "--- $(date -u +%FT%TZ) start-sqs.sh: starting the SQS wrapper on $addr" >>"$log"
NODE_PATH="$npmdir/node_modules" MAELSTROM_TEST_SQS_PORT=$port \
  setsid nohup node "$here/aws/sqs-wrapper.js" >>"$log" 2>&1 </dev/null 9>&- &
echo $! >"$pidfile"
for _ in $(seq 1 80); do
  if ours; then
    echo "start-sqs.sh: the SQS wrapper listens at http://$addr (pid $(cat "$pidfile"), log $log)"
    exit 0
  fi
  kill -0 "$(cat "$pidfile")" 2>/dev/null || break
  sleep 0.25
done
echo "start-sqs.sh: the SQS wrapper did not come up at $addr; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
