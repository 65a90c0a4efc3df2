#!/usr/bin/env bash
# cluster-bench.sh — runs the cluster benchmark (cluster-bench, see cluster_bench.cpp) against the local test
# MariaDB: starts dockerd and MariaDB when they do not answer yet (tests/services), creates two databases of the
# benchmark's own — maelstrom_bench for the three nodes, maelstrom_bench_solo for the one-node reference — for the
# test user maelstrom_test, and runs the program on them. Idempotent; binds 127.0.0.1 only.
#
# Usage: tests/bench/cluster/cluster-bench.sh [BUILD_DIR (build-rel)] [rounds (20)] [relay requests (2000)]
# Environment: MAELSTROM_MARIADB_PORT (3306), MAELSTROM_MARIADB_RUNDIR (/run/mysqld), as start-mariadb.sh;
#   MAELSTROM_TEST_LOG_DIR keeps every maelstromd log. Needs root (the databases are created through the server's
#   socket as root, as start-mariadb.sh creates the test database).
set -euo pipefail

BUILD_DIR=${1:-build-rel}
shift $(($# > 0 ? 1 : 0))
src=$(cd "$(dirname "$0")/../../.." && pwd)
port=${MAELSTROM_MARIADB_PORT:-3306}
socket=${MAELSTROM_MARIADB_RUNDIR:-/run/mysqld}/mysqld.sock
bench=$BUILD_DIR/tests/bench/cluster-bench
[[ -x $bench ]] || { echo "cluster-bench.sh: $bench not found (cmake --build $BUILD_DIR --target cluster-bench)" >&2; exit 2; }

bash "$src/tests/services/start-docker.sh" >/dev/null
bash "$src/tests/services/start-mariadb.sh" >/dev/null
mariadb --protocol=socket -S "$socket" -u root <<SQL
CREATE DATABASE IF NOT EXISTS maelstrom_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE IF NOT EXISTS maelstrom_bench_solo CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
GRANT ALL PRIVILEGES ON maelstrom_bench.* TO 'maelstrom_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON maelstrom_bench.* TO 'maelstrom_test'@'localhost';
GRANT ALL PRIVILEGES ON maelstrom_bench_solo.* TO 'maelstrom_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON maelstrom_bench_solo.* TO 'maelstrom_test'@'localhost';
FLUSH PRIVILEGES;
SQL

export MAELSTROM_TEST_DB_ENGINE=mysql
export MAELSTROM_TEST_MYSQL_DSN="maelstrom_test:maelstrom_test@(127.0.0.1:$port)/maelstrom_bench"
export MAELSTROM_BENCH_SOLO_DSN="maelstrom_test:maelstrom_test@(127.0.0.1:$port)/maelstrom_bench_solo"
exec "$bench" "$@"
