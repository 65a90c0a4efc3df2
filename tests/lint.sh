#!/usr/bin/env bash
# lint.sh — the repository's C++ layout and static checks.
#
#   tests/lint.sh                    every tracked .cpp/.h file formatted as .clang-format says (clang-format
#                                    --dry-run); lists the files that are not and exits 1. A ctest (format-check).
#   tests/lint.sh --fix              formats those files in place.
#   tests/lint.sh --tidy [<build>]   clang-tidy with .clang-tidy over the sources of core, cli, plugins and the
#                                    SDK, using <build>/compile_commands.json (default build-tests); slow (about
#                                    15 s a file), so not part of tests/run.sh.
# Missing clang-format or clang-tidy (packaging/deps.sh installs them) is a failure, not a skip.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
mode=${1:-check}

sources() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files -- '*.cpp' '*.h'
  else
    find core cli plugins plugin-sdk tests -name '*.cpp' -o -name '*.h'
  fi
}

case "$mode" in
  check|--fix)
    command -v clang-format >/dev/null || { echo "lint.sh: clang-format is not installed (packaging/deps.sh)" >&2; exit 2; }
    bad=()
    while IFS= read -r f; do
      [ -f "$f" ] || continue
      if [ "$mode" = --fix ]; then
        clang-format -i "$f"
      elif ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
      fi
    done < <(sources)
    if ((${#bad[@]})); then
      printf 'lint.sh: not formatted as .clang-format says (tests/lint.sh --fix): %s\n' "${bad[@]}" >&2
      echo "lint.sh: ${#bad[@]} file(s) to format" >&2
      exit 1
    fi
    echo "lint.sh: layout ok"
    ;;
  --tidy)
    build=${2:-$root/build-tests}
    command -v clang-tidy >/dev/null || { echo "lint.sh: clang-tidy is not installed (packaging/deps.sh)" >&2; exit 2; }
    [ -f "$build/compile_commands.json" ] || { echo "lint.sh: no $build/compile_commands.json (configure first)" >&2; exit 2; }
    sources | grep -E '^(core|cli|plugins|plugin-sdk)/.*\.cpp$' |
      xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null | tee "$build/clang-tidy.log"
    if grep -qE '(warning|error):' "$build/clang-tidy.log"; then
      echo "lint.sh: clang-tidy findings above (also in $build/clang-tidy.log)" >&2
      exit 1
    fi
    echo "lint.sh: clang-tidy clean"
    ;;
  *) echo "usage: tests/lint.sh [--fix | --tidy [<build dir>]]" >&2; exit 2 ;;
esac
