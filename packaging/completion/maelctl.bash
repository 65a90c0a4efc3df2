# bash completion for maelctl: commands, subcommands, options and the values of --type, --output, --file and
# --env. The commands and their options are read from `maelctl --help` (its usage lines, one per command, as
# "maelctl <words> [--flag=<value>] [--switch] <positional>"), so the completion follows the maelctl installed.

# The usage lines without the leading "maelctl ".
_maelctl_usage() {
    "${1:-maelctl}" --help 2>/dev/null | sed -n 's/^  maelctl //p'
}

# The command words of a usage line (up to the first "[" or "<").
_maelctl_words() {
    local w out=()
    for w in $1; do
        [[ $w == \[* || $w == \<* ]] && break
        out+=("$w")
    done
    echo "${out[*]}"
}

# The options of a usage line, "--name=" for those taking a value, "--name" for switches.
_maelctl_flags() {
    local w
    for w in $1; do
        w=${w#[}
        w=${w%]}
        [[ $w == --* ]] || continue
        if [[ $w == *=* ]]; then echo "${w%%=*}="; else echo "$w"; fi
    done
}

# Completes the value of option $1 (a name without dashes) starting with $2.
_maelctl_value() {
    case $1 in
        file | env) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
        type) COMPREPLY=($(compgen -W "http cron sqs awsstepfunc" -- "$2")) ;;
        output) COMPREPLY=($(compgen -W "json table" -- "$2")) ;;
        *) COMPREPLY=() ;;
    esac
}

_maelctl() {
    COMPREPLY=()
    # Words from the line itself: bash splits "--file=x" at "=", which is one word for maelctl.
    local line=${COMP_LINE:0:COMP_POINT} cur="" usage
    local -a words
    read -ra words <<<"$line"
    if [[ $line != *[[:space:]] && ${#words[@]} -gt 0 ]]; then
        cur=${words[-1]}
        unset 'words[-1]'
    fi
    usage=$(_maelctl_usage "${words[0]}")
    [[ -n $usage ]] || return 0

    # Options that take a value, from every command.
    local -A takes=()
    local u f
    while IFS= read -r u; do
        while IFS= read -r f; do
            [[ $f == *= ]] && takes[${f%=}]=1
        done < <(_maelctl_flags "$u")
    done <<<"$usage"

    # The command words typed so far (options and their values left out).
    local -a typed=()
    local i w prev=""
    for ((i = 1; i < ${#words[@]}; i++)); do
        w=${words[i]}
        if [[ $w == --* ]]; then
            [[ $w != *=* && -n ${takes[$w]:-} ]] && ((i++))
        else
            typed+=("$w")
        fi
    done
    ((${#words[@]} > 1)) && prev=${words[-1]}

    if [[ $cur == --*=* ]]; then
        f=${cur%%=*}
        _maelctl_value "${f#--}" "${cur#*=}"
        return 0
    fi
    if [[ $prev == --* && $prev != *=* && -n ${takes[$prev]:-} ]]; then
        _maelctl_value "${prev#--}" "$cur"
        return 0
    fi

    local -a candidates=()
    local cmd n k=${#typed[@]}
    local -a cw
    while IFS= read -r u; do
        cmd=$(_maelctl_words "$u")
        read -ra cw <<<"$cmd"
        n=${#cw[@]}
        if ((${#typed[@]} < n)); then
            # Still choosing the command: the next word of every command the typed words begin.
            [[ $cur == -* ]] && continue
            [[ "${cw[*]:0:k}" == "${typed[*]}" ]] && candidates+=("${cw[k]}")
        elif [[ " ${typed[*]:0:n} " == " $cmd " ]]; then
            # The command is complete: its options not given yet.
            while IFS= read -r f; do
                [[ " ${words[*]} " == *" ${f%=}"[=\ ]* ]] && continue
                candidates+=("$f")
            done < <(_maelctl_flags "$u")
        fi
    done <<<"$usage"
    [[ -z $cur || $cur == -* ]] && candidates+=(--help)

    COMPREPLY=($(compgen -W "$(printf '%s\n' "${candidates[@]}" | sort -u)" -- "$cur"))
    # "--name=" waits for its value.
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
complete -F _maelctl maelctl
