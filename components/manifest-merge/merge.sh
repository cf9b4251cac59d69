set -eu
umask 077

# ---- helpers ---------------------------------------------------------------------------
# catalog:include ../lib/log.sh
# catalog:include ../lib/retry.sh
# catalog:include ../lib/text.sh
# catalog:include ../lib/install.sh
# catalog:include ../lib/cosign.sh
catalog_init manifest-merge
TAB=$(printf '\t')

MM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/manifest-merge.XXXXXX")
MM_ID=$(printf '%s' "${CI_JOB_ID:-$$}" | tr -cd '0-9a-z')
: >"$MM_WORK/lists"
mm_cleanup() {
  if [ "$MM_TOOL" = podman ]; then
    while IFS= read -r _list; do
      podman --storage-driver="$STORAGE_DRIVER" manifest rm "$_list" >/dev/null 2>&1 </dev/null || true
    done <"$MM_WORK/lists"
  fi
  rm -rf "$MM_WORK"
}
trap mm_cleanup EXIT
# Errors that name every missing or wrong platform at once, then fail.
: >"$MM_WORK/errors"
fail_later() { printf '%s\n' "$*" >>"$MM_WORK/errors"; }
fail_now_if_any() {
  if [ -s "$MM_WORK/errors" ]; then
    while IFS= read -r _e; do catalog_error "$_e"; done <"$MM_WORK/errors"
    exit 1
  fi
}

# Failures no attempt can fix (every other failure is retried).
MM_PERMANENT='unauthorized|denied|forbidden|authentication required|tag invalid|immutable|cannot be overwritten|name unknown|invalid reference format|manifest invalid'

# JSON -> "<RFC 6901 pointer><TAB><scalar>" lines, POSIX awk (no jq in the job images).
cat >"$MM_WORK/flatten.awk" <<'AWK'
# catalog:include flatten.awk
AWK
# Flattened index -> one row per descriptor: digest, mediaType, os/arch[/variant], kind, subject.
cat >"$MM_WORK/rows.awk" <<'AWK'
# catalog:include rows.awk
AWK
flatten() { awk -f "$MM_WORK/flatten.awk"; }
jget() { awk -F '\t' -v k="$1" '$1 == k { print $2; exit }' "$2"; }
rows() { awk -v prefix="$1" -f "$MM_WORK/rows.awk" "$2"; }

# norm_platform <os/arch[/variant] | arch | arm-v7>: containerd's normal form, or fails.
norm_platform() {
  _p=$1
  case $_p in */*) ;; *) _p="linux/$_p" ;; esac
  case $_p in linux/arm-v[5-8]) _p="linux/arm/${_p#linux/arm-}" ;; esac
  _os=${_p%%/*} _rest=${_p#*/} _variant=''
  _arch=${_rest%%/*}
  case $_rest in */*) _variant=${_rest#*/} ;; esac
  case $_arch in x86_64 | x86-64) _arch=amd64 ;; aarch64) _arch=arm64 ;; i386 | i686) _arch=386 ;; esac
  case $_arch/$_variant in arm64/v8 | amd64/v1) _variant='' ;; arm/) _variant=v7 ;; esac
  catalog_matches '^[a-z0-9]+$' "$_os" && catalog_matches '^[a-z0-9_]+$' "$_arch" && catalog_matches '^(v[0-9]+)?$' "$_variant" || return 1
  printf '%s/%s%s\n' "$_os" "$_arch" "${_variant:+/$_variant}"
}
# platform_matches <expected> <actual>: equal, or expected names no variant and the arch is equal.
platform_matches() {
  [ "$1" = "$2" ] && return 0
  case $1 in */*/*) return 1 ;; esac
  case $2 in "$1"/*) return 0 ;; esac
  return 1
}
# Dotenv key suffix and {arch} tag part of a platform, as podman-arch-build writes them.
platform_key() {
  _k=${1#linux/}
  printf '%s\n' "$_k" | tr '/abcdefghijklmnopqrstuvwxyz-' '_ABCDEFGHIJKLMNOPQRSTUVWXYZ_'
}
platform_tag() { _t=${1#linux/} && printf '%s\n' "$_t" | tr '/' '-'; }
repo_of() {
  _r=${1%%@*}
  case ${_r##*/} in *:*) _r=${_r%:*} ;; esac
  printf '%s\n' "$_r"
}

