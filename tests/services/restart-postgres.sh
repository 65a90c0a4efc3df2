#!/usr/bin/env bash
# restart-postgres.sh — stop then start the tests' PostgreSQL (used by the recovery test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/stop-postgres.sh"
"$here/start-postgres.sh"
