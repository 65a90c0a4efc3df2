#!/usr/bin/env bash
# start-registry.sh — runs a local Docker registry (Debian's docker-registry, distribution 2.8) on
# 127.0.0.1:5000 with htpasswd auth, for the docker plugin's pull tests. Idempotent: a registry that already
# answers /v2/ with 401 is left alone. Storage and config live in $state/registry (default
# /var/tmp/maelstrom-test-services/registry); the daemon is detached (setsid/nohup) and logs to
# $state/registry.log. The test credentials are maelstrom / maelstrom-test-password (override with
# MAELSTROM_TEST_REGISTRY_USER / _PASSWORD, and give the tests the same values).
# The fixture image is NOT pushed here: it is built from the build tree, so the registry tests build, tag and
# push it themselves before pulling it through the plugin.
set -uo pipefail

state=${MAELSTROM_TEST_STATE_DIR:-/var/tmp/maelstrom-test-services}
user=${MAELSTROM_TEST_REGISTRY_USER:-maelstrom}
password=${MAELSTROM_TEST_REGISTRY_PASSWORD:-maelstrom-test-password}
addr=127.0.0.1:5000
dir="$state/registry"
log="$state/registry.log"
mkdir -p "$dir/data"

status() { curl -s -o /dev/null --max-time 3 -w '%{http_code}' "http://$addr/v2/" 2>/dev/null; }

case "$(status)" in
  401) echo "start-registry.sh: a registry with auth answers at $addr"; exit 0 ;;
  200) echo "start-registry.sh: a registry WITHOUT auth answers at $addr; the pull tests need htpasswd auth" >&2; exit 1 ;;
esac
command -v docker-registry >/dev/null || { echo "start-registry.sh: docker-registry is not installed (packaging/deps.sh)" >&2; exit 1; }
command -v htpasswd >/dev/null || { echo "start-registry.sh: htpasswd is not installed (apache2-utils)" >&2; exit 1; }

htpasswd -Bbn "$user" "$password" >"$dir/htpasswd" || { echo "start-registry.sh: htpasswd failed" >&2; exit 1; }
cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
auth:
  htpasswd:
    realm: maelstrom-test
    path: $dir/htpasswd
YAML

echo "start-registry.sh: starting docker-registry on $addr (log: $log)"
setsid nohup docker-registry serve "$dir/config.yml" >>"$log" 2>&1 </dev/null &
echo $! >"$state/registry.pid"
for _ in $(seq 1 60); do
  if [ "$(status)" = 401 ]; then
    echo "start-registry.sh: registry answers at $addr"
    exit 0
  fi
  kill -0 "$(cat "$state/registry.pid")" 2>/dev/null || break
  sleep 0.5
done
echo "start-registry.sh: the registry did not come up; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
