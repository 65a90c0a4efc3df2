#!/usr/bin/env bash
# stop-postgres.sh — stops the PostgreSQL server the tests use (the recovery test takes it down mid-test).
# Idempotent: succeeds when it is not running. Asks the running server for its data directory, so it also
# stops a cluster that start-postgres.sh did not start.
set -uo pipefail
bin=/usr/lib/postgresql/15/bin
port=${MAELSTROM_PG_PORT:-5432}
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  echo "stop-postgres.sh: not running"
  exit 0
fi
datadir=$(su postgres -s /bin/sh -c "psql -X -h /var/run/postgresql -p $port -d postgres -At -c 'SHOW data_directory'")
[ -n "$datadir" ] || { echo "stop-postgres.sh: cannot find the data directory" >&2; exit 1; }
su postgres -s /bin/sh -c "$bin/pg_ctl -D '$datadir' -m fast -w -t 60 stop" >/dev/null ||
  { echo "stop-postgres.sh: pg_ctl stop failed" >&2; exit 1; }
echo "stop-postgres.sh: stopped"
