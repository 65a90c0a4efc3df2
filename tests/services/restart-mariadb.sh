#!/usr/bin/env bash
# restart-mariadb.sh — stop then start the tests' MariaDB (used by the recovery test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/stop-mariadb.sh"
"$here/start-mariadb.sh"
