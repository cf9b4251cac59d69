set -eu
umask 077

# ---- helpers ---------------------------------------------------------------------------
# catalog:include ../lib/log.sh
# catalog:include ../lib/retry.sh
# catalog:include ../lib/text.sh
catalog_init podman-arch-build

PAB_WORK=$(mktemp -d "${TMPDIR:-/tmp}/podman-arch-build.XXXXXX")
trap 'rm -rf "$PAB_WORK"' EXIT
# Registry and network failures worth another attempt, and failures no attempt can fix: a
# build is retried only on the first, a login or push on anything but the second.
PAB_TRANSIENT='i/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout|connection (reset|refused)|broken pipe|no such host|server misbehaving|temporary failure|unexpected EOF|toomanyrequests|too many requests|(HTTP status|StatusCode|status code):? *(429|5[0-9][0-9])'
PAB_PERMANENT='unauthorized|denied|forbidden|authentication required|tag invalid|immutable|cannot be overwritten|name unknown|invalid reference format|manifest invalid'

pm() { podman --storage-driver="$STORAGE_DRIVER" "$@"; }

# ---- inputs ----------------------------------------------------------------------------
catalog_section pab_inputs "Checking inputs"
catalog_is_uint "$PAB_OPT_RETRIES" || catalog_die "retries must be a whole number, got '$PAB_OPT_RETRIES'"
catalog_is_uint "$PAB_OPT_RETRY_DELAY" || catalog_die "retry-delay must be a whole number of seconds, got '$PAB_OPT_RETRY_DELAY'"
catalog_retry_policy "$PAB_OPT_RETRIES" "$PAB_OPT_RETRY_DELAY" "$PAB_PERMANENT"
catalog_check_dotenv_prefix "$PAB_DOTENV_PREFIX" MM PAB
case $PAB_ARCH in
  amd64) PAB_PLATFORM=linux/amd64 PAB_MACHINES='x86_64' PAB_QEMU=x86_64 ;;
  arm64) PAB_PLATFORM=linux/arm64 PAB_MACHINES='aarch64 arm64' PAB_QEMU=aarch64 ;;
  ppc64le) PAB_PLATFORM=linux/ppc64le PAB_MACHINES='ppc64le' PAB_QEMU=ppc64le ;;
  s390x) PAB_PLATFORM=linux/s390x PAB_MACHINES='s390x' PAB_QEMU=s390x ;;
  riscv64) PAB_PLATFORM=linux/riscv64 PAB_MACHINES='riscv64' PAB_QEMU=riscv64 ;;
  386) PAB_PLATFORM=linux/386 PAB_MACHINES='i386 i486 i586 i686' PAB_QEMU=i386 ;;
  arm-v7) PAB_PLATFORM=linux/arm/v7 PAB_MACHINES='armv7l armv8l' PAB_QEMU=arm ;;
  arm-v6) PAB_PLATFORM=linux/arm/v6 PAB_MACHINES='armv6l' PAB_QEMU=arm ;;
  *) catalog_die "unsupported arch '$PAB_ARCH'" ;;
esac
PAB_IMAGE_ARCH=${PAB_PLATFORM#linux/}
PAB_IMAGE_ARCH=${PAB_IMAGE_ARCH%%/*}
PAB_KEY=$(printf '%s' "$PAB_ARCH" | tr 'abcdefghijklmnopqrstuvwxyz-' 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_')

[ -n "$PAB_IMAGE_NAME" ] || catalog_die "image-name is empty (does the CI/CD variable it names exist in this pipeline?)"
case $PAB_IMAGE_NAME in
  *@*) catalog_die "image-name must not contain a digest: '$PAB_IMAGE_NAME'" ;;
esac
case ${PAB_IMAGE_NAME##*/} in
  *:*) catalog_die "image-name must not contain a tag ('${PAB_IMAGE_NAME##*/}'): the tag comes from the tag input" ;;
esac
PAB_REPO=$(printf '%s' "$PAB_IMAGE_NAME" | tr '[:upper:]' '[:lower:]')
[ "$PAB_REPO" = "$PAB_IMAGE_NAME" ] || catalog_say "image-name lowercased to $PAB_REPO (repository names must be lowercase)"
catalog_matches '^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$|^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$' "$PAB_REPO" ||
  catalog_die "image-name '$PAB_REPO' is not a valid repository (registry/path, lowercase)"
