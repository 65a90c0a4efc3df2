#!/usr/bin/env bash
# package_contents_test.sh <pkg-dir> — the two .debs of packaging/build-deb.sh checked without installing them
# (<pkg-dir>/debs.txt lists their paths; the package-build test writes it):
#   1. contents: the installed layout (binaries, every plugin, conffiles, unit, completions, man pages, Debian docs;
#      SDK headers, library link, CMake package, example), nothing of the SDK in maelstrom and the reverse;
#   2. control: DEBIAN/conffiles, maintainer scripts (sh -n), Depends computed from the libraries (libpoco, and the
#      plugins' libpq and MariaDB client), Recommends docker.io, sdk-dev Depends on maelstrom of its version;
#   3. binaries: no RPATH, stripped; extracted to a scratch root, maelstromd resolves its plugin directory to
#      <root>/usr/lib/maelstrom/plugins and describes a packaged plugin;
#   4. the unit: the lines the contract fixes, `systemd-analyze verify` on the extracted root, and its sandbox
#      (system call filter, socket families, no W+X memory) against an strace of the packaged maelstromd serving;
#   5. bash and zsh completion from the package, with the packaged maelctl;
#   6. find_package(MaelstromSDK) from the extracted root builds the shipped lb-random example;
#   7. lintian: no error or warning (overrides in the packages say why for the rest);
#   8. bad input: build-deb.sh with an unusable build directory fails with a message and prints no path.
set -euo pipefail

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "  ok: $*"; }
step() { echo "==> $*"; }

