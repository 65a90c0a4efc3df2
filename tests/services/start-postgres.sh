#!/usr/bin/env bash
# start-postgres.sh — starts PostgreSQL 15 on 127.0.0.1:5432 for the tests when nothing answers there yet, and
# creates the test database and user (maelstrom_test / maelstrom_test on database maelstrom_test). Idempotent.
# Runs as root without systemd: uses a dedicated cluster (initdb when the directory was never initialised) run
# by pg_ctl as the postgres user. Exits non-zero with one clear line when it cannot.
# A throwaway test server: synchronous_commit=off (a commit returns before its WAL is flushed; a server crash
# may lose the last fraction of a second, never corrupts), so tests and benchmarks measure maelstrom rather
# than the disk's fsync latency (about 3 ms on our CI VMs, i.e. at most ~330 durable commits/s from one client).
#   MAELSTROM_PG_DATADIR (default /var/lib/postgresql/15/maelstrom-test), MAELSTROM_PG_PORT (default 5432)
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
datadir=${MAELSTROM_PG_DATADIR:-/var/lib/postgresql/15/maelstrom-test}
port=${MAELSTROM_PG_PORT:-5432}
sockdir=/var/run/postgresql
log=/var/log/maelstrom-test-postgres-$port.log

die() { echo "start-postgres.sh: $*" >&2; exit 1; }

[ -x "$bin/pg_ctl" ] || die "$bin/pg_ctl not found (install postgresql: packaging/deps.sh)"
id postgres >/dev/null 2>&1 || die "no 'postgres' system user (install postgresql: packaging/deps.sh)"

answers() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; }
as_postgres() { su postgres -s /bin/sh -c "$1"; }

if answers; then
  echo "start-postgres.sh: PostgreSQL already answers on 127.0.0.1:$port"
else
  mkdir -p "$sockdir" && chown postgres:postgres "$sockdir" && chmod 2775 "$sockdir"
  touch "$log" && chown postgres:postgres "$log"
  if [ ! -f "$datadir/PG_VERSION" ]; then
    echo "start-postgres.sh: initialising $datadir"
    mkdir -p "$datadir" && chown postgres:postgres "$datadir" && chmod 700 "$datadir"
    as_postgres "$bin/initdb -D '$datadir' -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer \
      --auth-host=scram-sha-256" >"$log.initdb" 2>&1 || { tail -n 20 "$log.initdb" >&2; die "initdb failed"; }
  fi
  # A stale postmaster.pid after a crash or a killed container would stop pg_ctl; remove it when its pid is dead.
  if [ -f "$datadir/postmaster.pid" ]; then
    oldpid=$(head -n 1 "$datadir/postmaster.pid")
    kill -0 "$oldpid" 2>/dev/null || rm -f "$datadir/postmaster.pid"
  fi
  echo "start-postgres.sh: starting PostgreSQL on 127.0.0.1:$port (log $log)"
  as_postgres "$bin/pg_ctl -D '$datadir' -l '$log' -w -t 60 start -o \"-c listen_addresses=127.0.0.1 -c port=$port \
    -c unix_socket_directories=$sockdir -c max_connections=300 -c synchronous_commit=off\"" >/dev/null ||
    { tail -n 20 "$log" >&2; die "pg_ctl start failed"; }
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
  answers || { tail -n 20 "$log" >&2; die "PostgreSQL did not answer on 127.0.0.1:$port within 60 s"; }
fi

psql_admin() { as_postgres "psql -X -q -v ON_ERROR_STOP=1 -h $sockdir -p $port -d postgres -At -c \"$1\""; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='maelstrom_test'")" != 1 ]; then
  psql_admin "CREATE ROLE maelstrom_test LOGIN PASSWORD 'maelstrom_test'" || die "could not create the test user"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='maelstrom_test'")" != 1 ]; then
  psql_admin "CREATE DATABASE maelstrom_test OWNER maelstrom_test ENCODING 'UTF8' TEMPLATE template0" ||
    die "could not create the test database"
fi
echo "start-postgres.sh: ready (maelstrom_test@127.0.0.1:$port/maelstrom_test)"
