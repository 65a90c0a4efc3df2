#!/usr/bin/env bash
# build-deb.sh — builds the Debian packages maelstrom and maelstrom-sdk-dev (CPack, packaging/CMakeLists.txt).
#   packaging/build-deb.sh [build-dir]      build-dir defaults to <repo>/build-pkg
# Configures a Release tree (tests off, install prefix /usr, hardening flags from dpkg-buildflags), builds it
# (incrementally: a second run only repackages), runs `cpack -G DEB` and prints the absolute paths of the two
# .debs on stdout, one per line; everything else goes to stderr.
# MAELSTROM_BUILD_LOCK=<file>: hold that lock (flock) while building, for machines where builds take turns.
# MAELSTROM_BUILD_JOBS: parallel jobs (default: the number of cores).
# Needs: packaging/deps.sh (cmake, g++, the -dev libraries, dpkg-dev, fakeroot, file).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-pkg}
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${MAELSTROM_BUILD_JOBS:-$(nproc)}

exec 3>&1 1>&2 # stdout is for the package paths only

if [ -n "${MAELSTROM_BUILD_LOCK:-}" ]; then
  exec 9>"$MAELSTROM_BUILD_LOCK"
  echo "build-deb: waiting for $MAELSTROM_BUILD_LOCK"
  flock 9
fi

# Debian's hardening flags (fortify, stack protector, relro, bindnow), which lintian checks in the binaries;
# -g is left out: CPack strips the binaries anyway.
cd "$root" # dpkg-buildflags maps this directory to "." in the debug paths
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
cxxflags=$(sed -e 's/\(^\| \)-g\( \|$\)/ /g' -e 's/-O2//' <<<"$cxxflags")
ldflags=$(dpkg-buildflags --get LDFLAGS)

# Configured once: a configured tree re-runs CMake by itself when a CMakeLists changes, and configuring again on
# every run would stamp a new build date into the version header and recompile what includes it.
if ! grep -qx 'MAELSTROM_DEB:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "build-deb: configuring $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_BUILD_TESTS=OFF -DMAELSTROM_DEB=ON \
    -DCMAKE_INSTALL_PREFIX=/usr "-DCMAKE_CXX_FLAGS=$cxxflags" "-DCMAKE_EXE_LINKER_FLAGS=$ldflags" \
    "-DCMAKE_SHARED_LINKER_FLAGS=$ldflags" "-DCMAKE_MODULE_LINKER_FLAGS=$ldflags" >"$build/build-deb-configure.log" || {
    cat "$build/build-deb-configure.log"; echo "build-deb: configure failed"; exit 1; }
fi
echo "build-deb: building in $build (-j$jobs)"
cmake --build "$build" -j "$jobs" >"$build/build-deb-build.log" 2>&1 || {
  tail -n 60 "$build/build-deb-build.log"; echo "build-deb: build failed (full log: $build/build-deb-build.log)"; exit 1; }

rm -f "$build"/packages/*.deb
(cd "$build" && cpack -G DEB --config CPackConfig.cmake) >"$build/build-deb-cpack.log" 2>&1 || {
  cat "$build/build-deb-cpack.log"; echo "build-deb: cpack failed"; exit 1; }

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
revision=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_RELEASE "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
status=0
for pkg in maelstrom maelstrom-sdk-dev; do
  deb="$build/packages/${pkg}_${version}-${revision}_${arch}.deb"
  if [ -f "$deb" ]; then
    echo "$deb" >&3
  else
    echo "build-deb: $deb was not made (cpack log: $build/build-deb-cpack.log)"
    status=1
  fi
done
exit $status