# ---- inputs ----------------------------------------------------------------------------
catalog_section mm_inputs "Checking inputs"
catalog_is_uint "$MM_OPT_RETRIES" || catalog_die "retries must be a whole number, got '$MM_OPT_RETRIES'"
catalog_is_uint "$MM_OPT_RETRY_DELAY" || catalog_die "retry-delay must be a whole number of seconds, got '$MM_OPT_RETRY_DELAY'"
catalog_retry_policy "$MM_OPT_RETRIES" "$MM_OPT_RETRY_DELAY" "$MM_PERMANENT"
catalog_check_dotenv_prefix "$MM_PREFIX" MM PAB
[ -n "$MM_IMAGE_NAME" ] || catalog_die "image-name is empty (does the CI/CD variable it names exist in this pipeline?)"
case $MM_IMAGE_NAME in *@*) catalog_die "image-name must not contain a digest: '$MM_IMAGE_NAME'" ;; esac
case ${MM_IMAGE_NAME##*/} in *:*) catalog_die "image-name must not contain a tag ('${MM_IMAGE_NAME##*/}'): use the tags input" ;; esac
MM_REPO=$(printf '%s' "$MM_IMAGE_NAME" | tr '[:upper:]' '[:lower:]')
[ "$MM_REPO" = "$MM_IMAGE_NAME" ] || catalog_say "image-name lowercased to $MM_REPO (repository names must be lowercase)"
catalog_matches '^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$|^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$' "$MM_REPO" ||
  catalog_die "image-name '$MM_REPO' is not a valid repository (registry/path, lowercase)"
MM_REGISTRY=docker.io
case $MM_REPO in */*) case ${MM_REPO%%/*} in *.* | *:* | localhost) MM_REGISTRY=${MM_REPO%%/*} ;; esac ;; esac

: >"$MM_WORK/platforms"
catalog_words "$MM_PLATFORMS" >"$MM_WORK/platforms.in"
while IFS= read -r _p; do
  _n=$(norm_platform "$_p") || catalog_die "platforms: '$_p' is not a platform (os/arch[/variant], e.g. linux/arm64)"
  grep -qxF "$_n" "$MM_WORK/platforms" || printf '%s\n' "$_n" >>"$MM_WORK/platforms"
done <"$MM_WORK/platforms.in"
[ -s "$MM_WORK/platforms" ] || catalog_die "platforms is empty"

if [ "$MM_ATTESTATIONS" = auto ]; then
  if [ "$MM_TOOL" = imagetools ] && [ "$MM_MEDIA_TYPE" = oci ]; then MM_ATTEST_MODE=keep; else MM_ATTEST_MODE=drop; fi
else
  MM_ATTEST_MODE=$MM_ATTESTATIONS
fi
if [ "$MM_ATTEST_MODE" = keep ] && [ "$MM_TOOL" = podman ]; then
  catalog_die "attestations: keep needs tool: imagetools (podman manifest cannot keep the attestations' subject annotations); use attestations: drop or auto"
fi
if [ "$MM_ATTEST_MODE" = keep ] && [ "$MM_MEDIA_TYPE" = docker ]; then
  catalog_die "attestations: keep needs media-type: oci (attestation manifests are OCI manifests)"
fi
if [ -n "$MM_PASSWORD_VAR" ] && [ -z "$MM_USER_VAR" ]; then catalog_die "registry-password-var is set but registry-user-var is not"; fi
if [ -n "$MM_USER_VAR" ] && [ -z "$MM_PASSWORD_VAR" ]; then catalog_die "registry-user-var is set but registry-password-var is not"; fi
if [ "$MM_TOOL" = imagetools ]; then
  [ "$MM_OPT_TLS_VERIFY" = true ] || catalog_die "tls-verify: false needs tool: podman (imagetools has no such switch)"
  [ -z "$MM_CERT_DIR" ] || catalog_die "cert-dir needs tool: podman; for imagetools add the CA to the image's system trust store"
fi
# Signing is checked before anything is built: a key that is missing fails the job, not the push.
catalog_cosign_check "$MM_SIGN" "$MM_SIGN_KEY_VAR" "$MM_SIGN_PASSWORD_VAR" "$MM_SIGN_KMS_KEY" "$MM_SIGN_TLOG_UPLOAD"
if [ "$MM_SIGN" != none ] && [ "$MM_OPT_PUSH" != true ]; then catalog_say "sign: $MM_SIGN, but push is false: nothing is pushed, so nothing is signed"; fi

# Tags: drop empty ones, make the rest valid, add latest by rule.
: >"$MM_WORK/tags"
catalog_words "$MM_TAGS" >"$MM_WORK/tags.in"
MM_IS_RELEASE=false MM_IS_DEFAULT_BRANCH=false
if [ -n "${CI_COMMIT_TAG:-}" ] && catalog_matches '^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$' "$CI_COMMIT_TAG"; then MM_IS_RELEASE=true; fi
if [ -n "${CI_COMMIT_BRANCH:-}" ] && [ "$CI_COMMIT_BRANCH" = "${CI_DEFAULT_BRANCH:-}" ]; then MM_IS_DEFAULT_BRANCH=true; fi
case $MM_LATEST in
  always) MM_ADD_LATEST=true ;;
  release-tag) MM_ADD_LATEST=$MM_IS_RELEASE ;;
  default-branch) MM_ADD_LATEST=$MM_IS_DEFAULT_BRANCH ;;
  auto)
    MM_ADD_LATEST=false
    if [ "$MM_IS_RELEASE" = true ] || [ "$MM_IS_DEFAULT_BRANCH" = true ]; then MM_ADD_LATEST=true; fi
    ;;
  *) MM_ADD_LATEST=false ;;
esac
if [ "$MM_ADD_LATEST" = true ]; then printf 'latest\n' >>"$MM_WORK/tags.in"; fi
while IFS= read -r _t; do
  _s=$(printf '%s' "$_t" | sed 's/[^A-Za-z0-9_.-]/-/g; s/^[.-]*//' | cut -c1-128)
  [ -n "$_s" ] || { catalog_warn "dropping tag '$_t': nothing valid left"; continue; }
  [ "$_s" = "$_t" ] || catalog_say "tag '$_t' sanitized to '$_s'"
  grep -qxF "$_s" "$MM_WORK/tags" || printf '%s\n' "$_s" >>"$MM_WORK/tags"
done <"$MM_WORK/tags.in"
[ -s "$MM_WORK/tags" ] || catalog_die "no tag left to publish: tags '$MM_TAGS' expanded to nothing (and latest: $MM_LATEST does not apply to this pipeline)"
MM_FIRST_TAG=$(head -n 1 "$MM_WORK/tags")

catalog_say "index:        $MM_REPO ($MM_MEDIA_TYPE, via $MM_TOOL)"
catalog_say "tags:         $(tr '\n' ' ' <"$MM_WORK/tags")"
catalog_say "platforms:    $(tr '\n' ' ' <"$MM_WORK/platforms")"
catalog_say "source:       $MM_SOURCE    attestations: $MM_ATTEST_MODE    push: $MM_OPT_PUSH    sign: $MM_SIGN"

# ---- tools -----------------------------------------------------------------------------
catalog_section mm_tools "Checking tools"
for _tool in awk sed grep tr tee cut head paste wc mktemp date; do
  command -v "$_tool" >/dev/null 2>&1 || catalog_die "$_tool is not installed in the job image"
done
if [ "$MM_TOOL" = podman ]; then
  command -v podman >/dev/null 2>&1 || catalog_die "tool podman needs podman in the job image (image: quay.io/podman/stable:v5.8.7)"
  catalog_say "$(podman --version </dev/null)"
else
  command -v docker >/dev/null 2>&1 || catalog_die "tool imagetools needs docker with the buildx plugin in the job image (image: docker:29.5.2-cli)"
  command -v sha256sum >/dev/null 2>&1 || catalog_die "sha256sum is not installed in the job image"
  MM_BUILDX=$(docker buildx version </dev/null) || catalog_die "tool imagetools needs the docker buildx plugin"
  catalog_say "$MM_BUILDX"
  MM_BUILDX_MINOR=$(printf '%s\n' "$MM_BUILDX" | sed -n 's/.* v0\.\([0-9][0-9]*\)\..*/\1/p')
  if [ -n "$MM_BUILDX_MINOR" ] && [ "$MM_BUILDX_MINOR" -lt 22 ]; then
    catalog_die "buildx 0.$MM_BUILDX_MINOR pushes the index's children in a way immutable repositories reject; use buildx 0.22 or newer"
  fi
fi
if [ "$MM_SIGN" != none ] && [ "$MM_OPT_PUSH" = true ]; then catalog_cosign_install; fi
pm() { podman --storage-driver="$STORAGE_DRIVER" "$@"; }

# ---- registry authentication -----------------------------------------------------------
catalog_section mm_auth "Registry authentication"
if [ -n "$MM_PASSWORD_VAR" ]; then
  MM_USER=$(printenv "$MM_USER_VAR") || catalog_die "CI/CD variable $MM_USER_VAR (registry-user-var) is not set in this job"
  printenv "$MM_PASSWORD_VAR" >"$MM_WORK/password" || catalog_die "CI/CD variable $MM_PASSWORD_VAR (registry-password-var) is not set in this job"
  [ -n "$MM_USER" ] || catalog_die "CI/CD variable $MM_USER_VAR (registry-user-var) is empty"
  grep -q . "$MM_WORK/password" || catalog_die "CI/CD variable $MM_PASSWORD_VAR (registry-password-var) is empty"
  if [ "$MM_TOOL" = podman ]; then
    if [ -z "${REGISTRY_AUTH_FILE:-}" ]; then REGISTRY_AUTH_FILE="$MM_WORK/auth.json"; fi
    export REGISTRY_AUTH_FILE
    catalog_retry --stdin "$MM_WORK/password" "podman login to $MM_REGISTRY" podman login --authfile "$REGISTRY_AUTH_FILE" --tls-verify="$MM_OPT_TLS_VERIFY" \
      ${MM_CERT_DIR:+"--cert-dir=$MM_CERT_DIR"} --username "$MM_USER" --password-stdin "$MM_REGISTRY" ||
      catalog_die "podman login to $MM_REGISTRY as $MM_USER failed"
    catalog_say "logged in to $MM_REGISTRY as $MM_USER (credentials in $REGISTRY_AUTH_FILE, mode 0600)"
  else
    if [ -z "${DOCKER_CONFIG:-}" ]; then
      DOCKER_CONFIG="$MM_WORK/docker"
      mkdir -p "$DOCKER_CONFIG"
      if [ -f "${HOME:-/root}/.docker/config.json" ]; then cp "${HOME:-/root}/.docker/config.json" "$DOCKER_CONFIG/config.json"; fi
      if [ -d "${HOME:-/root}/.docker/cli-plugins" ]; then ln -s "${HOME:-/root}/.docker/cli-plugins" "$DOCKER_CONFIG/cli-plugins"; fi
    fi
    export DOCKER_CONFIG
    catalog_retry --stdin "$MM_WORK/password" "docker login to $MM_REGISTRY" docker login --username "$MM_USER" --password-stdin "$MM_REGISTRY" ||
      catalog_die "docker login to $MM_REGISTRY as $MM_USER failed"
    catalog_say "logged in to $MM_REGISTRY as $MM_USER (credentials in $DOCKER_CONFIG/config.json, mode 0600)"
  fi
  rm -f "$MM_WORK/password"
elif [ "$MM_TOOL" = podman ] && [ -n "${REGISTRY_AUTH_FILE:-}" ]; then
  export REGISTRY_AUTH_FILE
  [ -f "$REGISTRY_AUTH_FILE" ] || catalog_die "REGISTRY_AUTH_FILE is $REGISTRY_AUTH_FILE but that file does not exist (did the login catalog_section mm_run in this job?)"
  catalog_say "using the auth file in REGISTRY_AUTH_FILE ($REGISTRY_AUTH_FILE)"
elif [ "$MM_TOOL" = imagetools ] && [ -n "${DOCKER_CONFIG:-}" ]; then
  export DOCKER_CONFIG
  catalog_say "using the docker config in DOCKER_CONFIG ($DOCKER_CONFIG)"
else
  catalog_say "no registry-user-var/registry-password-var: using the tool's default credentials"
fi

# ---- describe: what a reference is ------------------------------------------------------
# describe <n> <ref>: writes $MM_WORK/src.<n>.top ("<digest>|-<TAB><mediaType>|-<TAB>image|index")
# and $MM_WORK/src.<n>.rows (digest, mediaType, platform, kind, subject, config platform).
# A single image's platform is read from its config; an index's from its descriptors, and
# the config of each image in it is checked against that descriptor.
describe() {
  _dsn=$1 _dsref=$2
  case $_dsref in *@sha256:*) _dsknown=${_dsref##*@} ;; *) _dsknown=- ;; esac
  if [ "$MM_TOOL" = podman ]; then
    _dslist="localhost/manifest-merge-$MM_ID-src-$_dsn"
    printf '%s\n' "$_dslist" >>"$MM_WORK/lists"
    pm manifest rm "$_dslist" >/dev/null 2>&1 </dev/null || true
    pm manifest create "$_dslist" >/dev/null </dev/null || return 1
    catalog_retry "reading $_dsref" pm manifest add --all --tls-verify="$MM_OPT_TLS_VERIFY" ${MM_CERT_DIR:+"--cert-dir=$MM_CERT_DIR"} "$_dslist" "docker://$_dsref" >/dev/null || return 1
    pm manifest inspect "$_dslist" </dev/null >"$MM_WORK/src.$_dsn.json" || return 1
    flatten <"$MM_WORK/src.$_dsn.json" >"$MM_WORK/src.$_dsn.flat"
    rows /manifests "$MM_WORK/src.$_dsn.flat" >"$MM_WORK/src.$_dsn.raw"
    if [ "$(wc -l <"$MM_WORK/src.$_dsn.raw")" -eq 1 ] && { [ "$_dsknown" = - ] || [ "$(cut -f1 "$MM_WORK/src.$_dsn.raw")" = "$_dsknown" ]; }; then
      printf '%s\t%s\timage\n' "$(cut -f1 "$MM_WORK/src.$_dsn.raw")" "$(cut -f2 "$MM_WORK/src.$_dsn.raw")" >"$MM_WORK/src.$_dsn.top"
    else
      printf '%s\t-\tindex\n' "$_dsknown" >"$MM_WORK/src.$_dsn.top"
    fi
    # podman reads the config when the image is added on its own (see "Building the index").
    awk -F '\t' -v OFS='\t' '{ print $1, $2, $3, $4, $5, "-" }' "$MM_WORK/src.$_dsn.raw" >"$MM_WORK/src.$_dsn.rows"
  else
    catalog_retry "reading $_dsref" docker buildx imagetools inspect --format '{{json .}}' -- "$_dsref" >"$MM_WORK/src.$_dsn.json" || return 1
    flatten <"$MM_WORK/src.$_dsn.json" >"$MM_WORK/src.$_dsn.flat"
    grep -q '^/manifest/digest' "$MM_WORK/src.$_dsn.flat" || return 1
    _dsdigest=$(jget /manifest/digest "$MM_WORK/src.$_dsn.flat")
    _dstype=$(jget /manifest/mediaType "$MM_WORK/src.$_dsn.flat")
    _dssingle=$(jget /image/os "$MM_WORK/src.$_dsn.flat")/$(jget /image/architecture "$MM_WORK/src.$_dsn.flat")
    _dsvariant=$(jget /image/variant "$MM_WORK/src.$_dsn.flat")
    _dssingle=$_dssingle${_dsvariant:+/$_dsvariant}
    if grep -q '^/manifest/manifests/' "$MM_WORK/src.$_dsn.flat"; then _dstype=${_dstype:-application/vnd.oci.image.index.v1+json}; fi
    case $_dstype in
      *index* | *list*)
        printf '%s\t%s\tindex\n' "${_dsdigest:-$_dsknown}" "$_dstype" >"$MM_WORK/src.$_dsn.top"
        rows /manifest/manifests "$MM_WORK/src.$_dsn.flat" >"$MM_WORK/src.$_dsn.raw"
        : >"$MM_WORK/src.$_dsn.rows"
        while IFS="$TAB" read -r _dsd _dsm _dsp _dsk _dss; do
          _dsc=-
          if [ "$_dsk" = image ]; then
            _dsnp=$(norm_platform "$_dsp") || _dsnp=$_dsp
            _dskey=$(printf '%s' "$_dsnp" | sed 's/~/~0/g; s|/|~1|g')
            _dsc=$(jget "/image/$_dskey/os" "$MM_WORK/src.$_dsn.flat")/$(jget "/image/$_dskey/architecture" "$MM_WORK/src.$_dsn.flat")
            _dsvariant=$(jget "/image/$_dskey/variant" "$MM_WORK/src.$_dsn.flat")
            _dsc=$_dsc${_dsvariant:+/$_dsvariant}
            if [ "$_dsc" = / ]; then _dsc=$_dssingle; fi
            if [ "$_dsc" = / ]; then _dsc=-; fi
          fi
          printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$_dsd" "$_dsm" "$_dsp" "$_dsk" "$_dss" "$_dsc" >>"$MM_WORK/src.$_dsn.rows"
        done <"$MM_WORK/src.$_dsn.raw"
        ;;
      *)
        printf '%s\t%s\timage\n' "${_dsdigest:-$_dsknown}" "$_dstype" >"$MM_WORK/src.$_dsn.top"
        printf '%s\t%s\t%s\timage\t-\t%s\n' "${_dsdigest:-$_dsknown}" "$_dstype" "$_dssingle" "$_dssingle" >"$MM_WORK/src.$_dsn.rows"
        ;;
    esac
  fi
}

