#!/usr/bin/env bash
# stop-mariadb.sh — stops the MariaDB server the tests use (the recovery test takes it down mid-test).
# Idempotent: succeeds when it is not running. Waits until the server has exited.
set -uo pipefail
rundir=${MAELSTROM_MARIADB_RUNDIR:-/run/mysqld}
pidfile=$rundir/mysqld.pid
port=${MAELSTROM_MARIADB_PORT:-3306}
pid=$(cat "$pidfile" 2>/dev/null || true)
mariadb-admin --protocol=socket -S "$rundir/mysqld.sock" -u root shutdown >/dev/null 2>&1 ||
  { [ -n "$pid" ] && kill "$pid" 2>/dev/null; }
for _ in $(seq 1 120); do
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then sleep 0.5; continue; fi
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then sleep 0.5; continue; fi
  echo "stop-mariadb.sh: stopped"
  exit 0
done
echo "stop-mariadb.sh: MariaDB did not stop within 60 s" >&2
exit 1