PAB_REGISTRY=docker.io
case $PAB_REPO in
  */*)
    case ${PAB_REPO%%/*} in
      *.* | *:* | localhost) PAB_REGISTRY=${PAB_REPO%%/*} ;;
    esac
    ;;
esac

[ -n "$PAB_TAG" ] || catalog_die "tag is empty (does the CI/CD variable it names exist in this pipeline?)"
PAB_FULL_TAG="$PAB_TAG-$PAB_ARCH"
catalog_matches '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' "$PAB_FULL_TAG" ||
  catalog_die "tag '$PAB_FULL_TAG' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-], at most 128 characters)"
PAB_REF="$PAB_REPO:$PAB_FULL_TAG"

if [ -n "$PAB_CACHE_REPO" ]; then
  PAB_CACHE_REPO=$(printf '%s' "$PAB_CACHE_REPO" | tr '[:upper:]' '[:lower:]')
  case ${PAB_CACHE_REPO##*/} in
    *:* | *@*) catalog_die "cache-repo must be a repository without tag or digest, got '$PAB_CACHE_REPO'" ;;
  esac
  [ "$PAB_OPT_LAYERS" = true ] || catalog_die "cache-repo needs layers: true"
fi
if [ -n "$PAB_PASSWORD_VAR" ] && [ -z "$PAB_USER_VAR" ]; then catalog_die "registry-password-var is set but registry-user-var is not"; fi
if [ -n "$PAB_USER_VAR" ] && [ -z "$PAB_PASSWORD_VAR" ]; then catalog_die "registry-user-var is set but registry-password-var is not"; fi

catalog_say "platform:   $PAB_PLATFORM"
catalog_say "image:      $PAB_REF"
catalog_say "registry:   $PAB_REGISTRY"
catalog_say "format:     $PAB_FORMAT    storage: $STORAGE_DRIVER    isolation: $BUILDAH_ISOLATION"
catalog_say "layers:     $PAB_OPT_LAYERS    cache: ${PAB_CACHE_REPO:-none}    push: $PAB_OPT_PUSH"

# ---- tools and runner ------------------------------------------------------------------
catalog_section pab_tools "Checking podman and the runner's architecture"
command -v podman >/dev/null 2>&1 || catalog_die "podman is not installed in image ${CI_JOB_IMAGE:-of this job}; set the image input to an image with podman 4.1 or newer"
for tool in grep tr tee mktemp date; do
  command -v "$tool" >/dev/null 2>&1 || catalog_die "$tool is not installed in the job image"
done
PAB_PODMAN_VERSION=$(podman --version </dev/null | sed -n 's/^podman version \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
catalog_say "$(podman --version </dev/null)"
if [ -n "$PAB_CACHE_REPO" ]; then
  case $PAB_PODMAN_VERSION in
    '' | [0-3].* | 4.0) catalog_die "cache-repo needs podman 4.1 or newer for --cache-from/--cache-to (found '${PAB_PODMAN_VERSION:-unknown}')" ;;
  esac
fi

PAB_MACHINE=$(uname -m)
case " $PAB_MACHINES " in
  *" $PAB_MACHINE "*) PAB_NATIVE=true ;;
  *) PAB_NATIVE=false ;;
esac
if [ "$PAB_NATIVE" = true ]; then
  catalog_say "runner is $PAB_MACHINE: native build for $PAB_PLATFORM"
elif [ "$PAB_OPT_EMULATION" = true ]; then
  catalog_warn "runner is $PAB_MACHINE, building $PAB_PLATFORM under QEMU emulation (slow)"
  if [ -e /proc/sys/fs/binfmt_misc/register ] && ! [ -e "/proc/sys/fs/binfmt_misc/qemu-$PAB_QEMU" ]; then
    catalog_warn "no binfmt_misc entry qemu-$PAB_QEMU is registered: RUN steps will fail with 'exec format error' (register it on the host, e.g. with tonistiigi/binfmt or qemu-user-static)"
  fi
else
  catalog_die "runner is $PAB_MACHINE but arch $PAB_ARCH needs ${PAB_MACHINES%% *}: select a native runner with runner-tags, or set emulation: true to build under QEMU"
fi

# ---- registry authentication -----------------------------------------------------------
catalog_section pab_auth "Registry authentication"
if [ -n "$PAB_PASSWORD_VAR" ]; then
  if [ -z "${REGISTRY_AUTH_FILE:-}" ]; then
    REGISTRY_AUTH_FILE="$PAB_WORK/auth.json"
  fi
  export REGISTRY_AUTH_FILE
  PAB_USER=$(printenv "$PAB_USER_VAR") || catalog_die "CI/CD variable $PAB_USER_VAR (registry-user-var) is not set in this job"
  printenv "$PAB_PASSWORD_VAR" >"$PAB_WORK/password" || catalog_die "CI/CD variable $PAB_PASSWORD_VAR (registry-password-var) is not set in this job"
  [ -n "$PAB_USER" ] || catalog_die "CI/CD variable $PAB_USER_VAR (registry-user-var) is empty"
  grep -q . "$PAB_WORK/password" || catalog_die "CI/CD variable $PAB_PASSWORD_VAR (registry-password-var) is empty"
  catalog_retry --stdin "$PAB_WORK/password" "podman login to $PAB_REGISTRY" podman login --authfile "$REGISTRY_AUTH_FILE" \
    --tls-verify="$PAB_OPT_TLS_VERIFY" ${PAB_CERT_DIR:+"--cert-dir=$PAB_CERT_DIR"} \
    --username "$PAB_USER" --password-stdin "$PAB_REGISTRY" ||
    catalog_die "podman login to $PAB_REGISTRY as $PAB_USER failed"
  rm -f "$PAB_WORK/password"
  catalog_say "logged in to $PAB_REGISTRY as $PAB_USER (credentials in $REGISTRY_AUTH_FILE, mode 0600)"