# ---- sources ---------------------------------------------------------------------------
catalog_section mm_sources "Resolving the images to merge ($MM_SOURCE)"
: >"$MM_WORK/sources"
case $MM_SOURCE in
  dotenv)
    env | awk -v p="${MM_PREFIX}_JOB_" 'index($0, p) == 1 { k = substr($0, length(p) + 1); j = k; sub(/^[^=]*=/, "", j); sub(/=.*/, "", k); printf "%s%s (%s)", sep, j, k; sep = ", " }' >"$MM_WORK/reporters"
    while IFS= read -r _p; do
      _key=$(platform_key "$_p")
      _img=$(printenv "${MM_PREFIX}_IMAGE_$_key" || true)
      _dig=$(printenv "${MM_PREFIX}_DIGEST_$_key" || true)
      if [ -z "$_img" ] && [ -z "$_dig" ]; then
        fail_later "missing $_p: no digest from job in needs (${MM_PREFIX}_DIGEST_$_key is not set): the job that builds $_p failed, was skipped or is not in needs with artifacts; digests came from: $(cat "$MM_WORK/reporters")"
        continue
      fi
      if [ -z "$_img" ]; then _img="$MM_REPO@$_dig"; fi
      case $_img in
        *@sha256:*) ;;
        *) fail_later "$_p: ${MM_PREFIX}_IMAGE_$_key is '$_img', not a digest reference"; continue ;;
      esac
      catalog_say "$_p <- $_img (from $(printenv "${MM_PREFIX}_JOB_$_key" || echo 'an unnamed job'))"
      printf '%s\t%s\n' "$_p" "$_img" >>"$MM_WORK/sources"
    done <"$MM_WORK/platforms"
    ;;
  template)
    if [ -n "$MM_SOURCE_TEMPLATE" ]; then MM_TEMPLATE=$MM_SOURCE_TEMPLATE; else MM_TEMPLATE="$MM_REPO:${CI_COMMIT_SHORT_SHA:-}-{arch}"; fi
    case $MM_TEMPLATE in
      *'{arch}'*) ;;
      *) [ "$(wc -l <"$MM_WORK/platforms")" -eq 1 ] || catalog_die "source-template '$MM_TEMPLATE' has no {arch}: every platform would read the same image" ;;
    esac
    while IFS= read -r _p; do
      _ref=$(printf '%s\n' "$MM_TEMPLATE" | sed "s|{arch}|$(platform_tag "$_p")|g; s|{os}|${_p%%/*}|g")
      catalog_say "$_p <- $_ref"
      printf '%s\t%s\n' "$_p" "$_ref" >>"$MM_WORK/sources"
    done <"$MM_WORK/platforms"
    ;;
  refs)
    catalog_words "$MM_REFS" >"$MM_WORK/refs"
    [ -s "$MM_WORK/refs" ] || catalog_die "source: refs but refs is empty"
    while IFS= read -r _ref; do
      catalog_say "source <- $_ref"
      printf '*\t%s\n' "$_ref" >>"$MM_WORK/sources"
    done <"$MM_WORK/refs"
    ;;
