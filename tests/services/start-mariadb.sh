#!/usr/bin/env bash
# start-mariadb.sh — starts MariaDB on 127.0.0.1:3306 for the tests when nothing answers there yet, and creates
# the test database and user (maelstrom_test / maelstrom_test on database maelstrom_test). Idempotent.
# Runs as root without systemd: initialises the data dir when it was never initialised, then runs mariadbd
# directly (detached). Exits non-zero with one clear line when it cannot.
# A throwaway test server: commits are written to the log at once but flushed to disk about once a second
# (innodb_flush_log_at_trx_commit=2), so tests and benchmarks measure maelstrom rather than the disk's fsync
# latency (about 3 ms on our CI VMs, i.e. at most ~330 durable commits/s from one client).
#   MAELSTROM_MARIADB_DATADIR (default /var/lib/mysql), MAELSTROM_MARIADB_PORT (default 3306),
#   MAELSTROM_MARIADB_RUNDIR (socket and pid file; default /run/mysqld)
#   MAELSTROM_MARIADB_STOCK=1: a server with MariaDB's built-in defaults instead (--no-defaults: no Debian
#   configuration, latin1 server charset, durable commits) and a test database created without a charset, as a
#   user's server may be (start-mariadb-stock.sh).
set -euo pipefail

datadir=${MAELSTROM_MARIADB_DATADIR:-/var/lib/mysql}
port=${MAELSTROM_MARIADB_PORT:-3306}
rundir=${MAELSTROM_MARIADB_RUNDIR:-/run/mysqld}
socket=$rundir/mysqld.sock
log=/var/log/maelstrom-test-mariadb-$port.log
stock=${MAELSTROM_MARIADB_STOCK:-0}
if [ "$stock" = 1 ]; then
  defaults=(--no-defaults)
  tuning=()
  dbcharset=""
else
  defaults=()
  tuning=(--innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin)
  dbcharset="CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
fi

die() { echo "start-mariadb.sh: $*" >&2; exit 1; }

command -v mariadbd >/dev/null 2>&1 || die "mariadbd not found (install mariadb-server: packaging/deps.sh)"

answers() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$port" -u nobody-ping ping >/dev/null 2>&1 ||
            mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$port" ping 2>&1 | grep -q "Access denied"; }

if answers; then
  echo "start-mariadb.sh: MariaDB already answers on 127.0.0.1:$port"
else
  mkdir -p "$rundir" && chown mysql:mysql "$rundir"
  if [ ! -d "$datadir/mysql" ]; then
    echo "start-mariadb.sh: initialising $datadir"
    mkdir -p "$datadir" && chown mysql:mysql "$datadir"
    mariadb-install-db "${defaults[@]}" --user=mysql --datadir="$datadir" --auth-root-authentication-method=socket \
      --skip-test-db >"$log.install" 2>&1 || { tail -n 20 "$log.install" >&2; die "mariadb-install-db failed"; }
  fi
  echo "start-mariadb.sh: starting mariadbd on 127.0.0.1:$port (log $log)"
  setsid nohup mariadbd "${defaults[@]}" --user=mysql --datadir="$datadir" --bind-address=127.0.0.1 \
    --port="$port" --socket="$socket" --pid-file="$rundir/mysqld.pid" --max-connections=500 "${tuning[@]}" \
    >>"$log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
  answers || { tail -n 20 "$log" >&2; die "MariaDB did not answer on 127.0.0.1:$port within 60 s"; }
fi

# Test database and user (root authenticates through the unix socket as the system root user).
mariadb --protocol=socket -S "$socket" -u root <<SQL || die "could not create the test database and user"
CREATE DATABASE IF NOT EXISTS maelstrom_test $dbcharset;
CREATE USER IF NOT EXISTS 'maelstrom_test'@'127.0.0.1' IDENTIFIED BY 'maelstrom_test';
CREATE USER IF NOT EXISTS 'maelstrom_test'@'localhost' IDENTIFIED BY 'maelstrom_test';
GRANT ALL PRIVILEGES ON maelstrom_test.* TO 'maelstrom_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON maelstrom_test.* TO 'maelstrom_test'@'localhost';
FLUSH PRIVILEGES;
SQL
echo "start-mariadb.sh: ready (maelstrom_test@127.0.0.1:$port/maelstrom_test)"
