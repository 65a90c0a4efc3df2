#!/usr/bin/env bash
# run.sh — the single test command: from a bare Debian machine to "N passed, N failed".
#   1. installs the Debian packages (packaging/deps.sh, idempotent);
#   2. configures and builds with AddressSanitizer + UBSan (build dir: $MAELSTROM_TEST_BUILD_DIR or build-tests/);
#   3. starts the backends the tests need when they are not already running (tests/services/start-*.sh:
#      databases, dockerd, the local registry), all on loopback;
#   4. runs ctest, one test at a time unless MAELSTROM_TEST_JOBS says more (extra arguments are passed to ctest,
#      e.g. `tests/run.sh -L unit`);
#   5. prints the summary line.
# MAELSTROM_REQUIRE_BACKENDS=1 is set: a test whose backend is missing fails instead of skipping.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${MAELSTROM_TEST_BUILD_DIR:-$root/build-tests}
jobs=${MAELSTROM_JOBS:-$(nproc)}

step() { echo "==> $*"; }
die() { echo "run.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

step "dependencies"
"$root/packaging/deps.sh" || die "packaging/deps.sh failed"

step "configure ($build, ASan+UBSan)"
# Each fuzz-* test fuzzes for MAELSTROM_FUZZ_SECONDS (30 here to keep the whole run within the CI budget; set it
# higher for a soak). Debug information is line tables only (-g1): sanitizer reports keep function, file and line,
# and the build takes about a third less time than with full -g.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DMAELSTROM_SANITIZE=ON -DMAELSTROM_BUILD_TESTS=ON -DMAELSTROM_FUZZ_SECONDS="${MAELSTROM_FUZZ_SECONDS:-30}" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; die "cmake configure failed"; }

step "build (-j$jobs)"
cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1 || { tail -n 60 "$build.build.log"; die "build failed"; }
grep -E "warning:" "$build.build.log" | sort -u | head -n 20

step "backends"
for s in "$root"/tests/services/start-*.sh; do
  [ -e "$s" ] || continue
  echo "--- $(basename "$s")"
  bash "$s" || die "$(basename "$s") could not start its backend"
done

export MAELSTROM_REQUIRE_BACKENDS=1
# Sanitizers: fail on the first error; leak checking stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan-suppressions.txt:print_suppressions=0}

# One test at a time by default: several unit suites drive fake clocks against real threads and, beside a Docker
# test on a 2-core machine, miss their real-time slices. MAELSTROM_TEST_JOBS=2 runs two at a time, the
# RESOURCE_LOCKs of tests/CMakeLists.txt keeping the ones that share a server, restart one, measure timings or burn
# CPU apart (about 5 minutes faster here).
test_jobs=${MAELSTROM_TEST_JOBS:-1}
step "ctest (-j$test_jobs)"
log="$build/ctest.log"
(cd "$build" && ctest --output-on-failure --timeout 900 -j "$test_jobs" "$@") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

summary=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
echo "$((total - failed)) passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