[ $# -eq 1 ] || { echo "usage: $0 <pkg-dir with debs.txt>" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
list=$1/debs.txt
[ -f "$list" ] || fail "no $list (the package-build test writes it: packaging/build-deb.sh <dir> > <dir>/debs.txt)"
mapfile -t debs <"$list"
[ "${#debs[@]}" -eq 2 ] || fail "$list lists ${#debs[@]} packages, expected 2: $(cat "$list")"
deb=${debs[0]}
sdk=${debs[1]}
[[ $(basename "$deb") == maelstrom_*_amd64.deb ]] || fail "first line of $list is not maelstrom_*_amd64.deb: $deb"
[[ $(basename "$sdk") == maelstrom-sdk-dev_*_amd64.deb ]] || fail "second line is not maelstrom-sdk-dev_*: $sdk"
for f in "$deb" "$sdk"; do
  [[ $f == /* ]] || fail "not an absolute path: $f"
  [ -f "$f" ] || fail "missing: $f"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "contents of $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{ p = $6; if ($7 == "->") p = p " -> " $8; print p }' >"$work/deb.list"
plugins=(awsstepfunc cron docker jsonrpc-http least-outstanding mysql postgres round-robin sqlite sqs)
expected=(./usr/bin/maelstromd ./usr/bin/maelctl ./usr/lib/libmaelstrom-sdk.so.1
  ./etc/maelstrom/maelstromd.yml ./etc/default/maelstromd ./lib/systemd/system/maelstromd.service
  ./usr/share/bash-completion/completions/maelctl ./usr/share/zsh/vendor-completions/_maelctl
  ./usr/share/man/man8/maelstromd.8.gz ./usr/share/man/man1/maelctl.1.gz
  ./usr/share/doc/maelstrom/copyright ./usr/share/doc/maelstrom/changelog.Debian.gz
  ./usr/share/doc/maelstrom/examples/maelstrom-scrape.yml ./usr/share/doc/maelstrom/examples/maelstrom-dashboard.json)
for p in "${plugins[@]}"; do expected+=("./usr/lib/maelstrom/plugins/$p.so"); done
for p in "${expected[@]}"; do
  grep -q "^$p\( -> .*\)\?$" "$work/deb.list" || fail "$p not in $(basename "$deb"): $(cat "$work/deb.list")"
done
pass "${#expected[@]} paths present"
if grep -E '^\./usr/include|/cmake/|^\./usr/lib/libmaelstrom-sdk\.so( |$)|^\./usr/local|^\./usr/etc' "$work/deb.list"; then
  fail "SDK or misplaced files in $(basename "$deb") (above)"
fi
pass "no SDK files, nothing under /usr/local or /usr/etc"

step "contents of $(basename "$sdk")"
dpkg-deb -c "$sdk" | awk '{ p = $6; if ($7 == "->") p = p " -> " $8; print p }' >"$work/sdk.list"
for p in ./usr/include/maelstrom/sdk/sdk.h ./usr/include/maelstrom/sdk/plugin.h \
  "./usr/lib/libmaelstrom-sdk.so -> libmaelstrom-sdk.so.1" \
  ./usr/lib/cmake/MaelstromSDK/MaelstromSDKConfig.cmake ./usr/lib/cmake/MaelstromSDK/MaelstromSDKConfigVersion.cmake \
  ./usr/lib/cmake/MaelstromSDK/MaelstromSDKTargets.cmake ./usr/lib/cmake/MaelstromSDK/MaelstromPlugin.cmake \
  ./usr/share/doc/maelstrom-sdk-dev/examples/lb-random/CMakeLists.txt \
  ./usr/share/doc/maelstrom-sdk-dev/examples/lb-random/lb_random.cpp \
  ./usr/share/doc/maelstrom-sdk-dev/copyright ./usr/share/doc/maelstrom-sdk-dev/changelog.Debian.gz; do
  grep -qxF "$p" "$work/sdk.list" || fail "$p not in $(basename "$sdk"): $(cat "$work/sdk.list")"
done
if grep -E '^\./usr/bin/|/plugins/|^\./usr/lib/libmaelstrom-sdk\.so\.' "$work/sdk.list"; then
  fail "runtime files in $(basename "$sdk") (above)"
fi
pass "headers, library link, CMake package, example; no runtime files"

step "control files"
dpkg-deb -e "$deb" "$work/DEBIAN"
[ "$(sort "$work/DEBIAN/conffiles")" = "$(printf '/etc/default/maelstromd\n/etc/maelstrom/maelstromd.yml')" ] ||
  fail "DEBIAN/conffiles: $(cat "$work/DEBIAN/conffiles")"
pass "conffiles: $(tr '\n' ' ' <"$work/DEBIAN/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$work/DEBIAN/$s" ] || fail "DEBIAN/$s missing or not executable"
  sh -n "$work/DEBIAN/$s" || fail "DEBIAN/$s: syntax"
done
grep -q 'adduser maelstrom docker' "$work/DEBIAN/postinst" || fail "postinst does not add maelstrom to docker"
pass "postinst, prerm, postrm"
depends=$(dpkg-deb -f "$deb" Depends)
echo "  Depends: $depends"
for d in libc6 libstdc++6 libpoco libpq5 libmariadb3 libyaml-cpp adduser init-system-helpers; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d"
done
recommends=$(dpkg-deb -f "$deb" Recommends)
grep -q 'docker.io' <<<"$recommends" || fail "Recommends lacks docker.io: $recommends"
version=$(dpkg-deb -f "$deb" Version)
sdk_depends=$(dpkg-deb -f "$sdk" Depends)
echo "  sdk Depends: $sdk_depends"
for d in "maelstrom (= $version)" libboost-dev libpoco-dev; do
  grep -qF "$d" <<<"$sdk_depends" || fail "maelstrom-sdk-dev Depends lacks $d"
done
pass "Depends, Recommends ($recommends)"

step "binaries"
rootfs=$work/root
dpkg-deb -x "$deb" "$rootfs"
dpkg-deb -x "$sdk" "$rootfs"
mapfile -t elves < <(find "$rootfs/usr" -type f \( -name '*.so*' -o -path '*/bin/*' \))
for f in "${elves[@]}"; do
  file -b "$f" | grep -q 'ELF' || continue
  if readelf -d "$f" | grep -qE 'RPATH|RUNPATH'; then fail "$f has an RPATH: $(readelf -d "$f" | grep -E 'RPATH|RUNPATH')"; fi
  file -b "$f" | grep -q ', stripped' || fail "$f is not stripped"
done
pass "${#elves[@]} ELF files without RPATH, stripped"
export LD_LIBRARY_PATH=$rootfs/usr/lib
describe=$(env -u MAELSTROM_CONFIG "$rootfs/usr/bin/maelstromd" --describe-plugin round-robin 2>&1) ||
  fail "maelstromd --describe-plugin round-robin: $describe"
grep -qF "$rootfs/usr/lib/maelstrom/plugins/round-robin.so" <<<"$describe" ||
  fail "the plugin directory does not resolve to <root>/usr/lib/maelstrom/plugins: $describe"
pass "maelstromd finds its plugins in <root>/usr/lib/maelstrom/plugins"
grep -qE '^ *#? *plugin_dir: /usr/lib/maelstrom/plugins' "$rootfs/etc/maelstrom/maelstromd.yml" ||
  fail "the packaged maelstromd.yml does not document plugin_dir /usr/lib/maelstrom/plugins"
if grep -qE '^plugin_dir:' "$rootfs/etc/maelstrom/maelstromd.yml"; then
  fail "the packaged maelstromd.yml sets plugin_dir (the default relative to /usr/bin is the right one)"
fi
pass "maelstromd.yml leaves plugin_dir at its default"

step "systemd unit"
unit=$rootfs/lib/systemd/system/maelstromd.service
for line in 'Type=notify' 'User=maelstrom' 'ExecStart=/usr/bin/maelstromd --config /etc/maelstrom/maelstromd.yml' \
  'EnvironmentFile=-/etc/default/maelstromd' 'Restart=on-failure' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
  'ExecStartPre=+/bin/chown -R -h maelstrom:maelstrom /var/lib/maelstrom' \
  'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' 'ReadWritePaths=/var/lib/maelstrom' \
  'StateDirectory=maelstrom' 'After=network-online.target docker.service' 'Wants=network-online.target docker.service' \
  'WantedBy=multi-user.target'; do
  grep -qxF "$line" "$unit" || fail "maelstromd.service lacks the line $line"
done
grep -qE '^LimitNOFILE=[0-9]{6,}$' "$unit" || fail "maelstromd.service: LimitNOFILE below 100000"
pass "unit lines"
if command -v systemd-analyze >/dev/null; then
  # Against the extracted root (ExecStart must exist there), with the host's units beside it for the targets
  # the unit names; man: links and generators are not the package's business. A parse problem is only a
  # warning line (exit 0), so any output but docker.service's absence fails.
  cp -an /lib/systemd/system/. "$rootfs/lib/systemd/system/"
  # ExecStartPre's chown is coreutils' (Essential on every Debian system), not the package's.
  mkdir -p "$rootfs/bin"
  cp /bin/chown "$rootfs/bin/chown"
  out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$rootfs" --man=no --generators=no \
    /lib/systemd/system/maelstromd.service 2>&1) || fail "systemd-analyze verify: $out"
  if grep -v -E "Unit docker.service not found|network-online.target" <<<"$out" | grep -q .; then
    fail "systemd-analyze verify: $out"
  fi
  pass "systemd-analyze verify${out:+ (only: $(tr '\n' ' ' <<<"$out"))}"
else
  echo "  skipped systemd-analyze verify: systemd-analyze is not installed (Debian package systemd)"
fi

step "the unit's sandbox against what maelstromd does"
# The packaged maelstromd (SQLite, round-robin, JSON-RPC; no Docker needed) serves a health check and a maelctl
# call and stops, under strace: every system call must be in the unit's SystemCallFilter=@system-service, every
# socket family in RestrictAddressFamilies, and no mapping writable and executable (MemoryDenyWriteExecute).
command -v strace >/dev/null || fail "strace is not installed (packaging/deps.sh installs it)"
expand_filter() {
  systemd-analyze syscall-filter "$1" | sed -n '2,$p' | sed 's/^ *//' | grep -v -e '^#' -e '^$' |
    while read -r s; do case $s in @*) expand_filter "$s" ;; *) echo "$s" ;; esac; done
}
filter=$(grep '^SystemCallFilter=' "$unit" | cut -d= -f2)
expand_filter "$filter" | sort -u >"$work/allowed"
[ "$(wc -l <"$work/allowed")" -gt 100 ] || fail "systemd-analyze syscall-filter $filter: $(head -n 3 "$work/allowed")"
mkdir -p "$work/data"
printf 'services:\n  database:\n    plugin: sqlite\n  load_balancer:\n    plugin: round-robin\n  rpc_transport:\n    plugin: jsonrpc-http\n' >"$work/registry.yml"
port=$(comm -13 <(ss -Htln | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u) <(seq 20000 20999 | sort) | shuf -n 1)
MAEL_PRIVATE_PORT=$port MAEL_PUBLIC_PORT=0 MAEL_DATA_DIR=$work/data \
  strace -f -qq -o "$work/strace" "$rootfs/usr/bin/maelstromd" --config "$work/registry.yml" >"$work/daemon.log" 2>&1 &
