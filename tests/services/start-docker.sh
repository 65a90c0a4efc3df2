#!/usr/bin/env bash
# start-docker.sh — the tests' Docker engine: `packaging/dockerd.sh start`, the same script and the same record
# the quickstart uses (starts dockerd --userland-proxy=false when no engine answers).
exec bash "$(cd "$(dirname "$0")/../.." && pwd)/packaging/dockerd.sh" start
