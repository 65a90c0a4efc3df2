#!/usr/bin/env bash
# start-docker.sh — the tests' Docker engine: packaging/start-dockerd.sh (starts dockerd --userland-proxy=false
# when no engine answers, and records it so restart-docker.sh may restart it).
exec bash "$(cd "$(dirname "$0")/../.." && pwd)/packaging/start-dockerd.sh" "$@"
