#!/usr/bin/env bash
# selftest.sh — starts the SQS wrapper and the AWS fakes on ports of their own (default 19324 and 19325, so the
# endpoints the tests use on 9324/9325 are neither reset nor disturbed), runs selftest.js against them and stops
# them again. Exit status 0 when every check passed.
#   SELFTEST_SQS_PORT, SELFTEST_FAKES_PORT   the ports (default 19324, 19325)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
sqs_port=${SELFTEST_SQS_PORT:-19324}
fakes_port=${SELFTEST_FAKES_PORT:-19325}
state=$(mktemp -d "${TMPDIR:-/tmp}/maelstrom-aws-selftest.XXXXXX")

stop() {
  for pidfile in "$state/sqs.pid" "$state/aws-fakes.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  rm -rf "$state"
}
trap stop EXIT

export MAELSTROM_TEST_STATE_DIR=$state
MAELSTROM_TEST_SQS_PORT=$sqs_port bash "$here/../start-sqs.sh" || exit 1
MAELSTROM_TEST_AWS_FAKES_PORT=$fakes_port bash "$here/../start-aws-fakes.sh" || exit 1
# idempotent: a second start leaves the running ones alone
MAELSTROM_TEST_SQS_PORT=$sqs_port bash "$here/../start-sqs.sh" >/dev/null || { echo "selftest.sh: second start-sqs.sh failed" >&2; exit 1; }
MAELSTROM_TEST_AWS_FAKES_PORT=$fakes_port bash "$here/../start-aws-fakes.sh" >/dev/null || { echo "selftest.sh: second start-aws-fakes.sh failed" >&2; exit 1; }

SQS_PORT=$sqs_port FAKES_PORT=$fakes_port node "$here/selftest.js"
status=$?
if [ "$status" != 0 ]; then
  echo "selftest.sh: last lines of the endpoints' logs:" >&2
  tail -n 15 "$state/sqs.log" "$state/aws-fakes.log" >&2
fi
exit "$status"