esac
fail_now_if_any

# Read each distinct reference once.
: >"$MM_WORK/srcmap"
_n=0
while IFS="$TAB" read -r _p _ref; do
  if ! cut -f2 "$MM_WORK/srcmap" | grep -qxF "$_ref"; then
    _n=$((_n + 1))
    printf '%s\t%s\n' "$_n" "$_ref" >>"$MM_WORK/srcmap"
  fi
done <"$MM_WORK/sources"
while IFS="$TAB" read -r _n _ref; do
  if ! describe "$_n" "$_ref"; then
    _for=$(awk -F '\t' -v r="$_ref" '$2 == r && $1 != "*" { printf "%s%s", s, $1; s = ", " }' "$MM_WORK/sources")
    fail_later "${_for:+missing $_for: }cannot read $_ref (see the error above)"
  fi
done <"$MM_WORK/srcmap"
fail_now_if_any

# ---- select and verify -----------------------------------------------------------------
catalog_section mm_verify "Checking that every platform is present and right"
: >"$MM_WORK/selected"
: >"$MM_WORK/attest"
: >"$MM_WORK/indexes.extra"
# pick <platform> <n> <ref> <quiet>: the image for <platform> in source <n>; unless quiet, an
# error naming why there is none. A config that disagrees with its index is always an error.
pick() {
  _pw=$1 _pn=$2 _pref=$3 _pq=$4
  _prepo=$(repo_of "$_pref")
  IFS="$TAB" read -r _ptop _ptype _pshape <"$MM_WORK/src.$_pn.top"
  _pat=$_pref
  case $_pref in *@*) ;; *) if [ "$_ptop" != - ]; then _pat="$_pref@$_ptop"; fi ;; esac
  _pfound='' _pothers='' _pextras=''
  while IFS="$TAB" read -r _pd _pm _pp _pk _ps _pc; do
    [ "$_pk" = image ] || continue
    _pnp=$(norm_platform "$_pp") || _pnp=$_pp
    if platform_matches "$_pw" "$_pnp"; then
      if [ -n "$_pfound" ] && [ "$_pfound" != "$_pd" ]; then
        fail_later "$_pw is in $_pat twice ($_pfound and $_pd)"
        return 0
      fi
      _pfound=$_pd _pfm=$_pm _pfc=$_pc
    else
      _pothers="$_pothers${_pothers:+, }$_pnp"
      grep -qxF "$_pnp" "$MM_WORK/platforms" || _pextras="$_pextras${_pextras:+, }$_pnp"
    fi
  done <"$MM_WORK/src.$_pn.rows"
  if [ -z "$_pfound" ]; then
    if [ "$_pq" = true ]; then return 0; fi
    if [ "$_pshape" = image ]; then
      fail_later "$_pw expected but $_pat is ${_pothers:-of unknown platform}"
    else
      fail_later "$_pw expected but $_pat is an index of ${_pothers:-no images}"
    fi
    return 0
  fi
  if [ "$_pfc" != - ]; then
    _pnc=$(norm_platform "$_pfc") || _pnc=$_pfc
    if ! platform_matches "$_pw" "$_pnc"; then
      fail_later "$_pw expected but $_prepo@$_pfound is $_pnc (its index says $_pw)"
      return 0
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$_pw" "$_prepo" "$_pfound" "$_pfm" "$_pn" "$_pshape" >>"$MM_WORK/selected"
  if [ "$_pshape" = index ]; then
    awk -F '\t' -v OFS='\t' -v s="$_pfound" -v r="$_prepo" -v n="$_pn" '$4 == "attestation" && $5 == s { print r, $1, s, n }' \
      "$MM_WORK/src.$_pn.rows" >>"$MM_WORK/attest"
    if [ -n "$_pextras" ] && ! grep -qxF "$_pn" "$MM_WORK/indexes.extra"; then
      catalog_say "ignoring $_pextras in $_pat (not in platforms)"
      printf '%s\n' "$_pn" >>"$MM_WORK/indexes.extra"
    fi
  fi
}
if [ "$MM_SOURCE" = refs ]; then
  while IFS= read -r _p; do
    _before=$(wc -l <"$MM_WORK/selected")
    while IFS="$TAB" read -r _n _ref; do pick "$_p" "$_n" "$_ref" true; done <"$MM_WORK/srcmap"
    _after=$(wc -l <"$MM_WORK/selected")
    if [ "$_after" -eq "$_before" ]; then
      fail_later "missing $_p: none of refs has it (refs: $(cut -f2 "$MM_WORK/srcmap" | tr '\n' ' '))"
    elif [ "$((_after - _before))" -gt 1 ]; then
      fail_later "$_p is in more than one of refs ($(tail -n "$((_after - _before))" "$MM_WORK/selected" | cut -f2,3 | tr '\t\n' '@ ')): list only one"
    fi
  done <"$MM_WORK/platforms"
