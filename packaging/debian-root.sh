#!/usr/bin/env bash
# debian-root.sh — a minimal Debian 12 (bookworm) root as a local Docker image, for testing the packages on a
# clean machine and as the base of the maelstromd container image. Prints the image's tag on stdout.
#   - made with `debootstrap --variant=minbase` from this machine's configured Debian mirror (the first
#     deb.debian.org-style entry of /etc/apt/sources.list or /etc/apt/sources.list.d/*.{list,sources}; override
#     with MAELSTROM_DEBIAN_MIRROR); the root's own sources.list carries the machine's Debian entries for bookworm
#     (main, updates, security), so apt inside it reaches the same mirror and nothing else;
#   - imported with `docker import`; nothing is pulled from a registry;
#   - cached: the tag is maelstrom-test/debian-root:bookworm-<hash> (hash of the debootstrap parameters, the
#     mirror and the sources), the root's tarball is kept in $MAELSTROM_TEST_CACHE (default
#     /var/cache/maelstrom-tests). An existing image is reused as is (well under a second); a missing image is
#     re-imported from the tarball (seconds); only without both does debootstrap run (a few minutes, once).
# Needs root, debootstrap (packaging/deps.sh), debian-archive-keyring and a Docker engine.
#   packaging/debian-root.sh [--rebuild]
set -euo pipefail

rebuild=false
case "${1:-}" in
  --rebuild) rebuild=true ;;
  "") ;;
  *) echo "usage: $0 [--rebuild]" >&2; exit 2 ;;
esac

suite=bookworm
variant=minbase
arch=amd64
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cache=${MAELSTROM_TEST_CACHE:-/var/cache/maelstrom-tests}
format=1 # bump when what this script puts into the root changes

log() { echo "debian-root: $*" >&2; }
die() { log "$*"; exit 1; }

# "uri suite component..." for every deb entry of the machine's apt sources (one-line and deb822 formats).
apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    sed -e 's/#.*//' "$f" | awk '$1 == "deb" {
      i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      line = $i; for (j = i + 1; j <= NF; j++) line = line " " $j; print line }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # Stanzas separated by blank lines; one output line per (URI, suite) pair of a "Types: deb" stanza.
    awk 'function flush() {
           if (types ~ /(^| )deb( |$)/ && enabled != "no")
             for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) print uris[u], suites[s], comps
           types = ""; nu = 0; ns = 0; comps = ""; enabled = "" }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); next }
         { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
           if (key == "types") types = $0
           else if (key == "uris") nu = split($0, uris, " ")
           else if (key == "suites") ns = split($0, suites, " ")
           else if (key == "components") comps = $0
           else if (key == "enabled") enabled = tolower($0) }
         END { flush() }' "$f"
  done
}

# The Debian entries for bookworm: a suite of bookworm, bookworm-updates or bookworm-security from a URI
# ending in /debian or /debian-security (other vendors' repositories, e.g. Node or Google, are left out).
debian_entries=$(apt_entries | awk -v s="$suite" '
  ($2 == s || $2 == s "-updates" || $2 == s "-security") && $1 ~ /\/debian(-security)?\/?$/ { print }' | sort -u)

mirror=${MAELSTROM_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(awk -v s="$suite" '$2 == s && $1 ~ /\/debian\/?$/ { print $1; exit }' <<<"$debian_entries")
fi
[ -n "$mirror" ] || die "no Debian mirror for $suite in /etc/apt/sources.list or /etc/apt/sources.list.d/ (set MAELSTROM_DEBIAN_MIRROR)"
mirror=${mirror%/}

# The root's sources.list: the machine's Debian entries, or just the mirror when the override is not among them.
sources=$(awk '{ line = "deb " $1 " " $2; for (i = 3; i <= NF; i++) line = line " " $i; print line }' <<<"$debian_entries")
if ! grep -qF "deb $mirror $suite " <<<"$sources "; then
  sources=$(printf 'deb %s %s main\n%s' "$mirror" "$suite" "$(grep -v "^deb [^ ]* $suite " <<<"$sources" || true)")
fi

hash=$(printf '%s\n' "format=$format" "suite=$suite" "variant=$variant" "arch=$arch" "mirror=$mirror" "$sources" |
  sha256sum | cut -c1-12)
tag=maelstrom-test/debian-root:$suite-$hash
tarball=$cache/debian-root-$suite-$hash.tar

command -v docker >/dev/null || die "docker is not installed (packaging/deps.sh)"
mkdir -p "$cache"
exec 9>"$cache/debian-root.lock"
flock 9 # one debootstrap at a time; a second caller waits and then finds the image

if $rebuild; then
  docker image rm -f "$tag" >/dev/null 2>&1 || true
  rm -f "$tarball"
fi
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

if [ ! -s "$tarball" ]; then
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (packaging/deps.sh installs it)"
  [ -r "$keyring" ] || die "$keyring is missing (apt-get install debian-archive-keyring)"
  work=$(mktemp -d "$cache/root.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  log "debootstrap --variant=$variant $suite from $mirror (once; cached as $tarball)"
  start=$SECONDS
  if ! debootstrap --variant="$variant" --arch="$arch" --keyring="$keyring" "$suite" "$work/root" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [ -r "$work/root/debootstrap/debootstrap.log" ] && tail -n 30 "$work/root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  printf '%s\n' "$sources" >"$work/root/etc/apt/sources.list"
  # A container, not a booted machine: services must not start from maintainer scripts (as in Debian's images).
  printf '#!/bin/sh\nexit 101\n' >"$work/root/usr/sbin/policy-rc.d"
  chmod 755 "$work/root/usr/sbin/policy-rc.d"
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages* \
    "$work/root/var/log/"*.log
  : >"$work/root/etc/hostname"
  tar --numeric-owner --xattrs -C "$work/root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  log "root made in $((SECONDS - start)) s"
fi

log "importing $tarball as $tag"
docker import \
  -c 'ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive' \
  -c 'CMD ["/bin/bash"]' \
  -c "LABEL maelstrom-test=true maelstrom.debian-root.mirror=$mirror" \
  "$tarball" "$tag" >/dev/null
echo "$tag"
