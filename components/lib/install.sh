# ---- catalog helpers: installing a missing command -------------------------------------------
# (components/lib/log.sh and retry.sh first: messages are catalog_say's, failures catalog_die's,
# package manager calls catalog_retry's.)
#   catalog_install [--needed-by <what>] <command> <apk package> <apt package> <dnf/yum package>
# installs <command> with the image's package manager when it is missing; only as root, since a
# job that is not root cannot install anything. `--needed-by` names what needs the command in
# the messages (`sign: keyless needs cosign, which …`); without it they name the command alone.
catalog_install() {
  catalog_i_needed_by=
  if [ "$1" = --needed-by ]; then
    catalog_i_needed_by=$2
    shift 2
  fi
  command -v "$1" > /dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || catalog_install_fail "$1" "the job does not run as root: use an image that has it"
  catalog_say "installing $1"
  if command -v apk > /dev/null 2>&1; then
    catalog_retry "apk add $2" apk add --no-cache "$2" > /dev/null
  elif command -v apt-get > /dev/null 2>&1; then
    catalog_retry "apt-get update" apt-get update -qq > /dev/null \
      && catalog_retry "apt-get install $3" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$3" > /dev/null
  elif command -v dnf > /dev/null 2>&1; then
    catalog_retry "dnf install $4" dnf install -y -q "$4" > /dev/null
  elif command -v microdnf > /dev/null 2>&1; then
    catalog_retry "microdnf install $4" microdnf install -y "$4" > /dev/null
  elif command -v yum > /dev/null 2>&1; then
    catalog_retry "yum install $4" yum install -y -q "$4" > /dev/null
  else
    catalog_install_fail "$1" "no known package manager (apk, apt-get, dnf, microdnf, yum) was found: use an image that has it"
  fi || catalog_install_fail "$1"
  command -v "$1" > /dev/null 2>&1 || catalog_die "installing '$1' did not provide the command"
}

# catalog_install_fail <command> [<why it cannot be installed>]: dies; without a why, the
# package manager failed (its message is above).
catalog_install_fail() {
  if [ -n "$catalog_i_needed_by" ]; then
    catalog_i_subject="$catalog_i_needed_by needs $1, which"
    catalog_i_and=', and'
  else
    catalog_i_subject="'$1'"
    catalog_i_and=' and'
  fi
  [ $# -gt 1 ] || catalog_die "$catalog_i_subject could not be installed (see above)"
  catalog_die "$catalog_i_subject is not installed$catalog_i_and $2"
}