else
  while IFS="$TAB" read -r _p _ref; do
    _n=$(awk -F '\t' -v r="$_ref" '$2 == r { print $1; exit }' "$MM_WORK/srcmap")
    pick "$_p" "$_n" "$_ref" false
  done <"$MM_WORK/sources"
fi
fail_now_if_any

# The image picked for a platform must be the digest its build job exported: a template tag
# may be stale, and a dotenv `_IMAGE_` may name the index that holds it (buildx-ecr's
# push-by-digest with attestations).
while IFS="$TAB" read -r _p _repo _d _m _n _shape; do
  _key=$(platform_key "$_p")
  _dig=$(printenv "${MM_PREFIX}_DIGEST_$_key" || true)
  if [ -n "$_dig" ] && [ "$_dig" != "$_d" ]; then
    _src=$(awk -F '\t' -v n="$_n" '$1 == n { print $2 }' "$MM_WORK/srcmap")
    if [ "$MM_SOURCE" = dotenv ]; then
      fail_later "$_p: ${MM_PREFIX}_IMAGE_$_key ($_src) holds $_repo@$_d, but ${MM_PREFIX}_DIGEST_$_key is $_dig"
    else
      fail_later "$_p: $_src is $_repo@$_d, but this pipeline's build job exported $_dig: the tag is stale or was overwritten"
    fi
  fi
