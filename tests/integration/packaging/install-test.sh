#!/usr/bin/env bash
# install-test.sh <dir with the .debs> — the packages on a clean machine: a minimal Debian 12 root
# (packaging/debian-root.sh, cached) in one container with the host's Docker socket and network.
#   1. `apt-get install ./maelstrom_*.deb` resolves every dependency from the Debian mirror alone;
#   2. `maelstromd --check-config` (as root) passes with the packaged /etc/maelstrom/maelstromd.yml; bad paths: a
#      missing registry file, no Docker engine at the socket — each a non-zero exit and a message naming the cause;
#   3. the daemon started as the unit's ExecStartPre and ExecStart lines say (read from the installed
#      maelstromd.service, as its User= with the socket's group) serves the example project: `maelctl project
#      put`, then http://hello.localhost:<port>/ answers 200 (cold and warm); a graceful stop leaves no container
#      running — also after the root check-config above left a root-owned database (ExecStartPre hands it back);
#   4. bash completes `maelctl pro<TAB>` to project and `maelctl project <TAB>` to its subcommands;
#   5. with maelstrom-sdk-dev (+ cmake, g++ from apt) the shipped example plugin lb-random builds out of tree
#      and loads: `maelstromd --describe-plugin` and `--check-config` with a registry naming it;
#   6. `apt-get remove` keeps the conffiles; `apt-get purge` removes them and /var/lib/maelstrom (the system
#      user maelstrom stays, as Debian keeps system users).
# Downloads go through /var/cache/maelstrom-tests/apt (archives and lists), so a rerun fetches nothing new.
# MAELSTROM_SKIP_INSTALL_TEST=1 skips it (exit 77, reported as skipped); nothing else does.
set -euo pipefail

if [ "${MAELSTROM_SKIP_INSTALL_TEST:-}" = 1 ]; then
  echo "install-test: SKIPPED because MAELSTROM_SKIP_INSTALL_TEST=1 is set"
  exit 77
