#!/usr/bin/env bash
# start-mariadb-stock.sh — a second MariaDB for the tests, on 127.0.0.1:13306, with MariaDB's built-in defaults
# (no Debian configuration: latin1 server charset, durable commits) and a test database created without a
# charset: the storage tests check that maelstrom behaves the same there as on the tuned utf8mb4 server.
# Idempotent. Same test database and user as start-mariadb.sh.
set -euo pipefail
export MAELSTROM_MARIADB_PORT=${MAELSTROM_MARIADB_STOCK_PORT:-13306}
export MAELSTROM_MARIADB_DATADIR=${MAELSTROM_MARIADB_STOCK_DATADIR:-/var/lib/mysql-stock}
export MAELSTROM_MARIADB_RUNDIR=${MAELSTROM_MARIADB_STOCK_RUNDIR:-/run/mysqld-stock}
export MAELSTROM_MARIADB_STOCK=1
exec "$(cd "$(dirname "$0")" && pwd)/start-mariadb.sh"