done <"$MM_WORK/selected"
# Children keep their digests only if they already have the index's manifest type.
if [ "$MM_MEDIA_TYPE" = oci ]; then MM_CHILD_TYPE=application/vnd.oci.image.manifest.v1+json; else MM_CHILD_TYPE=application/vnd.docker.distribution.manifest.v2+json; fi
while IFS="$TAB" read -r _p _repo _d _m _n _shape; do
  if [ "$_m" != "$MM_CHILD_TYPE" ]; then
    fail_later "$_p: $_repo@$_d has manifest type $_m, but media-type $MM_MEDIA_TYPE needs $MM_CHILD_TYPE (build it with the matching format; converting it would change its digest)"
  fi
done <"$MM_WORK/selected"
fail_now_if_any
if [ "$MM_ATTEST_MODE" = drop ]; then
  : >"$MM_WORK/attest"
  _count=$(cut -f5 "$MM_WORK/selected" | sort -u | while IFS= read -r _n; do cat "$MM_WORK/src.$_n.rows"; done | awk -F '\t' '$4 == "attestation"' | wc -l)
  if [ "$_count" -gt 0 ]; then catalog_say "dropping $_count attestation manifest(s) of the source indexes (attestations: $MM_ATTESTATIONS, tool: $MM_TOOL)"; fi
fi
while IFS="$TAB" read -r _p _repo _d _m _n _shape; do catalog_say "$_p  $_repo@$_d"; done <"$MM_WORK/selected"
while IFS="$TAB" read -r _repo _d _s _n; do catalog_say "attestation  $_repo@$_d -> $_s"; done <"$MM_WORK/attest"

# check_index <rows file>: the index holds exactly the selected images (and the kept attestations).
check_index() {
  while IFS="$TAB" read -r _cip _cirepo _cid _cim _cin _cishape; do
    _cigot=$(awk -F '\t' -v d="$_cid" '$1 == d && $4 == "image" { print $3; exit }' "$1")
    if [ -z "$_cigot" ]; then fail_later "$_cip: $_cirepo@$_cid is not in the index"; continue; fi
    _cing=$(norm_platform "$_cigot") || _cing=$_cigot
    platform_matches "$_cip" "$_cing" || fail_later "$_cip expected but $_cirepo@$_cid is $_cing"
  done <"$MM_WORK/selected"
  while IFS="$TAB" read -r _cid _cim _cip _cik _cis; do
    case $_cik in
      image) cut -f3 "$MM_WORK/selected" | grep -qxF "$_cid" || fail_later "the index holds an image nobody asked for: $_cid ($_cip)" ;;
      attestation) cut -f2 "$MM_WORK/attest" | grep -qxF "$_cid" || catalog_warn "the index holds attestation $_cid for $_cis that was not asked for" ;;
      *) catalog_warn "the index holds an entry without platform: $_cid ($_cim)" ;;
    esac
  done <"$1"
}