elif [ -n "${REGISTRY_AUTH_FILE:-}" ]; then
  export REGISTRY_AUTH_FILE
  [ -f "$REGISTRY_AUTH_FILE" ] || catalog_die "REGISTRY_AUTH_FILE is $REGISTRY_AUTH_FILE but that file does not exist (did the login catalog_section pab_run in this job?)"
  catalog_say "using the auth file in REGISTRY_AUTH_FILE ($REGISTRY_AUTH_FILE)"
else
  catalog_say "no registry-user-var/registry-password-var and no REGISTRY_AUTH_FILE: using podman's default credentials"
fi

# ---- build -----------------------------------------------------------------------------
catalog_section pab_build "Building $PAB_REF for $PAB_PLATFORM"
# Secrets are handled; files podman and the build create get the usual modes again.
umask 022
set -- build --isolation "$BUILDAH_ISOLATION" --platform "$PAB_PLATFORM" --format "$PAB_FORMAT" \
  --layers="$PAB_OPT_LAYERS" --tls-verify="$PAB_OPT_TLS_VERIFY" --iidfile "$PAB_WORK/iid" --tag "$PAB_REF"
# missing is podman's default policy; passing only always keeps older podman happy
if [ "$PAB_OPT_PULL" = true ]; then set -- "$@" --pull=always; fi
if [ -n "$PAB_CERT_DIR" ]; then set -- "$@" --cert-dir "$PAB_CERT_DIR"; fi
if [ -n "$PAB_DOCKERFILE" ]; then set -- "$@" --file "$PAB_DOCKERFILE"; fi
if [ -n "$PAB_TARGET" ]; then set -- "$@" --target "$PAB_TARGET"; fi
if [ -n "$PAB_CACHE_REPO" ]; then set -- "$@" --cache-from "$PAB_CACHE_REPO" --cache-to "$PAB_CACHE_REPO"; fi
# podman 5 run as root gives each RUN step 1048576 open files and processes, and raising a hard
# limit needs CAP_SYS_RESOURCE, which a job may lack ("setting RLIMIT_NPROC limit … operation not
# permitted"). Below that, RUN steps get the job's own hard limits, which needs no privilege; an
# --ulimit in build-extra-args comes later and wins. podman 4 asks for no such limits, and in chroot
# isolation refuses a process limit above the 32768 it gives a RUN step (podman 4.3.1: "setting
# RLIMIT_NPROC limit to soft=96370,hard=96370 (was soft=32768,hard=32768): operation not
# permitted"), so it gets none.
case $PAB_PODMAN_VERSION in
  [0-4].*) PAB_LIMITS='' ;;
  *)
    PAB_LIMITS=$(sed -n -e 's/^Max open files  *[^ ]*  *\([0-9][0-9]*\) .*/nofile \1/p' \
      -e 's/^Max processes  *[^ ]*  *\([0-9][0-9]*\) .*/nproc \1/p' /proc/self/limits 2>/dev/null) || PAB_LIMITS=''
    ;;
esac
while read -r _limit _hard; do
  if catalog_is_uint "${_hard:-}" && [ "$_hard" -lt 1048576 ]; then set -- "$@" --ulimit "$_limit=$_hard:$_hard"; fi
done <<EOF
$PAB_LIMITS
EOF
if [ "$PAB_OPT_OCI_LABELS" = true ]; then
  if [ -n "${CI_PROJECT_URL:-}" ]; then set -- "$@" --label "org.opencontainers.image.source=$CI_PROJECT_URL" --label "org.opencontainers.image.url=$CI_PROJECT_URL"; fi
  if [ -n "${CI_COMMIT_SHA:-}" ]; then set -- "$@" --label "org.opencontainers.image.revision=$CI_COMMIT_SHA"; fi
  if [ -n "${CI_COMMIT_TIMESTAMP:-}" ]; then set -- "$@" --label "org.opencontainers.image.created=$CI_COMMIT_TIMESTAMP"; fi
  if [ -n "${CI_PROJECT_NAME:-}" ]; then set -- "$@" --label "org.opencontainers.image.title=$CI_PROJECT_NAME"; fi
