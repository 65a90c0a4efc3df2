#!/usr/bin/env bash
# build.sh [maelstrom_<version>_amd64.deb] — builds the maelstromd image from the package (default: the newest
# in build-pkg/packages, made by packaging/build-deb.sh) on the cached Debian root (packaging/debian-root.sh).
# Tags maelstrom/maelstromd:<package version> and maelstrom/maelstromd:latest; prints the first tag.
# Uses the classic builder (Debian's docker.io ships no buildx); apt in the build uses the host's network.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

deb=${1:-}
if [ -z "$deb" ]; then
  deb=$(ls -t "$root"/build-pkg/packages/maelstrom_*_amd64.deb 2>/dev/null | head -n 1 || true)
  [ -n "$deb" ] || { echo "build.sh: no package in build-pkg/packages (packaging/build-deb.sh makes it)" >&2; exit 2; }
fi
[ -r "$deb" ] || { echo "build.sh: $deb is not readable" >&2; exit 2; }
[ "$(dpkg-deb -f "$deb" Package)" = maelstrom ] || { echo "build.sh: $deb is not the maelstrom package" >&2; exit 2; }
version=$(dpkg-deb -f "$deb" Version)
# "a (>= 1), b | c" -> "a b": apt installs these from the mirror, dpkg then checks the versions.
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' |
  grep -v '^$' | sort -u | tr '\n' ' ')

base=$("$root/packaging/debian-root.sh")
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$root/packaging/image/Dockerfile" "$ctx/"
cp "$deb" "$ctx/maelstrom.deb"
tag=maelstrom/maelstromd:${version//\~/_}
previous=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
echo "build.sh: $tag from $(basename "$deb") on $base" >&2
if ! DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE="$base" --build-arg DEPENDS="$depends" \
  --label org.opencontainers.image.title=maelstromd --label org.opencontainers.image.version="$version" \
  -t "$tag" -t maelstrom/maelstromd:latest "$ctx" >"$ctx/build.log" 2>&1; then
  tail -n 40 "$ctx/build.log" >&2
  echo "build.sh: docker build failed" >&2
  exit 1
fi
# A rebuilt package leaves the previous image untagged: remove it (the dependency layer below it stays cached).
current=$(docker image inspect -f '{{.Id}}' "$tag")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
echo "$tag"
