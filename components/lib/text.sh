# ---- catalog helpers: values, list inputs and quoting ----------------------------------------

# catalog_is_uint <value>: true for a whole number (digits only).
catalog_is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
# catalog_matches <ERE> <value>: true when the value matches the extended regular expression.
# grep matches line by line, so a value with a newline never matches: its first line could, and
# the next would go on into argv and into a dotenv report, as a variable of its own.
catalog_matches() {
  case $2 in *'
'*) return 1 ;; esac
  printf '%s\n' "$2" | grep -Eq -e "$1"
}

# catalog_check_dotenv_prefix <prefix> [<reserved name> ...]: dies unless the prefix is an
# upper-case variable name and neither a reserved name nor under one (`<name>_…`): the keys a
# dotenv report writes become variables of later jobs, where they must not override the
# components' own settings.
catalog_check_dotenv_prefix() {
  catalog_p_prefix=$1
  shift
  case $catalog_p_prefix in '' | [!A-Z]* | *[!A-Z0-9_]*) catalog_die "dotenv-prefix '$catalog_p_prefix' is not an upper-case variable name" ;; esac
  for catalog_p_reserved in "$@"; do
    case $catalog_p_prefix in "$catalog_p_reserved" | "$catalog_p_reserved"_*)
      catalog_die "dotenv-prefix '$catalog_p_prefix' would override the components' own settings in later jobs" ;;
    esac
  done
}

# catalog_words <value>: a list input (docs/inputs.md), one item per line: spaces, tabs, commas and
# newlines separate items; empty items (a variable that is not set) are dropped.
catalog_words() { printf '%s\n' "$1" | tr ',' ' ' | tr -s '[:space:]' '\n' | sed -e '/^$/d'; }
# catalog_lines <value>: a multi-line input, one item per line, trimmed; blank lines and `#`
# comments dropped.
catalog_lines() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^#/d'; }

# catalog_quote <value>: the value as one shell word (single-quoted unless it needs no quotes),
# for a log line a reader can paste into a shell.
catalog_quote() {
  case $1 in
    '') printf "''\n" ;;
    *[!A-Za-z0-9_@%+=:,./-]*)
      catalog_q_rest=$1 catalog_q_out=
      while :; do
        case $catalog_q_rest in
          *\'*)
            catalog_q_out="$catalog_q_out${catalog_q_rest%%\'*}'\\''"
            catalog_q_rest=${catalog_q_rest#*\'}
            ;;
          *) break ;;
        esac
      done
      printf "'%s%s'\n" "$catalog_q_out" "$catalog_q_rest"
      ;;
    *) printf '%s\n' "$1" ;;
  esac
}

# catalog_shown <arguments>: a command line for the job log, each argument quoted, the value of
# every build argument (`--build-arg K=V`, `--build-arg=K=V`) shown as `***`: values can hold
# tokens, and the log is readable by anyone who can see the job.
catalog_shown() {
  catalog_s_hide=false
  catalog_s_line=
  for catalog_s_arg in "$@"; do
    if [ "$catalog_s_hide" = true ] && [ "${catalog_s_arg#*=}" != "$catalog_s_arg" ]; then
      catalog_s_arg="$(catalog_quote "${catalog_s_arg%%=*}")=***"
    else
      case $catalog_s_arg in
        --build-arg=*=*)
          catalog_s_arg=${catalog_s_arg#--build-arg=}
          catalog_s_arg="--build-arg=$(catalog_quote "${catalog_s_arg%%=*}")=***"
          ;;
        *) catalog_s_arg=$(catalog_quote "$catalog_s_arg") ;;
      esac
    fi
    if [ "$catalog_s_arg" = --build-arg ]; then catalog_s_hide=true; else catalog_s_hide=false; fi
    catalog_s_line="$catalog_s_line${catalog_s_line:+ }$catalog_s_arg"
  done
  printf '%s\n' "$catalog_s_line"
}
