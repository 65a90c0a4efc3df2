#!/usr/bin/env bash
# deps.sh — installs the Debian packages maelstrom needs. Idempotent: installs only what is missing, so a
# second run takes a second. Run as root (or with sudo available).
#   packaging/deps.sh          everything: build, run, and the test backends (tests/run.sh)
#   packaging/deps.sh run      what building and running maelstromd needs (packaging/quickstart.sh)
set -euo pipefail

profile=${1:-all}

run_packages=(
  build-essential cmake pkg-config git ca-certificates curl
  libpoco-dev libboost-dev libboost-filesystem-dev libyaml-cpp-dev libcppunit-dev
  default-libmysqlclient-dev libpq-dev libsqlite3-dev
  docker.io
  # IANA time zones for cron schedules' CRON_TZ= prefixes (the SDK's cron_schedule.h reads /usr/share/zoneinfo)
  tzdata
  # packaging/build-deb.sh: CPack finds the ELF files for dpkg-shlibdeps (dpkg-dev, part of build-essential) with file
  file
)
test_packages=(
  # fuzzing (libFuzzer); the layout check and the clang-tidy profile (tests/lint.sh)
  clang libclang-rt-14-dev clang-format clang-tidy
  # test backends: databases, local registry (docker.io is in run_packages)
  mariadb-server postgresql
  docker-registry apache2-utils
  # benchmarks
  wrk nginx-light
  # tools used by the scripts
  procps iproute2 psmisc
  # a pseudo-terminal for maelctl's colour and progress output (tests/integration/maelctl)
  tmux
  # throwaway certificates in the AWS client's HTTPS tests
  openssl
  # the cluster suite's network-namespace variant: database relay into the namespaces, forwarding rule
  socat iptables
  # the clean-machine install test and the maelstromd image: a minimal Debian root (packaging/debian-root.sh)
  debootstrap debian-archive-keyring
  # the packages' contents test: lintian, the unit check (systemd-analyze), its sandbox check (strace), zsh completion
  lintian systemd strace zsh
  # the metrics scrape test: Prometheus scraping a real maelstromd (tests/integration/metrics)
  prometheus
  # the local AWS endpoints (tests/services/aws: sqslite, installed by start-sqs.sh with npm, and the fakes)
  nodejs npm
  # Let's Encrypt's test ACME server and its DNS for the TLS tests (tests/services/start-pebble.sh)
  pebble
)

case "$profile" in
  all) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  run) packages=("${run_packages[@]}") ;;
  *) echo "deps.sh: unknown profile '$profile' (all or run)" >&2; exit 2 ;;
esac

# Installed, or provided by an installed package (NodeSource's nodejs provides npm and conflicts with Debian's).
present() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
  local provides # read whole first: with pipefail, grep -q ending early would fail the pipeline on SIGPIPE
  provides=$(dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null)
  grep -qE "^ii .*[ ,]$1([ ,(]|\$)" <<<"$provides"
}

missing=()
for p in "${packages[@]}"; do
  if ! present "$p"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps.sh: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "deps.sh: installing ${missing[*]}"
# Services must not start on install (the test and quickstart scripts start them on loopback themselves).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps.sh: done"
