#!/usr/bin/env bash
# restart-mariadb-stock.sh — stop then start the stock-settings MariaDB of start-mariadb-stock.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export MAELSTROM_MARIADB_PORT=${MAELSTROM_MARIADB_STOCK_PORT:-13306}
export MAELSTROM_MARIADB_DATADIR=${MAELSTROM_MARIADB_STOCK_DATADIR:-/var/lib/mysql-stock}
export MAELSTROM_MARIADB_RUNDIR=${MAELSTROM_MARIADB_STOCK_RUNDIR:-/run/mysqld-stock}
export MAELSTROM_MARIADB_STOCK=1
"$here/stop-mariadb.sh"
"$here/start-mariadb.sh"
