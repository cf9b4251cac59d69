# ---- catalog helpers: log sections and messages ---------------------------------------------
# Shared by every component (components/lib/). Each helper is named `catalog_*`: ecr-login's
# before_script runs in the job's own shell, where a consumer's own `die` or `retry` must keep
# working and must not replace ours. A component calls `catalog_init <its name>` first.

# catalog_init <component>: the name that opens every message and section header.
catalog_init() {
  catalog_component=$1
  catalog_section_open=
  catalog_die_removes=
}

# catalog_section <name> <header> [collapsed]: ends the open section, opens a GitLab collapsible
# section (`collapsed` makes GitLab show it folded).
catalog_section() {
  catalog_section_end
  catalog_section_open=$1
  if [ "${3:-}" = collapsed ]; then
    printf '\033[0Ksection_start:%s:%s[collapsed=true]\r\033[0K%s: %s\n' "$(date +%s)" "$1" "$catalog_component" "$2"
  else
    printf '\033[0Ksection_start:%s:%s\r\033[0K%s: %s\n' "$(date +%s)" "$1" "$catalog_component" "$2"
  fi
}
# catalog_section_end: ends the open section, if any.
catalog_section_end() {
  if [ -n "$catalog_section_open" ]; then
    printf '\033[0Ksection_end:%s:%s\r\033[0K\n' "$(date +%s)" "$catalog_section_open"
  fi
  catalog_section_open=
}

# Messages: `<component>: …` on stdout; warnings and errors on stderr.
catalog_say() { printf '%s: %s\n' "$catalog_component" "$*"; }
catalog_warn() { printf '%s: WARNING: %s\n' "$catalog_component" "$*" >&2; }
catalog_error() { printf '%s: ERROR: %s\n' "$catalog_component" "$*" >&2; }
# catalog_die <message>: the error, then exit 1. A job's own script cleans up in its EXIT trap;
# ecr-login, which cannot own the EXIT trap of the job's shell, names its secrets' directory with
# catalog_remove_on_die.
catalog_die() {
  catalog_error "$@"
  if [ -n "$catalog_die_removes" ]; then rm -rf "$catalog_die_removes"; fi
  exit 1
}
catalog_remove_on_die() { catalog_die_removes=$1; }

# catalog_forget: removes every catalog_* function and variable from the shell (ecr-login's
# before_script leaves the job's shell as it found it, apart from ecr_aws and the exported
# variables). The names go through a loop: shellcheck takes a helper that a literal `unset -f`
# removes and the script never calls for unreachable code.
catalog_forget() {
  for catalog_f in catalog_init catalog_section catalog_section_end catalog_say catalog_warn catalog_error \
    catalog_die catalog_remove_on_die catalog_forget \
    catalog_retry_policy catalog_jitter_ms catalog_backoff_ms catalog_seconds catalog_sleep_ms catalog_retry \
    catalog_is_uint catalog_matches catalog_check_dotenv_prefix catalog_words catalog_lines catalog_quote catalog_shown \
    catalog_cosign_check catalog_cosign_install catalog_cosign_sign catalog_install catalog_install_fail; do
    unset -f "$catalog_f"
  done
  unset catalog_component catalog_section_open catalog_die_removes \
    catalog_retries catalog_retry_delay_ms catalog_retry_max_delay_ms catalog_retry_permanent catalog_retry_transient catalog_r_whole \
    catalog_r_fraction catalog_r_random catalog_r_wait catalog_r_n catalog_r_permanent catalog_r_transient \
    catalog_r_stdin catalog_r_keep catalog_r_what catalog_r_dir catalog_r_attempts catalog_r_attempt catalog_r_rc \
    catalog_p_prefix catalog_p_reserved catalog_q_rest catalog_q_out catalog_s_hide catalog_s_arg catalog_s_line \
    catalog_cosign_mode catalog_cosign_key catalog_cosign_password_var catalog_cosign_tlog catalog_cosign_value \
    catalog_cosign_ref catalog_cosign_signature catalog_i_needed_by catalog_i_subject catalog_i_and catalog_f
}