fi
# One `flag` line then one `value` line per argument ("-" = no flag); comments and blank lines skipped.
list_args() {
  catalog_lines "$2" | while IFS= read -r _line; do printf '%s\n%s\n' "$1" "$_line"; done
}
{
  list_args --build-arg "$PAB_BUILD_ARGS"
  list_args --secret "$PAB_SECRETS"
  list_args --label "$PAB_LABELS"
  list_args - "$PAB_EXTRA_ARGS"
} >"$PAB_WORK/args"
while IFS= read -r _flag && IFS= read -r _value; do
  if [ "$_flag" = - ]; then set -- "$@" "$_value"; else set -- "$@" "$_flag" "$_value"; fi
done <"$PAB_WORK/args"
set -- "$@" "$PAB_CONTEXT"
cd "${CI_PROJECT_DIR:-.}"
[ -d "$PAB_CONTEXT" ] || catalog_die "build context '$PAB_CONTEXT' is not a directory in $(pwd)"
catalog_say "podman --storage-driver=$STORAGE_DRIVER $(catalog_shown "$@")"
catalog_retry --permanent '' --transient "$PAB_TRANSIENT" "podman build" pm "$@" || catalog_die "podman build failed for $PAB_PLATFORM"
PAB_IMAGE_ID=$(cat "$PAB_WORK/iid")

# ---- verify ----------------------------------------------------------------------------
catalog_section pab_verify "Verifying the image's architecture"
PAB_BUILT=$(pm image inspect --format '{{.Os}}/{{.Architecture}}' "$PAB_IMAGE_ID" </dev/null)
if [ "$PAB_BUILT" != "linux/$PAB_IMAGE_ARCH" ]; then
  catalog_die "built image $PAB_IMAGE_ID is $PAB_BUILT but arch $PAB_ARCH expects linux/$PAB_IMAGE_ARCH (a base image without a $PAB_PLATFORM variant, or a --platform in build-extra-args?)"
fi
catalog_say "image $PAB_IMAGE_ID is $PAB_BUILT as expected"

# ---- push ------------------------------------------------------------------------------
if [ "$PAB_OPT_PUSH" != true ]; then
  catalog_section pab_outputs "Not pushing (push: false)"
  : >"${CI_PROJECT_DIR:-.}/$PAB_DOTENV_FILE"
  printf '%s_PLATFORM_%s=%s\n%s_JOB_%s=%s\n' \
    "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_PLATFORM" "$PAB_DOTENV_PREFIX" "$PAB_KEY" "${CI_JOB_NAME:-}" >>"${CI_PROJECT_DIR:-.}/$PAB_DOTENV_FILE"
  catalog_section_end
  exit 0
fi
catalog_section pab_push "Pushing $PAB_REF"
if [ "$PAB_FORMAT" = docker ]; then PAB_PUSH_FORMAT=v2s2; else PAB_PUSH_FORMAT=oci; fi
catalog_retry "podman push $PAB_REF" pm push --tls-verify="$PAB_OPT_TLS_VERIFY" ${PAB_CERT_DIR:+"--cert-dir=$PAB_CERT_DIR"} \
  --format "$PAB_PUSH_FORMAT" --digestfile "$PAB_WORK/digest" "$PAB_REF" "docker://$PAB_REF" ||
  catalog_die "podman push $PAB_REF failed"
PAB_DIGEST=$(tr -d '[:space:]' <"$PAB_WORK/digest")
catalog_matches '^sha256:[0-9a-f]{64}$' "$PAB_DIGEST" || catalog_die "podman push wrote an unexpected digest '$PAB_DIGEST'"
catalog_say "pushed $PAB_REPO@$PAB_DIGEST"

# ---- outputs ---------------------------------------------------------------------------
catalog_section pab_outputs "Writing the dotenv report"
{
  printf '%s_DIGEST_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_DIGEST"
  printf '%s_IMAGE_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_REPO@$PAB_DIGEST"
  printf '%s_TAG_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_REF"
  printf '%s_PLATFORM_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_PLATFORM"
  printf '%s_REGISTRY_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "$PAB_REGISTRY"
  printf '%s_JOB_%s=%s\n' "$PAB_DOTENV_PREFIX" "$PAB_KEY" "${CI_JOB_NAME:-}"
} >"${CI_PROJECT_DIR:-.}/$PAB_DOTENV_FILE"
cat "${CI_PROJECT_DIR:-.}/$PAB_DOTENV_FILE"
catalog_section_end