# ---- build and push --------------------------------------------------------------------
MM_INDEX_DIGEST=''
if [ "$MM_TOOL" = podman ]; then
  catalog_section mm_index "Building the index with podman manifest"
  MM_LIST="localhost/manifest-merge-$MM_ID-index"
  printf '%s\n' "$MM_LIST" >>"$MM_WORK/lists"
  pm manifest rm "$MM_LIST" >/dev/null 2>&1 </dev/null || true
  pm manifest create "$MM_LIST" >/dev/null </dev/null
  # Each image is added on its own, by digest: podman reads its config for the platform.
  while IFS="$TAB" read -r _p _repo _d _m _n _shape; do
    catalog_retry "adding $_repo@$_d" pm manifest add --tls-verify="$MM_OPT_TLS_VERIFY" ${MM_CERT_DIR:+"--cert-dir=$MM_CERT_DIR"} "$MM_LIST" "docker://$_repo@$_d" >/dev/null ||
      catalog_die "cannot add $_repo@$_d to the index"
  done <"$MM_WORK/selected"
  pm manifest inspect "$MM_LIST" </dev/null >"$MM_WORK/index.json" || catalog_die "cannot inspect the local index $MM_LIST"
  flatten <"$MM_WORK/index.json" >"$MM_WORK/index.flat"
  rows /manifests "$MM_WORK/index.flat" >"$MM_WORK/index.rows"
  check_index "$MM_WORK/index.rows"
  fail_now_if_any
  catalog_say "the index holds $(wc -l <"$MM_WORK/selected") image(s), each with the expected os/arch from its config"
  if [ "$MM_OPT_PUSH" = true ]; then
    catalog_section mm_push "Pushing the index (children by digest, only the index is tagged)"
    if [ "$MM_MEDIA_TYPE" = docker ]; then MM_FORMAT=v2s2; else MM_FORMAT=oci; fi
    # An image already in $MM_REPO is not pushed again: --all would copy it (a HEAD per blob, a
    # PUT of its manifest), requests that each attempt of the index push would have to get
    # through as well. Images from other repositories are copied once, with the first tag.
    MM_PUSH_ALL=false
    while IFS="$TAB" read -r _p _repo _d _m _n _shape; do
      if [ "$_repo" != "$MM_REPO" ]; then MM_PUSH_ALL=true; fi
    done <"$MM_WORK/selected"
    if [ "$MM_PUSH_ALL" = false ]; then catalog_say "every image is in $MM_REPO already: pushing the index alone"; fi
    while IFS= read -r _t; do
      catalog_retry "pushing $MM_REPO:$_t" pm manifest push --all="$MM_PUSH_ALL" --format "$MM_FORMAT" --tls-verify="$MM_OPT_TLS_VERIFY" ${MM_CERT_DIR:+"--cert-dir=$MM_CERT_DIR"} \
        --digestfile "$MM_WORK/digest" "$MM_LIST" "docker://$MM_REPO:$_t" || catalog_die "pushing $MM_REPO:$_t failed"
      MM_PUSH_ALL=false
      _d=$(tr -d '[:space:]' <"$MM_WORK/digest")
      catalog_matches '^sha256:[0-9a-f]{64}$' "$_d" || catalog_die "podman wrote an unexpected digest '$_d' for $MM_REPO:$_t"
      if [ -z "$MM_INDEX_DIGEST" ]; then MM_INDEX_DIGEST=$_d; fi
      [ "$_d" = "$MM_INDEX_DIGEST" ] || catalog_die "$MM_REPO:$_t got index $_d but $MM_REPO:$MM_FIRST_TAG got $MM_INDEX_DIGEST"
      catalog_say "pushed $MM_REPO:$_t -> $_d"
    done <"$MM_WORK/tags"
  fi
else
  catalog_section mm_index "Building the index with docker buildx imagetools create"
  set -- docker buildx imagetools create
  while IFS= read -r _t; do set -- "$@" --tag "$MM_REPO:$_t"; done <"$MM_WORK/tags"
  if [ "$MM_ATTEST_MODE" = keep ] && [ -s "$MM_WORK/attest" ]; then
    # Whole source indexes keep each attestation linked to its image; a platform filter
    # (buildx 0.29 or newer) leaves out what an index holds beyond the expected platforms.
    if [ -s "$MM_WORK/indexes.extra" ]; then
      if [ -n "$MM_BUILDX_MINOR" ] && [ "$MM_BUILDX_MINOR" -lt 29 ]; then
        catalog_die "a source index holds platforms beyond platforms; keeping its attestations needs buildx 0.29 or newer (--platform), or use attestations: drop"
      fi
      while IFS= read -r _p; do set -- "$@" --platform "$_p"; done <"$MM_WORK/platforms"
    fi
    : >"$MM_WORK/create.src"
    cp "$MM_WORK/selected" "$MM_WORK/selected.all"
    while IFS="$TAB" read -r _p _repo _d _m _n _shape; do
      _whole=false
      if [ "$_shape" = index ]; then
        _whole=true
        # every expected image this index holds must be one that was selected from it
        while IFS="$TAB" read -r _cd _cm _cp _ck _cs _cc; do
          [ "$_ck" = image ] || continue
          _ncp=$(norm_platform "$_cp") || _ncp=$_cp
          grep -qxF "$_ncp" "$MM_WORK/platforms" || continue
          awk -F '\t' -v d="$_cd" -v n="$_n" '$3 == d && $5 == n { f = 1 } END { exit !f }' "$MM_WORK/selected.all" || _whole=false
        done <"$MM_WORK/src.$_n.rows"
        if [ "$_whole" = false ]; then catalog_warn "$_repo@$_d is taken out of its index on its own: its attestations are dropped"; fi
      fi
      if [ "$_whole" = true ]; then
        IFS="$TAB" read -r _top _toptype _s <"$MM_WORK/src.$_n.top"
        _src="$_repo@$_top"
      else
        _src="$_repo@$_d"
      fi
      grep -qxF "$_src" "$MM_WORK/create.src" || printf '%s\n' "$_src" >>"$MM_WORK/create.src"
    done <"$MM_WORK/selected"
  else
    while IFS="$TAB" read -r _p _repo _d _m _n _shape; do printf '%s@%s\n' "$_repo" "$_d"; done <"$MM_WORK/selected" >"$MM_WORK/create.src"
  fi
  if [ "$MM_OPT_PUSH" != true ]; then set -- "$@" --dry-run; fi
  # `--`: a source is never read as an option, whatever refs holds.
  set -- "$@" --
  while IFS= read -r _src; do set -- "$@" "$_src"; done <"$MM_WORK/create.src"
  if [ "$MM_OPT_PUSH" = true ]; then
    catalog_section mm_push "Pushing the index (children by digest, only the index is tagged)"
    catalog_retry "docker buildx imagetools create" "$@" || catalog_die "docker buildx imagetools create failed"
    catalog_retry "reading $MM_REPO:$MM_FIRST_TAG" docker buildx imagetools inspect --raw "$MM_REPO:$MM_FIRST_TAG" >"$MM_WORK/index.raw" ||
      catalog_die "cannot read back $MM_REPO:$MM_FIRST_TAG"
    MM_INDEX_DIGEST="sha256:$(sha256sum <"$MM_WORK/index.raw" | cut -d ' ' -f 1)"
    while IFS= read -r _t; do
      catalog_retry "reading $MM_REPO:$_t" docker buildx imagetools inspect --raw "$MM_REPO:$_t" >"$MM_WORK/tag.raw" || catalog_die "cannot read back $MM_REPO:$_t"
      _d="sha256:$(sha256sum <"$MM_WORK/tag.raw" | cut -d ' ' -f 1)"
      [ "$_d" = "$MM_INDEX_DIGEST" ] || catalog_die "$MM_REPO:$_t is $_d but $MM_REPO:$MM_FIRST_TAG is $MM_INDEX_DIGEST"
      catalog_say "pushed $MM_REPO:$_t -> $_d"
    done <"$MM_WORK/tags"
  else
    catalog_retry "docker buildx imagetools create --dry-run" "$@" >"$MM_WORK/index.json" || catalog_die "docker buildx imagetools create --dry-run failed"
    flatten <"$MM_WORK/index.json" >"$MM_WORK/index.flat"
    rows /manifests "$MM_WORK/index.flat" >"$MM_WORK/index.rows"
    check_index "$MM_WORK/index.rows"
    fail_now_if_any
  fi
