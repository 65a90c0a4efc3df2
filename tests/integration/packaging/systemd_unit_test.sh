#!/usr/bin/env bash
# systemd_unit_test.sh <pkg-dir> — maelstromd.service under a real systemd: the package installed in a container
# of the cached Debian 12 root (packaging/debian-root.sh) with systemd as PID 1, the host's network and Docker
# socket (its group id given to the container's docker group, as on a host where docker.io made it):
#   1. after boot the unit is enabled and running with the ports of /etc/default/maelstromd (a public port below
#      1024), and says "serving" (Type=notify); `systemctl restart` returns only once the health check answers;
#   2. the process: user maelstrom, groups maelstrom + docker, no capability but CAP_NET_BIND_SERVICE (ambient),
#      no new privileges, a seccomp filter;
#   3. as that user it runs the example project through the Docker socket (cold and warm request 200);
#   4. `systemctl stop` is a graceful stop (its containers gone); a file root left in /var/lib/maelstrom belongs to
#      maelstrom after the next start;
#   5. bad input: a registry with an unknown key makes `systemctl start` fail at once, without restarts.
# The container cannot set up mount namespaces, so ProtectSystem= and friends are skipped there by systemd (it
# says so); package-contents checks the rest of the sandbox against an strace of the daemon.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <dir with maelstrom_*.deb>" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/integration/packaging/common.sh
. "$root/tests/integration/packaging/common.sh"

deb=$(newest_deb "$1" 'maelstrom_*_amd64.deb')
base=$(time_step "Debian root image" "$root/packaging/debian-root.sh")
ensure_hello_image
socket=$host_socket
[ -S "$socket" ] || fail "no Docker socket at $socket"
socket_gid=$(stat -c %g "$socket")
private=$(free_port)
used=$(ss -Htln | awk '{ n = split($4, a, ":"); print a[n] }')
public=$(comm -13 <(sort -u <<<"$used") <(seq 900 1020 | sort) | shuf -n 1)
[ -n "$public" ] || fail "no free port below 1024"

ctr=maelstrom-systemd-test-$$
image=maelstrom-test/systemd-unit:$$
work=$(mktemp -d)
before=$(managed_containers)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && docker inspect "$ctr" >/dev/null 2>&1; then
    echo "---- systemctl status / journal (in the container) ----"
    docker exec "$ctr" sh -c 'systemctl status --no-pager maelstromd; journalctl --no-pager -n 60' 2>&1 || true
  fi
  docker rm -f "$ctr" "$ctr-setup" >/dev/null 2>&1 || true
  docker rmi "$image" >/dev/null 2>&1 || true
  remove_new_managed_containers "$before"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
cp "$deb" "$root/etc/maelstrom.yml" "$work/"
mkdir -p "$apt_cache/archives/partial" "$apt_cache/lists/partial"

step "installing systemd and $(basename "$deb") into $base"
time_step "install" docker run --name "$ctr-setup" --network host \
  -v "$apt_cache/archives:/var/cache/apt/archives" -v "$apt_cache/lists:/var/lib/apt/lists" -v "$work:/pkg:ro" \
  "$base" bash -euo pipefail -c "
    getent group $socket_gid >/dev/null || groupadd --system -g $socket_gid docker
    export DEBIAN_FRONTEND=noninteractive
    apt-get -q update >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
    apt-get install -y -q -o APT::Keep-Downloaded-Packages=true --no-install-recommends systemd systemd-sysv curl \
      ./pkg/$(basename "$deb") >/tmp/apt.log 2>&1 || { tail -n 40 /tmp/apt.log; exit 1; }
    cp /pkg/maelstrom.yml /root/maelstrom.yml
    printf 'MAEL_PUBLIC_PORT=$public\nMAEL_PRIVATE_PORT=$private\n' >>/etc/default/maelstromd"
docker commit "$ctr-setup" "$image" >/dev/null
docker rm "$ctr-setup" >/dev/null

step "booting systemd (public port $public, private port $private)"
docker run -d --name "$ctr" --network host --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
  --tmpfs /run --tmpfs /run/lock -v "$socket:/var/run/docker.sock" "$image" /lib/systemd/systemd >/dev/null
in_ctr() { docker exec -i "$ctr" bash -euo pipefail -c "$1"; }
state=""
for _ in $(seq 1 150); do
  state=$(docker exec "$ctr" systemctl is-system-running 2>/dev/null || true)
  case $state in running | degraded) break ;; esac
  sleep 0.2
done
case $state in running | degraded) pass "systemd is $state" ;; *) fail "systemd did not boot: '$state'" ;; esac