fi
[ $# -eq 1 ] || { echo "usage: $0 <dir with maelstrom_*.deb and maelstrom-sdk-dev_*.deb>" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/integration/packaging/common.sh
. "$root/tests/integration/packaging/common.sh"

deb=$(newest_deb "$1" 'maelstrom_*_amd64.deb')
sdk=$(newest_deb "$1" 'maelstrom-sdk-dev_*_amd64.deb')
step "packages: $(basename "$deb") $(basename "$sdk")"

base=$(time_step "Debian root image" "$root/packaging/debian-root.sh")
step "Debian root image: $base"
ensure_hello_image

public=$(free_port)
private=$(free_port "$public")
ctr=maelstrom-install-test-$$
work=$(mktemp -d)
before=$(managed_containers)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && docker inspect "$ctr" >/dev/null 2>&1; then
    echo "---- maelstromd log (in the container) ----"
    docker exec "$ctr" sh -c 'cat /tmp/maelstromd.log 2>/dev/null | tail -n 60' || true
  fi
  docker rm -f "$ctr" >/dev/null 2>&1 || true
  remove_new_managed_containers "$before"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

cp "$deb" "$sdk" "$root/etc/maelstrom.yml" "$root/tests/integration/packaging/complete.sh" "$work/"
mkdir -p "$apt_cache/archives/partial" "$apt_cache/lists/partial"

step "container $ctr from $base (network host, Docker socket, apt cache $apt_cache)"
docker run -d --init --name "$ctr" --network host \
  -v "$host_socket:/var/run/docker.sock" \
  -v "$apt_cache/archives:/var/cache/apt/archives" -v "$apt_cache/lists:/var/lib/apt/lists" \
  -v "$work:/pkg:ro" \
  -e MAEL_PUBLIC_PORT="$public" -e MAEL_PRIVATE_PORT="$private" \
  -e MAELSTROM_PRIVATE_URL="http://127.0.0.1:$private" \
  "$base" sleep infinity >/dev/null
in_ctr() { docker exec -i "$ctr" bash -euo pipefail -c "$1"; }

apt_opts="-y -q -o Dpkg::Options::=--force-unsafe-io -o APT::Keep-Downloaded-Packages=true"
time_step "apt-get update" in_ctr "apt-get -q update >/tmp/apt-update.log || { cat /tmp/apt-update.log; exit 1; }"
# Without recommends: the recommended docker.io would bring a second engine; the host's serves through the socket.
step "apt-get install --no-install-recommends ./$(basename "$deb") (dependencies from the mirror only)"
time_step "install" in_ctr "apt-get install $apt_opts --no-install-recommends ./pkg/$(basename "$deb") >/tmp/apt-install.log 2>&1 ||
  { tail -n 40 /tmp/apt-install.log; exit 1; }
  grep -E '^(Get|Need to get|[0-9]+ upgraded)' /tmp/apt-install.log | tail -n 3"
in_ctr 'dpkg-query -W -f="\${Status} \${Version}\n" maelstrom | grep -q "install ok installed"
  for f in /usr/bin/maelstromd /usr/bin/maelctl /etc/maelstrom/maelstromd.yml /lib/systemd/system/maelstromd.service \
           /usr/share/bash-completion/completions/maelctl; do [ -e "$f" ] || { echo "missing: $f"; exit 1; }; done
  ls /usr/lib/maelstrom/plugins/*.so >/dev/null
  getent passwd maelstrom >/dev/null || { echo "no maelstrom user"; exit 1; }
  [ "$(stat -c %U /var/lib/maelstrom)" = maelstrom ] || { echo "/var/lib/maelstrom is not owned by maelstrom"; exit 1; }
  dpkg-query -W -f="\${Conffiles}\n" maelstrom | grep -q " /etc/maelstrom/maelstromd.yml " ||
    { echo "/etc/maelstrom/maelstromd.yml is not a conffile"; exit 1; }
  maelstromd --version; maelctl --help >/dev/null 2>&1 || maelctl help >/dev/null 2>&1 || true'
pass "installed: binaries, plugins, conffile, unit, completion, maelstrom user owning /var/lib/maelstrom"

# As root, as an admin checks a changed configuration: it creates the SQLite file owned by root, which the
# unit's ExecStartPre hands back to the service's user before the start below.
step "maelstromd --check-config with the packaged registry (as root)"
in_ctr 'maelstromd --config /etc/maelstrom/maelstromd.yml --check-config >/tmp/check.out 2>&1 || { cat /tmp/check.out; exit 1; }
  grep -q "configuration OK" /tmp/check.out || { cat /tmp/check.out; exit 1; }
  ls -l /var/lib/maelstrom | sed -n "s/^/  /; /maelstrom.db\$/p"'
pass "check-config"

step "bad paths: a missing registry file; no Docker engine at the socket"
in_ctr 'rc=0; maelstromd --config /etc/maelstrom/missing.yml --check-config >/tmp/bad1.out 2>&1 || rc=$?
  [ "$rc" != 0 ] || { echo "a missing registry file was accepted"; exit 1; }
  grep -q "/etc/maelstrom/missing.yml" /tmp/bad1.out || { echo "the message does not name the file:"; cat /tmp/bad1.out; exit 1; }
  echo "  missing registry (exit $rc): $(head -n 1 /tmp/bad1.out)"
  rc=0; DOCKER_HOST=unix:///run/no-docker/docker.sock timeout 60 maelstromd --config /etc/maelstrom/maelstromd.yml \
    >/tmp/bad2.out 2>&1 || rc=$?
  [ "$rc" != 0 ] && [ "$rc" != 124 ] || { echo "maelstromd without a Docker engine: exit $rc"; tail -n 20 /tmp/bad2.out; exit 1; }
  grep -q "cannot reach the Docker daemon at unix:///run/no-docker/docker.sock" /tmp/bad2.out ||
    { echo "no clear message without a Docker engine:"; tail -n 20 /tmp/bad2.out; exit 1; }
  echo "  no Docker engine (exit $rc): $(grep -m1 "cannot reach" /tmp/bad2.out)"'
pass "bad paths fail with a message naming the cause"

step "maelstromd as the unit's ExecStart (public port $public, private port $private)"
in_ctr '
  unit=/lib/systemd/system/maelstromd.service
  value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
  exec_start=$(value ExecStart); exec_start=${exec_start#[-@+!:]}
  [ -n "$exec_start" ] || { echo "no ExecStart in $unit"; exit 1; }
  user=$(value User); group=$(value Group)
  echo "  ExecStart=$exec_start  User=${user:-root} Group=${group:-}"
  # Environment= and EnvironmentFile= as systemd applies them (KEY=VALUE lines).
  env_args=()
  for e in $(sed -n "s/^Environment=//p" "$unit"); do env_args+=("${e//\"/}"); done
  for f in $(sed -n "s/^EnvironmentFile=-\{0,1\}//p" "$unit"); do
    [ -r "$f" ] && while IFS= read -r l; do [[ "$l" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && env_args+=("$l"); done <"$f"
  done
  # The unit runs as User= (root without one); the socket belongs to the host'"'"'s docker group, which the
  # maelstrom user joins on a machine with docker.io installed: here that group is the socket'"'"'s gid.
  run=()
  if [ -n "$user" ] && [ "$user" != root ]; then
    uid=$(id -u "$user"); gid=$(getent group "${group:-$user}" | cut -d: -f3)
    groups=$(id -G "$user" | tr " " ,),$(stat -c %g /var/run/docker.sock)
    run=(setpriv --reuid="$uid" --regid="$gid" --groups="$groups" --inh-caps=-all)
  fi
  workdir=$(value WorkingDirectory); cd "${workdir:-/}"
  # ExecStartPre= lines first, in order: "+" runs with full privileges (root), "-" ignores a failure.
  while IFS= read -r pre; do
    [ -n "$pre" ] || continue
    prefix=${pre%%[!-@+!:]*}; cmd=${pre#"$prefix"}
    as=("${run[@]}"); [[ "$prefix" == *[+!]* ]] && as=()
    echo "  ExecStartPre=$pre"
    # shellcheck disable=SC2086
    env "${env_args[@]}" "${as[@]}" $cmd || [[ "$prefix" == *-* ]] || { echo "ExecStartPre failed: $pre"; exit 1; }
  done < <(sed -n "s/^ExecStartPre=//p" "$unit")
  # shellcheck disable=SC2086
  nohup env "${env_args[@]}" "${run[@]}" $exec_start >/tmp/maelstromd.log 2>&1 &
  echo $! >/tmp/maelstromd.pid'
wait_health "$private" "docker exec $ctr sh -c 'kill -0 \$(cat /tmp/maelstromd.pid)'"
in_ctr 'pid=$(cat /tmp/maelstromd.pid); echo "  running as $(ps -o user= -p "$pid" 2>/dev/null || stat -c %U /proc/$pid)"' || true
time_step "maelctl project put" in_ctr 'maelctl project put --file=/pkg/maelstrom.yml'
in_ctr 'maelctl project ls' | tee "$work/ls.out"
grep -q hello "$work/ls.out" || fail "maelctl project ls does not list hello"
request_hello "$public" cold
request_hello "$public" warm
pass "the packaged daemon serves the example project"

step "graceful stop (SIGTERM, as systemctl stop)"
in_ctr 'pid=$(cat /tmp/maelstromd.pid); kill -TERM "$pid"
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null || { echo "maelstromd did not stop within 60 s"; exit 1; }'
sleep 1
left=$(new_running_managed_containers "$before")
[ -z "$left" ] || fail "containers still running after the graceful stop: $left"
pass "stopped; no component container left running"

step "bash completion (bash-completion from apt)"
time_step "apt-get install bash-completion" in_ctr "apt-get install $apt_opts bash-completion >/tmp/apt-bc.log 2>&1 ||
  { tail -n 20 /tmp/apt-bc.log; exit 1; }"
completions() { in_ctr "/pkg/complete.sh '$1'"; }
got=$(completions 'maelctl pro')
echo "  maelctl pro<TAB>: $(echo $got)"
[ "$got" = project ] || fail "maelctl pro<TAB> should give project, got: $got"
got=$(completions 'maelctl project ')
echo "  maelctl project <TAB>: $(echo $got)"
for w in put ls rm; do grep -qx "$w" <<<"$got" || fail "maelctl project <TAB> lacks $w: $got"; done
pass "completion"

step "SDK: maelstrom-sdk-dev + cmake + g++ build the example plugin out of tree"
time_step "install SDK, cmake, g++" in_ctr "apt-get install $apt_opts --no-install-recommends ./pkg/$(basename "$sdk") cmake g++ make \
  >/tmp/apt-sdk.log 2>&1 || { tail -n 40 /tmp/apt-sdk.log; exit 1; }"
time_step "build lb-random" in_ctr 'src=/usr/share/doc/maelstrom-sdk-dev/examples/lb-random
  [ -r "$src/CMakeLists.txt" ] || { echo "no example at $src"; exit 1; }
  rm -rf /tmp/lb && cp -r "$src" /tmp/lb
  cmake -S /tmp/lb -B /tmp/lb/build -DCMAKE_BUILD_TYPE=Release >/tmp/lb.log 2>&1 &&
    cmake --build /tmp/lb/build -j2 >>/tmp/lb.log 2>&1 || { tail -n 40 /tmp/lb.log; exit 1; }
  ls /tmp/lb/build/lb-random.so'
in_ctr 'mkdir -p /tmp/plugins && cp /tmp/lb/build/lb-random.so /tmp/plugins/
  printf "plugin_dir: /tmp/plugins\n" >/tmp/describe.yml
  maelstromd --config /tmp/describe.yml --describe-plugin lb-random | tee /tmp/describe.out
  grep -qi "load" /tmp/describe.out
  # Through a registry: the packaged one with lb-random as the load balancer.
  cp /tmp/lb/build/lb-random.so /usr/lib/maelstrom/plugins/
  sed "/^  load_balancer:/,/plugin:/ s/plugin: .*/plugin: lb-random/" /etc/maelstrom/maelstromd.yml >/tmp/lb.yml
  grep -q "plugin: lb-random" /tmp/lb.yml
  maelstromd --config /tmp/lb.yml --check-config >/tmp/lbcheck.out 2>&1 || { cat /tmp/lbcheck.out; exit 1; }
  grep -q lb-random /tmp/lbcheck.out || { cat /tmp/lbcheck.out; exit 1; }
  rm /usr/lib/maelstrom/plugins/lb-random.so'
pass "lb-random built against the installed SDK loads (describe-plugin, registry)"

step "apt-get remove keeps the conffiles; purge removes them and /var/lib/maelstrom"
in_ctr "apt-get remove $apt_opts maelstrom >/tmp/rm.log 2>&1 || { tail -n 20 /tmp/rm.log; exit 1; }
  [ ! -e /usr/bin/maelstromd ] || { echo 'maelstromd still installed after remove'; exit 1; }
  for f in /etc/maelstrom/maelstromd.yml /etc/default/maelstromd; do [ -e \$f ] || { echo \"remove deleted \$f\"; exit 1; }; done
  dpkg-query -W -f='\${db:Status-Abbrev}\n' maelstrom | grep -q '^rc' || { echo 'not in state rc after remove'; exit 1; }
  apt-get purge $apt_opts maelstrom >/tmp/purge.log 2>&1 || { tail -n 20 /tmp/purge.log; exit 1; }
  for f in /etc/maelstrom/maelstromd.yml /etc/default/maelstromd; do [ ! -e \$f ] || { echo \"purge left \$f\"; exit 1; }; done
  [ ! -e /var/lib/maelstrom ] || { echo 'purge left /var/lib/maelstrom'; exit 1; }
  if getent passwd maelstrom >/dev/null; then echo '  purge keeps the system user maelstrom (Debian practice)'; \
    else echo '  purge removed the maelstrom user'; fi"
pass "remove/purge"

echo "install-test: OK in $SECONDS s"
