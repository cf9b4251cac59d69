# ---- catalog helpers: retry with exponential backoff and jitter ------------------------------
# (components/lib/log.sh first: the messages are catalog_warn's.)

# catalog_retry_policy <retries> <delay> [<permanent ERE> [<transient ERE>]]: the defaults of
# every catalog_retry. <retries> counts the attempts after the first (docs/inputs.md); <delay> is
# the first wait in seconds (a fraction of up to three digits is kept: the unit tests wait
# milliseconds). A failure whose stderr matches <permanent> is never retried; with <transient>
# set, only a failure whose stderr matches it is.
catalog_retry_policy() {
  catalog_retries=$1
  case $2 in
    *.*) catalog_r_whole=${2%%.*} catalog_r_fraction=${2#*.}000 ;;
    *) catalog_r_whole=$2 catalog_r_fraction=000 ;;
  esac
  catalog_r_fraction=${catalog_r_fraction%"${catalog_r_fraction#???}"}
  # Without leading zeros: shell arithmetic reads 010 as octal.
  while :; do
    case $catalog_r_fraction in 0?*) catalog_r_fraction=${catalog_r_fraction#0} ;; *) break ;; esac
  done
  catalog_retry_delay_ms=$((${catalog_r_whole:-0} * 1000 + catalog_r_fraction))
  catalog_retry_permanent=${3:-}
  catalog_retry_transient=${4:-}
}

# catalog_jitter_ms <max>: a random whole number from 0 to <max>.
catalog_jitter_ms() {
  catalog_r_random=$(od -An -N4 -tu4 /dev/urandom 2> /dev/null | tr -d ' \n') || catalog_r_random=
  case $catalog_r_random in
    '' | *[!0-9]*) catalog_r_random=$(awk 'BEGIN { srand(); printf "%d\n", rand() * 4294967296 }') ;;
  esac
  printf '%s\n' "$((catalog_r_random % ($1 + 1)))"
}

# The doubling stops at 20 s (the AWS SDKs' cap for their own retries): past it, a longer wait
# only spends the job's time that one more attempt could use. A first delay above it is kept.
catalog_retry_max_delay_ms=20000

# catalog_backoff_ms <attempt>: the wait after failed attempt <attempt> (1, 2, …): the delay
# doubled at each attempt up to the cap, plus up to half of that again at random, so that the
# jobs of one pipeline that one registry outage failed together do not all come back at the same
# moment. Until the cap, each wait is longer than the one before it, whatever the jitter.
catalog_backoff_ms() {
  catalog_r_wait=$catalog_retry_delay_ms
  catalog_r_n=1
  while [ "$catalog_r_n" -lt "$1" ] && [ "$catalog_r_wait" -lt "$catalog_retry_max_delay_ms" ]; do
    catalog_r_wait=$((catalog_r_wait * 2))
    catalog_r_n=$((catalog_r_n + 1))
  done
  if [ "$catalog_r_wait" -gt "$catalog_retry_max_delay_ms" ] && [ "$catalog_retry_delay_ms" -le "$catalog_retry_max_delay_ms" ]; then
    catalog_r_wait=$catalog_retry_max_delay_ms
  fi
  printf '%s\n' "$((catalog_r_wait + $(catalog_jitter_ms "$((catalog_r_wait / 2))")))"
}

# catalog_seconds <milliseconds>: as seconds for a message (`2.305`).
catalog_seconds() { printf '%d.%03d\n' "$(($1 / 1000))" "$(($1 % 1000))"; }

# catalog_sleep_ms <milliseconds>: sleeps; a sleep without fractions sleeps the whole seconds above.
catalog_sleep_ms() {
  sleep "$(catalog_seconds "$1")" 2> /dev/null || sleep "$((($1 + 999) / 1000))"
}

# catalog_retry [--permanent <ERE>] [--transient <ERE>] [--stdin <file>] [--keep-stderr <file>] <what> <command> [args…]:
# runs the command up to retries + 1 times (catalog_retry_policy; the options replace its
# patterns for this call). Its stdout is the caller's, its stdin <file> (default /dev/null); its
# stderr is shown as it comes (it never holds a secret: passwords go through stdin) and kept to
# classify the failure; --keep-stderr copies the last attempt's stderr to <file>, for a caller that
# explains a failure by it. Returns the command's last exit status.
catalog_retry() {
  catalog_r_permanent=$catalog_retry_permanent
  catalog_r_transient=$catalog_retry_transient
  catalog_r_stdin=/dev/null
  catalog_r_keep=
  while :; do
    case $1 in
      --permanent) catalog_r_permanent=$2 ;;
      --transient) catalog_r_transient=$2 ;;
      --stdin) catalog_r_stdin=$2 ;;
      --keep-stderr) catalog_r_keep=$2 ;;
      *) break ;;
    esac
    shift 2
  done
  catalog_r_what=$1
  shift
  catalog_r_dir=$(mktemp -d "${TMPDIR:-/tmp}/catalog-retry.XXXXXX")
  catalog_r_attempts=$((catalog_retries + 1))
  catalog_r_attempt=1
  while :; do
    # stdout to the caller (fd 3), stderr through tee: shown live and kept.
    { { catalog_r_rc=0; "$@" < "$catalog_r_stdin" || catalog_r_rc=$?; echo "$catalog_r_rc" > "$catalog_r_dir/rc"; } 2>&1 1>&3 | tee "$catalog_r_dir/stderr" >&2; } 3>&1
    catalog_r_rc=$(cat "$catalog_r_dir/rc")
    if [ "$catalog_r_rc" -eq 0 ]; then
      break
    elif [ -n "$catalog_r_permanent" ] && grep -Eiq -e "$catalog_r_permanent" "$catalog_r_dir/stderr"; then
      catalog_warn "$catalog_r_what failed with an error that retrying cannot fix"
      break
    elif [ -n "$catalog_r_transient" ] && ! grep -Eiq -e "$catalog_r_transient" "$catalog_r_dir/stderr"; then
      catalog_warn "$catalog_r_what failed (exit $catalog_r_rc) with an error that is not transient: not retrying"
      break
    elif [ "$catalog_r_attempt" -ge "$catalog_r_attempts" ]; then
      catalog_warn "$catalog_r_what failed $catalog_r_attempt time(s); giving up"
      break
    fi
    catalog_r_wait=$(catalog_backoff_ms "$catalog_r_attempt")
    catalog_warn "$catalog_r_what failed (exit $catalog_r_rc), attempt $catalog_r_attempt of $catalog_r_attempts; retrying in $(catalog_seconds "$catalog_r_wait")s"
    catalog_sleep_ms "$catalog_r_wait"
    catalog_r_attempt=$((catalog_r_attempt + 1))
  done
  if [ -n "$catalog_r_keep" ]; then cp "$catalog_r_dir/stderr" "$catalog_r_keep"; fi
  rm -rf "$catalog_r_dir"
  return "$catalog_r_rc"
}