tracer=$!
stop_daemon() { # SIGTERM to maelstromd itself (strace does not pass it on); SIGKILL after 20 s
  local pid
  pid=$(pgrep -P "$tracer" -x maelstromd) || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid"
  return 1
}
trap 'stop_daemon; rm -rf "$work"' EXIT
healthy=false
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_mael_health_check")" = 200 ] && healthy=true && break
  kill -0 "$tracer" 2>/dev/null || fail "maelstromd exited: $(cat "$work/daemon.log")"
  sleep 0.2
done
$healthy || fail "maelstromd under strace did not answer on port $port within 20 s: $(tail -n 20 "$work/daemon.log")"
MAELSTROM_PRIVATE_URL=http://127.0.0.1:$port "$rootfs/usr/bin/maelctl" comp ls >"$work/maelctl.out" 2>&1 ||
  fail "maelctl comp ls: $(cat "$work/maelctl.out")"
stop_daemon || fail "maelstromd did not stop within 20 s of SIGTERM: $(tail -n 20 "$work/daemon.log")"
wait "$tracer" || fail "maelstromd under strace did not stop cleanly: $(tail -n 20 "$work/daemon.log")"
trap 'rm -rf "$work"' EXIT
awk '{ l = $0; sub(/^[0-9]+ +/, "", l); if (match(l, /^[a-z0-9_]+\(/)) print substr(l, 1, RLENGTH - 1) }' \
  "$work/strace" | sort -u >"$work/used"
