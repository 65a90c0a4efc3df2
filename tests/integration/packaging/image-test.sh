#!/usr/bin/env bash
# image-test.sh <dir with maelstrom_*.deb> — the maelstromd container image (packaging/image): built from the
# package on the cached Debian root, run with the host's Docker socket, a named volume for /var/lib/maelstrom and
# the host's network, it serves the example project (put with the maelctl inside, via docker exec); after
# `docker restart` the project is still listed and served (the SQLite database lives on the volume). Bad path:
# without the socket the container exits with a message naming the engine address. It also serves as the image's
# maelstrom user with the socket's group (--user, --group-add) on a fresh volume. Removes the containers and
# volume it made; keeps the images (cached, like the Debian root).
# MAELSTROM_SKIP_INSTALL_TEST=1 skips it (exit 77), as the install test: both need the debootstrap root.
set -euo pipefail

if [ "${MAELSTROM_SKIP_INSTALL_TEST:-}" = 1 ]; then
  echo "image-test: SKIPPED because MAELSTROM_SKIP_INSTALL_TEST=1 is set"
  exit 77
fi
[ $# -eq 1 ] || { echo "usage: $0 <dir with maelstrom_*.deb>" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/integration/packaging/common.sh
. "$root/tests/integration/packaging/common.sh"

deb=$(newest_deb "$1" 'maelstrom_*_amd64.deb')
image=$(time_step "image build" "$root/packaging/image/build.sh" "$deb")
step "image $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }'))"
ensure_hello_image

public=$(free_port)
private=$(free_port "$public")
ctr=maelstrom-image-test-$$
bad=maelstrom-image-test-nosock-$$
vol=maelstrom-image-test-$$
before=$(managed_containers)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && docker inspect "$ctr" >/dev/null 2>&1; then
    echo "---- docker logs $ctr ----"
    docker logs --tail 60 "$ctr" 2>&1 || true
  fi
  docker rm -f "$ctr" "$ctr-user" "$bad" >/dev/null 2>&1 || true
  remove_new_managed_containers "$before"
  docker volume rm -f "$vol" "$vol-user" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT

maelctl_in() { docker exec -e MAELSTROM_PRIVATE_URL="http://127.0.0.1:$private" "$ctr" maelctl "$@"; }

step "docker run $image (public port $public, private port $private, volume $vol)"
docker volume create "$vol" >/dev/null
run_line=(docker run -d --name "$ctr" --network host --stop-timeout 120
  -v "$host_socket:/var/run/docker.sock" -v "$vol:/var/lib/maelstrom"
  -e MAEL_PUBLIC_PORT="$public" -e MAEL_PRIVATE_PORT="$private" "$image")
echo "  ${run_line[*]}"
"${run_line[@]}" >/dev/null
wait_health "$private" "[ \"\$(docker inspect -f '{{.State.Running}}' $ctr)\" = true ]"
docker cp "$root/etc/maelstrom.yml" "$ctr:/tmp/maelstrom.yml"
time_step "maelctl project put (docker exec)" maelctl_in project put --file=/tmp/maelstrom.yml
request_hello "$public" cold
request_hello "$public" warm
pass "the image serves the example project"

step "docker restart: the project survives on the volume"
time_step "docker restart" docker restart -t 120 "$ctr" >/dev/null
wait_health "$private" "[ \"\$(docker inspect -f '{{.State.Running}}' $ctr)\" = true ]"
listed=$(maelctl_in project ls)
echo "$listed" | sed 's/^/  /'
grep -q hello <<<"$listed" || fail "hello is not listed after the restart"
request_hello "$public" "after restart"
docker run --rm -v "$vol:/data" --entrypoint ls "$image" -l /data | sed 's/^/  volume: /'
pass "data survives a container restart"

step "bad path: no Docker socket"
rc=0
timeout 120 docker run --name "$bad" --network host -e MAEL_PUBLIC_PORT="$public" -e MAEL_PRIVATE_PORT="$(free_port "$public" "$private")" \
  "$image" >"${TMPDIR:-/tmp}/$bad.log" 2>&1 || rc=$?
tail -n 3 "${TMPDIR:-/tmp}/$bad.log" | sed 's/^/  /'
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "without the socket: exit $rc (expected a non-zero exit)"
grep -q "cannot reach the Docker daemon at unix:///var/run/docker.sock" "${TMPDIR:-/tmp}/$bad.log" ||
  fail "without the socket: no message naming the engine address"
rm -f "${TMPDIR:-/tmp}/$bad.log"
pass "exits ($rc) naming the engine address"

step "graceful stop"
time_step "docker stop" docker stop -t 120 "$ctr" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$ctr")" = 0 ] ||
  fail "maelstromd exited with $(docker inspect -f '{{.State.ExitCode}}' "$ctr") on docker stop"
left=$(new_running_managed_containers "$before")
[ -z "$left" ] || fail "containers still running after docker stop: $left"
pass "docker stop: exit 0, no component container left running"

# After the first container stopped: one maelstromd at a time manages the engine's maelstrom containers.
step "as the image's maelstrom user (--user maelstrom --group-add <the socket's gid>, a fresh volume)"
nr_public=$(free_port "$public" "$private")
nr_private=$(free_port "$public" "$private" "$nr_public")
docker volume create "$vol-user" >/dev/null
docker run -d --name "$ctr-user" --network host --user maelstrom --group-add "$(stat -c %g "$host_socket")" \
  -v "$host_socket:/var/run/docker.sock" -v "$vol-user:/var/lib/maelstrom" \
  -e MAEL_PUBLIC_PORT="$nr_public" -e MAEL_PRIVATE_PORT="$nr_private" "$image" >/dev/null
wait_health "$nr_private" "[ \"\$(docker inspect -f '{{.State.Running}}' $ctr-user)\" = true ]"
docker cp "$root/etc/maelstrom.yml" "$ctr-user:/tmp/maelstrom.yml"
docker exec -e MAELSTROM_PRIVATE_URL="http://127.0.0.1:$nr_private" "$ctr-user" maelctl project put --file=/tmp/maelstrom.yml >/dev/null
request_hello "$nr_public" "as maelstrom"
echo "  $(docker exec "$ctr-user" id)"
docker stop -t 120 "$ctr-user" >/dev/null
left=$(new_running_managed_containers "$before")
[ -z "$left" ] || fail "containers still running after docker stop: $left"
pass "runs as maelstrom with the socket's group"

echo "image-test: OK in $SECONDS s"