prop() { docker exec "$ctr" systemctl show maelstromd -p "$1" --value; }
for _ in $(seq 1 150); do [ "$(prop ActiveState)" = active ] && break; sleep 0.2; done
[ "$(docker exec "$ctr" systemctl is-enabled maelstromd)" = enabled ] || fail "maelstromd.service is not enabled"
[ "$(prop ActiveState)" = active ] || fail "maelstromd.service is $(prop ActiveState) after boot"
[ "$(prop StatusText)" = serving ] || fail "status text '$(prop StatusText)', expected serving (READY=1 with STATUS)"
pass "enabled, started at boot, status: serving"
in_ctr "systemctl restart maelstromd
  code=\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$private/_mael_health_check)
  [ \"\$code\" = 200 ] || { echo \"health check right after systemctl restart returned: \$code\"; exit 1; }
  code=\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$public/)
  [ \"\$code\" = 404 ] || { echo \"public port $public right after restart: \$code\"; exit 1; }" ||
  fail "systemctl restart returned before maelstromd served"
pass "systemctl restart returns once both ports answer (public port $public < 1024)"

step "the process"
status=$(in_ctr 'cat /proc/$(systemctl show maelstromd -p MainPID --value)/status')
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' <<<"$status"; }
[ "$(field Uid | awk '{ print $1 }')" = "$(in_ctr 'id -u maelstrom')" ] || fail "not running as maelstrom: $(field Uid)"
groups=" $(field Groups) "
[[ $groups == *" $socket_gid "* ]] || fail "groups '$groups' lack the Docker socket's group $socket_gid"
for cap in CapEff CapAmb CapBnd; do
  [ "$(field "$cap")" = 0000000000000400 ] || fail "$cap is $(field "$cap"), expected only CAP_NET_BIND_SERVICE (0x400)"
done
[ "$(field NoNewPrivs)" = 1 ] || fail "NoNewPrivs is $(field NoNewPrivs)"
[ "$(field Seccomp)" = 2 ] || fail "no seccomp filter (Seccomp: $(field Seccomp))"
pass "user maelstrom, groups$groups, only CAP_NET_BIND_SERVICE, no new privileges, seccomp filter"

step "the example project through the Docker socket"
in_ctr "export MAELSTROM_PRIVATE_URL=http://127.0.0.1:$private
  maelctl project put --file=/root/maelstrom.yml >/tmp/put.log 2>&1 || { cat /tmp/put.log; exit 1; }
  for i in cold warm; do
    code=\$(curl -s -m 90 -o /dev/null -w '%{http_code} %{time_total}' -H 'Host: hello.localhost' http://127.0.0.1:$public/)
    echo \"  \$i: \$code s\"
    [ \"\${code%% *}\" = 200 ] || exit 1
  done" || fail "the example project does not answer 200 through the unit's maelstromd"
pass "cold and warm requests 200"

step "stop, and a root-owned file in the state directory"
in_ctr "systemctl stop maelstromd
  [ \"\$(systemctl show maelstromd -p Result --value)\" = success ] || { echo 'stop result:' \$(systemctl show maelstromd -p Result --value); exit 1; }
  [ \"\$(systemctl show maelstromd -p StatusText --value)\" = 'stopping gracefully' ] || { echo 'no STOPPING status'; exit 1; }
  for i in \$(seq 1 50); do journalctl -t maelstromd --no-pager | grep -q 'maelstromd: exiting' && exit 0; sleep 0.1; done
  echo 'no graceful exit in the journal'; exit 1"
left=$(new_running_managed_containers "$before")
[ -z "$left" ] || fail "containers still running after systemctl stop: $left"
pass "graceful stop, no container left"
in_ctr "touch /var/lib/maelstrom/left-by-root && systemctl start maelstromd &&
  [ \"\$(stat -c %U /var/lib/maelstrom/left-by-root)\" = maelstrom ]" || fail "a root-owned file was not handed to maelstrom"
pass "files in /var/lib/maelstrom belong to maelstrom after a start"

step "bad input: an unknown key in the registry"
in_ctr "systemctl stop maelstromd; echo 'bogus_key: 1' >>/etc/maelstrom/maelstromd.yml
  if systemctl start maelstromd 2>/dev/null; then echo 'systemctl start succeeded'; exit 1; fi
  sleep 3
  [ \"\$(systemctl show maelstromd -p ActiveState --value)\" = failed ] || { echo state \$(systemctl show maelstromd -p ActiveState --value); exit 1; }
  [ \"\$(systemctl show maelstromd -p NRestarts --value)\" = 0 ] || { echo restarts \$(systemctl show maelstromd -p NRestarts --value); exit 1; }
  journalctl -t maelstromd --no-pager | grep -q bogus_key" ||
  fail "a bad registry did not fail systemctl start cleanly"
pass "systemctl start fails (exit 2), no restart loop"

echo "systemd-unit: all checks passed"
