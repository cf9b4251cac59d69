# ---- cosign signing (components/lib/cosign.sh, shared by buildx-ecr and manifest-merge) ----------
# The `sign*` inputs (docs/signing.md). The including script calls, in this order:
#   cosign_check <sign> <sign-key-var> <sign-password-var> <sign-kms-key> <sign-tlog-upload>
#     before anything is built or pushed: checks the inputs and what they name, prints the problem
#     and returns 1 when one is wrong;
#   cosign_install <retry function>: installs cosign with the image's package manager when missing;
#   cosign_sign <retry function> <image@sha256:digest> [cosign registry options…]: signs that digest.
# <retry function> is the including script's `<retry> <what> <command…>` (backoff on transient
# failures). The private key's password reaches cosign in its environment only (COSIGN_PASSWORD,
# in a subshell), never on a command line; the key itself is a file path or `env://<VARIABLE>`.
cosign_mode=none
cosign_key=
cosign_password_var=
cosign_tlog=false

cosign_check() {
  cosign_mode=$1
  cosign_password_var=$3
  case $cosign_mode in
    none) return 0 ;;
    keyless)
      # cosign reads the token from SIGSTORE_ID_TOKEN itself: it is never on a command line.
      if [ -z "${SIGSTORE_ID_TOKEN:-}" ]; then
        printf '%s\n' "sign: keyless needs the GitLab ID token SIGSTORE_ID_TOKEN (aud: sigstore), which the component declares for this mode; it is empty in this job (a runner that mints no ID tokens?)" >&2
        return 1
      fi
      ;;
    key)
      if ! cosign_value=$(printenv "$2"); then
        printf '%s\n' "sign: key needs the private key in the CI/CD variable $2 (sign-key-var), which is not set in this job" >&2
        return 1
      fi
      case $cosign_value in
        -----BEGIN*) cosign_key="env://$2" ;;
        *)
          if [ ! -f "$cosign_value" ]; then
            printf '%s\n' "sign-key-var: the CI/CD variable $2 holds neither a PEM private key nor the path of a file (a file-type variable)" >&2
            return 1
          fi
          cosign_key=$cosign_value
          ;;
      esac
      unset cosign_value
      if [ -n "$cosign_password_var" ] && ! printenv "$cosign_password_var" > /dev/null; then
        printf '%s\n' "sign: key needs the key's password in the CI/CD variable $cosign_password_var (sign-password-var), which is not set in this job (empty sign-password-var: a key without password)" >&2
        return 1
      fi
      ;;
    kms)
      case $4 in
        awskms://?*|gcpkms://?*|azurekms://?*|hashivault://?*) cosign_key=$4 ;;
        *)
          printf '%s\n' "sign: kms needs sign-kms-key, a KMS key URI (awskms:///<key id, alias/<name> or ARN>, gcpkms://…, azurekms://…, hashivault://…), got '$4'" >&2
          return 1
          ;;
      esac
      ;;
    *)
      printf '%s\n' "sign must be none, keyless, key or kms, got '$cosign_mode'" >&2
      return 1
      ;;
  esac
  # Sigstore's transparency log records keyless signatures (their certificates live minutes);
  # a key or KMS signature is checked against its public key and works offline.
  case $5 in
    always) cosign_tlog=true ;;
    never) cosign_tlog=false ;;
    auto) if [ "$cosign_mode" = keyless ]; then cosign_tlog=true; else cosign_tlog=false; fi ;;
    *)
      printf '%s\n' "sign-tlog-upload must be auto, always or never, got '$5'" >&2
      return 1
      ;;
  esac
}

cosign_install() {
  command -v cosign > /dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    printf '%s\n' "cosign is not installed and the job does not run as root: use an image that has it" >&2
    return 1
  fi
  if command -v apk > /dev/null 2>&1; then
    "$1" "apk add cosign" apk add --no-cache cosign > /dev/null
  elif command -v dnf > /dev/null 2>&1; then
    "$1" "dnf install cosign" dnf install -y -q cosign > /dev/null
  elif command -v microdnf > /dev/null 2>&1; then
    "$1" "microdnf install cosign" microdnf install -y cosign > /dev/null
  elif command -v apt-get > /dev/null 2>&1; then
    "$1" "apt-get update" apt-get update -qq > /dev/null
    "$1" "apt-get install cosign" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cosign > /dev/null
  else
    printf '%s\n' "cosign is not installed and no known package manager (apk, dnf, microdnf, apt-get) was found: use an image that has it" >&2
    return 1
  fi
  command -v cosign > /dev/null 2>&1 || { printf '%s\n' "installing cosign did not provide the command" >&2; return 1; }
}

cosign_sign() {
  cosign_retry=$1 cosign_ref=$2
  shift 2
  case $cosign_ref in
    *@sha256:*) ;;
    *) printf '%s\n' "cosign_sign: $cosign_ref is not a reference by digest" >&2; return 1 ;;
  esac
  # Where the signature goes: the `sha256-<digest>.sig` tag of the image's repository.
  cosign_signature=$(cosign triangulate "$@" "$cosign_ref") || return 1
  set -- cosign sign --yes "--tlog-upload=$cosign_tlog" "$@"
  if [ -n "$cosign_key" ]; then set -- "$@" --key "$cosign_key"; fi
  set -- "$@" "$cosign_ref"
  printf '%s\n' "$* (sign: $cosign_mode)"
  (
    if [ "$cosign_mode" = key ]; then
      # An empty sign-password-var is a key without password: cosign then must not wait for one.
      if [ -n "$cosign_password_var" ]; then COSIGN_PASSWORD=$(printenv "$cosign_password_var"); else COSIGN_PASSWORD=; fi
      export COSIGN_PASSWORD
    fi
    "$cosign_retry" "cosign sign" "$@"
  ) || return 1
  printf '%s\n' "signed $cosign_ref: signature $cosign_signature"
}