fi

if [ "$MM_OPT_PUSH" != true ]; then
  catalog_section mm_outputs "Not pushing (push: false): the index was built and checked, nothing was published"
  catalog_section_end
  exit 0
fi

# ---- verify what the registry now serves ------------------------------------------------
catalog_section mm_check "Reading back $MM_REPO@$MM_INDEX_DIGEST"
describe pushed "$MM_REPO@$MM_INDEX_DIGEST" || catalog_die "cannot read back $MM_REPO@$MM_INDEX_DIGEST"
cut -f1-5 "$MM_WORK/src.pushed.rows" >"$MM_WORK/pushed.rows"
check_index "$MM_WORK/pushed.rows"
if [ "$MM_TOOL" = imagetools ]; then
  if [ "$MM_MEDIA_TYPE" = oci ]; then _want=application/vnd.oci.image.index.v1+json; else _want=application/vnd.docker.distribution.manifest.list.v2+json; fi
  _got=$(cut -f2 "$MM_WORK/src.pushed.top")
  [ "$_got" = "$_want" ] || fail_later "the pushed index is a $_got, not a $_want (media-type $MM_MEDIA_TYPE)"
fi
fail_now_if_any
catalog_say "$MM_REPO@$MM_INDEX_DIGEST holds exactly: $(cut -f1 "$MM_WORK/selected" | tr '\n' ' ')"

# ---- sign the index, by digest ----------------------------------------------------------
if [ "$MM_SIGN" != none ]; then
  catalog_section mm_sign "Signing $MM_REPO@$MM_INDEX_DIGEST with cosign"
  # cosign reaches the registry as podman does: tls-verify and cert-dir become its registry options.
  set --
  if [ "$MM_OPT_TLS_VERIFY" != true ]; then set -- --allow-insecure-registry --allow-http-registry; fi
  if [ -n "$MM_CERT_DIR" ]; then
    cat "$MM_CERT_DIR"/*.crt >"$MM_WORK/registry-ca.pem" || catalog_die "cert-dir: cosign needs the CA certificates of $MM_CERT_DIR (*.crt files)"
    set -- "$@" --registry-cacert "$MM_WORK/registry-ca.pem"
  fi
  (
    if [ "$MM_TOOL" = podman ] && [ -n "${REGISTRY_AUTH_FILE:-}" ]; then
      # podman's auth file is in Docker's config format: cosign reads the same credentials.
      mkdir -p "$MM_WORK/cosign-docker"
      cp "$REGISTRY_AUTH_FILE" "$MM_WORK/cosign-docker/config.json"
      DOCKER_CONFIG="$MM_WORK/cosign-docker"
      export DOCKER_CONFIG
    fi
    catalog_cosign_sign "$MM_REPO@$MM_INDEX_DIGEST" "$@"
  ) || exit 1 # catalog_cosign_sign said why
fi

# ---- outputs ---------------------------------------------------------------------------
catalog_section mm_outputs "Writing the dotenv report"
{
  printf '%s_INDEX_DIGEST=%s\n' "$MM_PREFIX" "$MM_INDEX_DIGEST"
  printf '%s_INDEX_IMAGE=%s\n' "$MM_PREFIX" "$MM_REPO@$MM_INDEX_DIGEST"
  printf '%s_INDEX_TAGS=%s\n' "$MM_PREFIX" "$(sed "s|^|$MM_REPO:|" "$MM_WORK/tags" | paste -s -d , -)"
  printf '%s_INDEX_PLATFORMS=%s\n' "$MM_PREFIX" "$(cut -f1 "$MM_WORK/selected" | paste -s -d , -)"
  printf '%s_INDEX_REGISTRY=%s\n' "$MM_PREFIX" "$MM_REGISTRY"
} >"${CI_PROJECT_DIR:-.}/$MM_DOTENV_FILE"
cat "${CI_PROJECT_DIR:-.}/$MM_DOTENV_FILE"
catalog_section_end
