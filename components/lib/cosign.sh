# ---- catalog helpers: signing with cosign ----------------------------------------------------
# (components/lib/log.sh and retry.sh first: messages are catalog_say's, failures catalog_die's,
# registry calls catalog_retry's.) The `sign*` inputs (docs/signing.md); buildx-ecr and
# manifest-merge call, in this order:
#   catalog_cosign_check <sign> <sign-key-var> <sign-password-var> <sign-kms-key> <sign-tlog-upload>
#     before anything is built or pushed: a wrong input, or a variable it names that the job
#     lacks, fails the job there and then;
#   catalog_cosign_install: installs cosign with the image's package manager when missing;
#   catalog_cosign_sign <image@sha256:digest> [cosign registry options…]: signs that digest.
# The private key's password reaches cosign in its environment only (COSIGN_PASSWORD, in a
# subshell), never on a command line; the key itself is a file path or `env://<VARIABLE>`.
catalog_cosign_mode=none
catalog_cosign_key=
catalog_cosign_password_var=
catalog_cosign_tlog=false

catalog_cosign_check() {
  catalog_cosign_mode=$1
  catalog_cosign_password_var=$3
  case $catalog_cosign_mode in
    none) return 0 ;;
    keyless)
      # cosign reads the token from SIGSTORE_ID_TOKEN itself: it is never on a command line.
      [ -n "${SIGSTORE_ID_TOKEN:-}" ] \
        || catalog_die "sign: keyless needs the GitLab ID token SIGSTORE_ID_TOKEN (aud: sigstore), which the component declares for this mode; it is empty in this job (a runner that mints no ID tokens?)"
      ;;
    key)
      catalog_cosign_value=$(printenv "$2") \
        || catalog_die "sign: key needs the private key in the CI/CD variable $2 (sign-key-var), which is not set in this job"
      case $catalog_cosign_value in
        -----BEGIN*) catalog_cosign_key="env://$2" ;;
        *)
          [ -f "$catalog_cosign_value" ] \
            || catalog_die "sign-key-var: the CI/CD variable $2 holds neither a PEM private key nor the path of a file (a file-type variable)"
          catalog_cosign_key=$catalog_cosign_value
          ;;
      esac
      unset catalog_cosign_value
      if [ -n "$catalog_cosign_password_var" ] && ! printenv "$catalog_cosign_password_var" > /dev/null; then
        catalog_die "sign: key needs the key's password in the CI/CD variable $catalog_cosign_password_var (sign-password-var), which is not set in this job (empty sign-password-var: a key without password)"
      fi
      ;;
    kms)
      case $4 in
        awskms://?* | gcpkms://?* | azurekms://?* | hashivault://?*) catalog_cosign_key=$4 ;;
        *) catalog_die "sign: kms needs sign-kms-key, a KMS key URI (awskms:///<key id, alias/<name> or ARN>, gcpkms://…, azurekms://…, hashivault://…), got '$4'" ;;
      esac
      ;;
    *) catalog_die "sign must be none, keyless, key or kms, got '$catalog_cosign_mode'" ;;
  esac
  # Sigstore's transparency log records keyless signatures (their certificates live minutes);
  # a key or KMS signature is checked against its public key and works offline.
  case $5 in
    always) catalog_cosign_tlog=true ;;
    never) catalog_cosign_tlog=false ;;
    auto) if [ "$catalog_cosign_mode" = keyless ]; then catalog_cosign_tlog=true; else catalog_cosign_tlog=false; fi ;;
    *) catalog_die "sign-tlog-upload must be auto, always or never, got '$5'" ;;
  esac
}

catalog_cosign_install() {
  command -v cosign > /dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || catalog_die "sign: $catalog_cosign_mode needs cosign, which is not installed, and the job does not run as root: use an image that has it"
  if command -v apk > /dev/null 2>&1; then
    catalog_retry "apk add cosign" apk add --no-cache cosign > /dev/null
  elif command -v dnf > /dev/null 2>&1; then
    catalog_retry "dnf install cosign" dnf install -y -q cosign > /dev/null
  elif command -v microdnf > /dev/null 2>&1; then
    catalog_retry "microdnf install cosign" microdnf install -y cosign > /dev/null
  elif command -v apt-get > /dev/null 2>&1; then
    catalog_retry "apt-get update" apt-get update -qq > /dev/null \
      && catalog_retry "apt-get install cosign" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cosign > /dev/null
  else
    catalog_die "sign: $catalog_cosign_mode needs cosign, which is not installed, and no known package manager (apk, dnf, microdnf, apt-get) was found: use an image that has it"
  fi || catalog_die "sign: $catalog_cosign_mode needs cosign, which could not be installed (see above)"
  command -v cosign > /dev/null 2>&1 || catalog_die "sign: installing cosign did not provide the cosign command"
}

catalog_cosign_sign() {
  catalog_cosign_ref=$1
  shift
  case $catalog_cosign_ref in
    *@sha256:*) ;;
    *) catalog_die "catalog_cosign_sign: $catalog_cosign_ref is not a reference by digest" ;;
  esac
  # Where the signature goes: the `sha256-<digest>.sig` tag of the image's repository.
  catalog_cosign_signature=$(cosign triangulate "$@" "$catalog_cosign_ref") \
    || catalog_die "cosign cannot name the signature of $catalog_cosign_ref (see above)"
  set -- cosign sign --yes "--tlog-upload=$catalog_cosign_tlog" "$@"
  if [ -n "$catalog_cosign_key" ]; then set -- "$@" --key "$catalog_cosign_key"; fi
  set -- "$@" "$catalog_cosign_ref"
  catalog_say "$(catalog_shown "$@") (sign: $catalog_cosign_mode)"
  (
    if [ "$catalog_cosign_mode" = key ]; then
      # An empty sign-password-var is a key without password: cosign then must not wait for one.
      if [ -n "$catalog_cosign_password_var" ]; then COSIGN_PASSWORD=$(printenv "$catalog_cosign_password_var"); else COSIGN_PASSWORD=; fi
      export COSIGN_PASSWORD
    fi
    catalog_retry "cosign sign" "$@"
  ) || catalog_die "cosign could not sign $catalog_cosign_ref (see above)"
  catalog_say "signed $catalog_cosign_ref: signature $catalog_cosign_signature"
}