[ "$(wc -l <"$work/used")" -gt 20 ] || fail "strace saw $(wc -l <"$work/used") system calls"
outside=$(comm -23 "$work/used" "$work/allowed")
[ -z "$outside" ] || fail "system calls outside SystemCallFilter=$filter: $outside"
families=$(grep -o 'socket(AF_[A-Z0-9]*' "$work/strace" | cut -d'(' -f2 | sort -u)
for f in $families; do
  grep -qE "^RestrictAddressFamilies=.*\b$f\b" "$unit" || fail "socket family $f not in the unit's RestrictAddressFamilies"
done
if grep -E 'PROT_WRITE\|PROT_EXEC|PROT_EXEC\|PROT_WRITE' "$work/strace" | grep -q .; then
  fail "a writable and executable mapping (MemoryDenyWriteExecute): $(grep -m1 -E 'PROT_WRITE\|PROT_EXEC' "$work/strace")"
fi
pass "$(wc -l <"$work/used") system calls within $filter; socket families $(tr '\n' ' ' <<<"$families")allowed; no W+X mapping"

step "shell completion"
completes() { # completes <line>: bash's candidates for the end of the line, one line
  LC_ALL=C PATH=$rootfs/usr/bin:$PATH bash -c 'source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _maelctl
    printf "%s " "${COMPREPLY[@]}"' _ "$rootfs/usr/share/bash-completion/completions/maelctl" "$1"
}
expect_completion() {
  local got
  got=$(completes "$1")
  [ "$got" = "$2" ] || fail "bash: '$1' completes to '$got', expected '$2'"
}
expect_completion "maelctl pro" "project "
expect_completion "maelctl es ls --type=c" "cron "
expect_completion "maelctl es ls --output=" "json table "
expect_completion "maelctl nosuch " "--help "
contains_words() { # contains_words <line> <word...>: the line's candidates include each word
  local got w
  got=" $(completes "$1")"
  shift
  for w in "$@"; do
    [[ $got == *" $w "* ]] || fail "bash: '$line' offers '$got', without '$w'"
  done
}
line="maelctl project "
contains_words "$line" ls put rm
# Every command of maelctl's own usage text, and each of its options (a given one is not offered again).
mapfile -t usage < <("$rootfs/usr/bin/maelctl" --help | sed -n 's/^  maelctl //p')
[ "${#usage[@]}" -ge 10 ] || fail "maelctl --help lists ${#usage[@]} commands"
checked=0
for u in "${usage[@]}"; do
  words=${u%%[[<]*}
  words=${words% }
  read -ra first <<<"$words"
  line="maelctl ${first[0]:0:2}"
  contains_words "$line" "${first[0]}"
  flags=$(grep -oE '\[--[a-z-]+(=<[^]]*>)?\]' <<<"$u" | sed -E 's/^\[//; s/\]$//; s/=<.*/=/') || true
  [ -z "$flags" ] && continue
  line="maelctl $words --"
  # shellcheck disable=SC2086
  contains_words "$line" $flags
  given=$(head -n 1 <<<"$flags")
  arg=$given
  [[ $given == *= ]] && arg=${given}x
  got=$(completes "maelctl $words $arg --")
  [[ " $got" != *" $given "* ]] || fail "bash: '$given' offered again after it was given: $got"
  checked=$((checked + 1))
done
[ "$checked" -ge 8 ] || fail "only $checked commands with options in maelctl --help"
pass "bash completes commands, subcommands, options and values"
if command -v zsh >/dev/null; then
  zsh -n "$rootfs/usr/share/zsh/vendor-completions/_maelctl" || fail "_maelctl: zsh syntax"
  # The completion system's builtins replaced by functions that print what would be offered.
  zcompletes() {
    PATH=$rootfs/usr/bin:$PATH zsh -f -c '
      functions[_maelctl]=$(<$1); shift
      compadd() { while [[ $1 == -* ]]; do [[ $1 == -- ]] && { shift; break }; [[ $1 == -S ]] && shift; shift; done
        local c; for c in "$@"; do [[ $c == ${PREFIX}* ]] && print -rn -- "$c "; done; return 0 }
      compset() { PREFIX=${PREFIX#*=} }
      _files() { print -rn -- "<files> " }
      words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}; _maelctl' _ \
      "$rootfs/usr/share/zsh/vendor-completions/_maelctl" "$@"
  }
  [ "$(zcompletes maelctl es "")" = "ls enable disable rm --help " ] || fail "zsh: 'maelctl es ' gives '$(zcompletes maelctl es "")'"
  [ "$(zcompletes maelctl project put --f)" = "--file= " ] || fail "zsh: '--f' gives '$(zcompletes maelctl project put --f)'"
  [ "$(zcompletes maelctl project put --file=x)" = "<files> " ] || fail "zsh: --file= does not complete files"
  pass "zsh completes subcommands, options and file values"
else
  echo "  skipped the zsh completion check: zsh is not installed (packaging/deps.sh installs it)"
fi

step "find_package(MaelstromSDK) from the package"
example=$rootfs/usr/share/doc/maelstrom-sdk-dev/examples/lb-random
cmake -S "$example" -B "$work/lb-random" -DCMAKE_PREFIX_PATH="$rootfs/usr" -DCMAKE_BUILD_TYPE=Release >"$work/lb.log" 2>&1 ||
  fail "configuring lb-random against the packaged SDK: $(cat "$work/lb.log")"
cmake --build "$work/lb-random" >>"$work/lb.log" 2>&1 || fail "building lb-random: $(tail -n 30 "$work/lb.log")"
[ -f "$work/lb-random/lb-random.so" ] || fail "no lb-random.so"
grep -q "MaelstromSDK_DIR:PATH=$rootfs/usr/lib/cmake/MaelstromSDK" "$work/lb-random/CMakeCache.txt" ||
  fail "MaelstromSDK found elsewhere: $(grep MaelstromSDK_DIR "$work/lb-random/CMakeCache.txt")"
pass "lb-random.so built against $rootfs/usr/lib/cmake/MaelstromSDK"

step "lintian"
for f in "$deb" "$sdk"; do
  out=$(lintian --fail-on error,warning --tag-display-limit 0 "$f" 2>&1) || fail "lintian $(basename "$f"):
$out"
  pass "lintian $(basename "$f")${out:+ (info: $(tr '\n' ';' <<<"$out"))}"
done

step "bad input"
out=$("$root/packaging/build-deb.sh" /dev/null/pkg 2>"$work/bad.err") && fail "build-deb.sh /dev/null/pkg succeeded"
[ -z "$out" ] || fail "build-deb.sh printed a path on failure: $out"
grep -q . "$work/bad.err" || fail "build-deb.sh failed without a message"
pass "build-deb.sh /dev/null/pkg: $(head -n 1 "$work/bad.err")"

echo "package-contents: all checks passed"
