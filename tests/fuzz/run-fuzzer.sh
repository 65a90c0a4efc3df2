#!/usr/bin/env bash
# run-fuzzer.sh — builds one libFuzzer target with clang++ (ASan + UBSan + libFuzzer) and runs it for a
# bounded time; exits non-zero on any crash, sanitizer report, leak, timeout or OOM, or when it cannot build.
#
#   tests/fuzz/run-fuzzer.sh <name> <seconds> [<work-dir>]
#
# A target is a folder tests/fuzz/<name>/ holding:
#   fuzz_target.cpp   defines LLVMFuzzerTestOneInput
#   sources.txt       repository sources compiled with it, one path per line relative to the repository root
#                     ('#' comments and blank lines allowed); their folders are on the include path
#   corpus/           seed inputs (read only: new inputs go to <work-dir>/corpus)
#   flags.txt         optional: extra compiler/linker flags, one or more per line
#   dict              optional: a libFuzzer dictionary
# Always on the include path: plugin-sdk/include, plugin-sdk/src, core (for "common/..."); always linked: yaml-cpp, Poco JSON and
# Foundation (Debian's, not instrumented: fine for libFuzzer, which instruments our code).
# Missing clang or its fuzzer runtime (packages clang, libclang-rt-14-dev) is a failure, not a skip.
# <work-dir> (default: build-fuzz/<name> under the current directory) receives the binary, the working corpus,
# the log and any crash-* / leak-* / timeout-* artifact. The binary is rebuilt only when a source is newer.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <name> <seconds> [<work-dir>]" >&2
  exit 2
fi
name=$1
seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
target_dir=$root/tests/fuzz/$name
work=${3:-$PWD/build-fuzz/$name}

fail() { echo "run-fuzzer.sh [$name]: FAIL: $*" >&2; exit 1; }

[ -f "$target_dir/fuzz_target.cpp" ] || fail "no $target_dir/fuzz_target.cpp"
[ -f "$target_dir/sources.txt" ] || fail "no $target_dir/sources.txt"
[[ "$seconds" =~ ^[0-9]+$ ]] || fail "seconds must be a whole number, got '$seconds'"
cxx=${MAELSTROM_FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
[ -n "$cxx" ] || fail "clang++ not found (install the Debian packages clang and libclang-rt-14-dev: packaging/deps.sh)"

mkdir -p "$work/corpus" || fail "cannot create $work"
binary=$work/fuzz-$name

sources=("$target_dir/fuzz_target.cpp")
includes=(-I"$target_dir" -I"$root/plugin-sdk/include" -I"$root/plugin-sdk/src" -I"$root/core")
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%%#*}
  line=$(echo "$line" | xargs)
  [ -n "$line" ] || continue
  [ -f "$root/$line" ] || fail "sources.txt lists $line, which does not exist"
  sources+=("$root/$line")
  includes+=(-I"$(dirname "$root/$line")")
done <"$target_dir/sources.txt"
extra=()
if [ -f "$target_dir/flags.txt" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    [ -n "${line// /}" ] || continue
    read -r -a words <<<"$line"
    extra+=("${words[@]}")
  done <"$target_dir/flags.txt"
fi

rebuild=1
if [ -x "$binary" ]; then
  rebuild=0
  for f in "${sources[@]}" "$target_dir/sources.txt" "$0" $( [ -f "$target_dir/flags.txt" ] && echo "$target_dir/flags.txt"); do
    [ "$f" -nt "$binary" ] && rebuild=1
  done
  # Headers of the listed folders too.
  for dir in $(printf '%s\n' "${includes[@]#-I}" | sort -u); do
    [ -n "$(find "$dir" -maxdepth 1 -name '*.h' -newer "$binary" -print -quit 2>/dev/null)" ] && rebuild=1
  done
fi
if [ "$rebuild" = 1 ]; then
  echo "run-fuzzer.sh [$name]: building with $cxx (${#sources[@]} sources)"
  "$cxx" -std=c++20 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "${includes[@]}" $(pkg-config --cflags yaml-cpp 2>/dev/null) \
    "${sources[@]}" "${extra[@]}" \
    -lyaml-cpp -lPocoJSON -lPocoFoundation -lpthread \
    -o "$binary.tmp" >"$work/build.log" 2>&1 || {
      tail -n 40 "$work/build.log" >&2
      grep -q "libclang_rt.fuzzer" "$work/build.log" && echo "run-fuzzer.sh: the libFuzzer runtime is missing: install libclang-rt-14-dev" >&2
      fail "build failed (log: $work/build.log)"
    }
  mv "$binary.tmp" "$binary"
fi

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/" "$work/corpus")
[ -d "$target_dir/corpus" ] && args+=("$target_dir/corpus")
[ -f "$target_dir/dict" ] && args=(-dict="$target_dir/dict" "${args[@]}")

echo "run-fuzzer.sh [$name]: running for ${seconds}s (log: $work/fuzz.log)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$binary" "${args[@]}" >"$work/fuzz.log" 2>&1
rc=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$work/fuzz.log" | sed "s/^/run-fuzzer.sh [$name]: /"
if [ "$rc" != 0 ]; then
  tail -n 60 "$work/fuzz.log" >&2
  fail "the fuzzer stopped with exit code $rc (artifacts in $work/)"
fi
echo "run-fuzzer.sh [$name]: PASS (no crash in ${seconds}s)"
