#!/usr/bin/env bash
# complete.sh <command line> — what bash completion offers at the end of the line (one word a line, sorted), as
# an interactive shell would at <TAB>: bash-completion loads the command's completion on demand.
set -uo pipefail
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion
line=$1
read -ra COMP_WORDS <<<"$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMPREPLY=()
cmd=${COMP_WORDS[0]}
_completion_loader "$cmd" >/dev/null 2>&1
spec=$(complete -p "$cmd" 2>/dev/null) || { echo "no bash completion registered for $cmd" >&2; exit 1; }
[[ "$spec" == *" -F "* ]] || { echo "unexpected completion spec: $spec" >&2; exit 1; }
fn=${spec##* -F }
fn=${fn%% *}
prev=""
((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
"$fn" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "$prev"
printf '%s\n' "${COMPREPLY[@]}" | sed 's/ *$//' | sort
