# ---- buildx-ecr ------------------------------------------------------------------------------
# shellcheck disable=SC2154 # bx_opt_* are assigned from the boolean inputs by template.yml
set -eu
# catalog:include ../lib/log.sh
# catalog:include ../lib/retry.sh
# catalog:include ../lib/text.sh
# catalog:include ../lib/install.sh
# catalog:include ../lib/cosign.sh
catalog_init buildx-ecr
bx_tmp=
catalog_section bx_settings 'settings'

bx_tmp=$(mktemp -d "${TMPDIR:-/tmp}/buildx-ecr.XXXXXX")
bx_builder=buildx-ecr-${CI_JOB_ID:-local}
bx_context_name=
bx_registry_builder=
bx_driver=${BUILDX_ECR_DRIVER:-docker-container}
# shellcheck disable=SC2317 # runs from the EXIT trap
bx_cleanup() {
  if [ "$bx_driver" = docker-container ]; then docker buildx rm "$bx_builder" > /dev/null 2>&1 || true; fi
  if [ -n "$bx_registry_builder" ]; then docker buildx rm "$bx_registry_builder" > /dev/null 2>&1 || true; fi
  if [ -n "$bx_context_name" ]; then docker context rm -f "$bx_context_name" > /dev/null 2>&1 || true; fi
  rm -rf "$bx_tmp"
}
trap bx_cleanup EXIT

bx_retries=${BUILDX_ECR_RETRIES:-2}
bx_delay=${BUILDX_ECR_RETRY_DELAY:-5}
catalog_is_uint "$bx_retries" || catalog_die "retries must be a whole number, not '$bx_retries'"
catalog_is_uint "$bx_delay" || catalog_die "retry-delay must be a whole number, not '$bx_delay'"
# retries counts the attempts after the first, as GitLab's retry: keyword does.
bx_attempts=$((bx_retries + 1))

# A log that shows a transient registry or network failure: worth another attempt.
bx_transient_errors='toomanyrequests|too many requests|[^0-9](429|50[0-9])[^0-9]|service unavailable|bad gateway|gateway time-?out|internal server error|i/o timeout|connection (reset|refused)|broken pipe|unexpected eof|tls handshake timeout|context deadline exceeded|failed to do request|no such host|temporary failure|net/http: request canceled'
catalog_retry_policy "$bx_retries" "$bx_delay" '' "$bx_transient_errors"
bx_slug() {
  printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | cut -c1-63 | tr -c 'a-z0-9' '-' | sed -e 's/^-*//' -e 's/-*$//'
}

# Where to push.
# image-name: `host/repository`, or a repository in the login's registry when its first part
# is no host (no `.` or `:`, not `localhost`: Docker's rule).
bx_image_name=${BUILDX_ECR_IMAGE_NAME:-}
bx_image_name=${bx_image_name#https://}
case $bx_image_name in
  */*) bx_first=${bx_image_name%%/*} ;;
  *) bx_first= ;;
esac
case $bx_first in
  *.*|*:*|localhost) bx_registry=$bx_first bx_repository_in=${bx_image_name#*/} ;;
  *) bx_registry=${ECR_REGISTRY:-} bx_repository_in=$bx_image_name ;;
esac
bx_registry=${bx_registry#https://}
bx_registry=${bx_registry%%/*}
[ -n "$bx_registry" ] || catalog_die "no registry: extend the ecr-login hidden job (login-job input), which sets ECR_REGISTRY, or name the registry in image-name"
# A host starts with a letter or a digit (Docker's reference grammar); `-v.example.com` would be an
# option of every command the image is an argument of.
case $bx_registry in -*) catalog_die "registry '$bx_registry' of image-name is not a registry host" ;; esac
bx_repository=$(printf '%s' "$bx_repository_in" | tr '[:upper:]' '[:lower:]')
[ "$bx_repository" = "$bx_repository_in" ] || catalog_say "repository lowered to '$bx_repository' (ECR names are lower case)"
catalog_matches '^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$' "$bx_repository" \
  || catalog_die "repository '$bx_repository' is not a valid ECR repository name"
bx_image=$bx_registry/$bx_repository

catalog_words "${BUILDX_ECR_PLATFORMS:-}" > "$bx_tmp/platforms"
[ -s "$bx_tmp/platforms" ] || catalog_die "platforms is empty (does the CI/CD variable it names exist in this job?)"
while read -r bx_p; do
  printf '%s\n' "$bx_p" | grep -Eq '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$' || catalog_die "platform '$bx_p' is not os/arch[/variant]"
done < "$bx_tmp/platforms"
bx_platforms=$(paste -s -d, "$bx_tmp/platforms")
bx_platform_count=$(wc -l < "$bx_tmp/platforms" | tr -d ' ')

bx_single=$bx_opt_single_manifest
bx_provenance=${BUILDX_ECR_PROVENANCE:-mode=min}
bx_sbom=$bx_opt_sbom
if [ "$bx_single" = true ]; then
  [ "$bx_platform_count" = 1 ] || catalog_die "single-manifest needs exactly one platform, got $bx_platforms"
  bx_provenance=false
  bx_sbom=false
fi
# The result is an index when it holds several platforms or any attestation.
bx_index=false
if [ "$bx_platform_count" -gt 1 ] || [ "$bx_provenance" != false ] || [ "$bx_sbom" = true ]; then bx_index=true; fi
bx_push=$bx_opt_push
# push-by-digest: one platform per job (one job of a parallel:matrix per runner), pushed
# without a tag; manifest-merge tags the index it makes from the jobs' digests.
bx_by_digest=$bx_opt_push_by_digest
bx_key=
if [ "$bx_by_digest" = true ]; then
  [ "$bx_push" = true ] || catalog_die "push-by-digest needs push: true"
  [ "$bx_platform_count" = 1 ] || catalog_die "push-by-digest builds one platform per job, got $bx_platforms: run one job per platform (parallel:matrix with platforms: \$PLATFORM)"
  # The dotenv keys end in the platform as podman-arch-build's do and manifest-merge reads
  # them (linux/arm/v7 -> ARM_V7): GitLab merges the reports of all the jobs a job needs,
  # and of equal keys the later one wins.
  bx_key=$(printf '%s' "${bx_platforms#linux/}" | tr '/abcdefghijklmnopqrstuvwxyz-' '_ABCDEFGHIJKLMNOPQRSTUVWXYZ_')
fi
bx_network=${BUILDX_ECR_NETWORK:-default}
case $bx_network in default|host|none) ;; *) catalog_die "network must be default, host or none" ;; esac
case $bx_driver in docker-container|docker) ;; *) catalog_die "buildx-driver must be docker-container or docker" ;; esac
if [ "$bx_by_digest" = true ] && [ "$bx_driver" = docker ]; then
  catalog_die "push-by-digest needs buildx-driver: docker-container (buildx refuses it with the docker driver: 'push-by-digest is currently not implemented for docker driver')"
fi
bx_prefix=${BUILDX_ECR_DOTENV_PREFIX:-BUILD}
catalog_check_dotenv_prefix "$bx_prefix" BUILDX_ECR ECR_LOGIN
bx_dotenv=buildx-ecr.$bx_prefix.env
bx_metadata=buildx-ecr.$bx_prefix.metadata.json
rm -f "$bx_dotenv" "$bx_metadata"
# Signing is checked before anything is built: a key that is missing fails the job, not the push.
bx_sign=${BUILDX_ECR_SIGN:-none}
catalog_cosign_check "$bx_sign" "${BUILDX_ECR_SIGN_KEY_VAR:-}" "${BUILDX_ECR_SIGN_PASSWORD_VAR:-}" "${BUILDX_ECR_SIGN_KMS_KEY:-}" "${BUILDX_ECR_SIGN_TLOG_UPLOAD:-auto}"
if [ "$bx_sign" != none ] && [ "$bx_push" != true ]; then catalog_say "sign: $bx_sign, but push is false: nothing is pushed, so nothing is signed"; fi
catalog_say "image $bx_image, platforms $bx_platforms, driver $bx_driver, push $bx_push, push-by-digest $bx_by_digest, sign $bx_sign"
catalog_section_end

# ---- Docker daemon ------------------------------------------------------------------------
catalog_section bx_docker 'Docker daemon'
# The docker image's entrypoint sets DOCKER_HOST for dind; Kubernetes runners skip entrypoints.
bx_certdir=${DOCKER_TLS_CERTDIR:-}
bx_tries=0
while :; do
  if [ -z "${DOCKER_HOST:-}" ]; then
    if [ -n "$bx_certdir" ] && [ -f "$bx_certdir/client/ca.pem" ] && [ -f "$bx_certdir/client/key.pem" ]; then
      DOCKER_HOST=tcp://docker:2376
      DOCKER_TLS_VERIFY=1
      DOCKER_CERT_PATH=$bx_certdir/client
      export DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
    elif [ -z "$bx_certdir" ] && [ ! -S /var/run/docker.sock ]; then
      DOCKER_HOST=tcp://docker:2375
      export DOCKER_HOST
    fi
  fi
  # The answer that says the daemon is up also names its version, said below.
  if docker version --format '{{.Server.Version}}' > "$bx_tmp/docker.version" 2> "$bx_tmp/docker.err"; then break; fi
  bx_tries=$((bx_tries + 1))
  if [ "$bx_tries" -ge 45 ]; then
    cat "$bx_tmp/docker.err" >&2
    catalog_die "no Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock} after 90s. The dind service needs a privileged runner; with TLS the runner must also mount /certs/client (or set docker-tls-certdir: '')."
  fi
  sleep 2
done
catalog_say "docker $(cat "$bx_tmp/docker.version") at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
if ! bx_buildx_version=$(docker buildx version 2> /dev/null); then
  if command -v apk > /dev/null 2>&1; then
    catalog_retry "apk add docker-cli-buildx" apk add --no-cache docker-cli-buildx > /dev/null
  else
    catalog_die "the docker buildx plugin is missing: use an image that has it"
  fi
  bx_buildx_version=$(docker buildx version)
fi
catalog_say "$bx_buildx_version"
if [ "$bx_sign" != none ] && [ "$bx_push" = true ]; then catalog_cosign_install; fi

# buildx cannot use TLS settings from the environment ("could not create a builder instance
# with TLS data loaded from environment"): give it a context that carries them.
bx_endpoint=
# bx_run_docker <args>: docker against the build's daemon, through that context when there is one.
# The docker driver builds only on the current context (`--builder <context>` alone fails:
# "use `docker --context=<context> buildx` to switch"), and the DOCKER_HOST the job sets
# outranks DOCKER_CONTEXT, so the context goes on the command line.
bx_run_docker() {
  if [ -n "${bx_endpoint:-}" ]; then docker --context "$bx_endpoint" "$@"; else docker "$@"; fi
}
case ${DOCKER_HOST:-} in
  tcp://*)
    if [ -n "${DOCKER_CERT_PATH:-}" ] || { [ -n "${DOCKER_TLS_VERIFY:-}" ] && [ "${DOCKER_TLS_VERIFY:-}" != 0 ]; }; then
      bx_certs=${DOCKER_CERT_PATH:-${HOME:-/root}/.docker}
      # Not the builder's name: buildx 0.13+ refuses `buildx create --name X` when a context X
      # exists ("instance name already exists as context builder", docker/buildx#2345).
      bx_context_name=buildx-ecr-tls-${CI_JOB_ID:-local}
      docker context rm -f "$bx_context_name" > /dev/null 2>&1 || true
      docker context create "$bx_context_name" \
        --docker "host=$DOCKER_HOST,ca=$bx_certs/ca.pem,cert=$bx_certs/cert.pem,key=$bx_certs/key.pem" > /dev/null
      bx_endpoint=$bx_context_name
      catalog_say "TLS daemon: docker context $bx_context_name"
    fi
    ;;
esac
catalog_section_end

# ---- Builder and QEMU ---------------------------------------------------------------------
catalog_section bx_builder 'builder and QEMU'
bx_qemu=${BUILDX_ECR_QEMU:-auto}
bx_qemu_image=${BUILDX_ECR_QEMU_IMAGE:-docker.io/tonistiigi/binfmt:qemu-v9.2.2}
# bx_arches <platform file>: binfmt architecture names (linux/arm/v7 -> arm), comma-separated.
bx_arches() {
  sed -e 's#^[^/]*/##' -e 's#/.*$##' "$1" | sort -u | paste -s -d, -
}
bx_install_qemu() {
  catalog_say "installing QEMU emulators for $1 with $bx_qemu_image"
  catalog_retry "QEMU install" bx_run_docker run --rm --privileged -- "$bx_qemu_image" --install "$1" \
    || catalog_die "installing QEMU failed; the runner must allow privileged containers (or build on native runners with qemu: never)"
}
# The builder's description (`buildx inspect`, with --bootstrap when it starts the builder) is
# asked once per state of the builder, into $bx_tmp/inspect: its platforms are read from there.
bx_inspect() {
  bx_run_docker buildx inspect "$bx_builder" > "$bx_tmp/inspect"
}
# bx_missing: requested platforms the builder does not list ($bx_tmp/inspect), into $bx_tmp/missing.
bx_missing() {
  sed -n 's/^[[:space:]]*Platforms:[[:space:]]*//p' "$bx_tmp/inspect" | tail -n 1 \
    | tr ',' '\n' | sed -e 's/[[:space:]*]//g' -e '/^$/d' > "$bx_tmp/supported"
  : > "$bx_tmp/missing"
  while read -r bx_p; do
    if ! grep -qxF "$bx_p" "$bx_tmp/supported" && ! grep -qxF "${bx_p%/v8}" "$bx_tmp/supported"; then
      printf '%s\n' "$bx_p" >> "$bx_tmp/missing"
    fi
  done < "$bx_tmp/platforms"
}
if [ "$bx_qemu" = always ]; then bx_install_qemu "$(bx_arches "$bx_tmp/platforms")"; fi
if [ -n "${BUILDX_ECR_BUILDKITD_CONFIG:-}" ]; then printf '%s\n' "$BUILDX_ECR_BUILDKITD_CONFIG" > "$bx_tmp/buildkitd.toml"; fi
if [ "$bx_driver" = docker-container ]; then
  set -- buildx create --name "$bx_builder" --driver docker-container --driver-opt "image=${BUILDX_ECR_BUILDKIT_IMAGE:-docker.io/moby/buildkit:v0.23.2}"
  if [ -s "$bx_tmp/buildkitd.toml" ]; then set -- "$@" --buildkitd-config "$bx_tmp/buildkitd.toml"; fi
  if [ "$bx_network" = host ]; then set -- "$@" --buildkitd-flags '--allow-insecure-entitlement network.host'; fi
  if [ -n "$bx_endpoint" ]; then set -- "$@" "$bx_endpoint"; fi
  docker buildx rm "$bx_builder" > /dev/null 2>&1 || true
  docker "$@" > /dev/null
  # Boot pulls the BuildKit image: a network operation.
  catalog_retry "builder start" docker buildx inspect --bootstrap "$bx_builder" > "$bx_tmp/inspect" \
    || catalog_die "the BuildKit builder did not start (image ${BUILDX_ECR_BUILDKIT_IMAGE:-}); see above"
else
  bx_builder=${bx_endpoint:-default}
  if [ -s "$bx_tmp/buildkitd.toml" ]; then
    # The engine builds and pushes with its own registry settings (insecure-registries,
    # certs.d), but imagetools (extra tags, verification) reaches the registry from this job
    # with the registry settings of a buildx builder, which the docker driver has none of:
    # a docker-container builder holding buildkitd-config-inline serves them without ever
    # being started (so no BuildKit image is pulled).
    bx_registry_builder=buildx-ecr-registry-${CI_JOB_ID:-local}
    set -- buildx create --name "$bx_registry_builder" --driver docker-container --buildkitd-config "$bx_tmp/buildkitd.toml"
    if [ -n "$bx_endpoint" ]; then set -- "$@" "$bx_endpoint"; fi
    docker buildx rm "$bx_registry_builder" > /dev/null 2>&1 || true
    docker "$@" > /dev/null
    catalog_say "buildkitd-config-inline: used by imagetools (tags, verification); the docker driver builds and pushes with the engine's registry settings"
  fi
  bx_inspect
fi
bx_missing
if [ -s "$bx_tmp/missing" ]; then
  catalog_say "the builder cannot run: $(paste -s -d' ' "$bx_tmp/missing")"
  [ "$bx_qemu" != never ] || catalog_die "qemu is never, and the builder cannot run $(paste -s -d' ' "$bx_tmp/missing"): build them on native runners"
  bx_install_qemu "$(bx_arches "$bx_tmp/missing")"
  if [ "$bx_driver" = docker-container ]; then
    # BuildKit detects emulators when it starts.
    bx_run_docker buildx stop "$bx_builder" > /dev/null 2>&1 || true
    catalog_retry "builder restart" bx_run_docker buildx inspect --bootstrap "$bx_builder" > "$bx_tmp/inspect"
  else
    bx_inspect
  fi
  bx_missing
  if [ -s "$bx_tmp/missing" ]; then
    catalog_die "the builder still cannot run $(paste -s -d' ' "$bx_tmp/missing") after installing QEMU (is the runner privileged?)"
  fi
else
  catalog_say "every platform is supported by the builder (natively or with binfmt already registered): no QEMU setup"
fi
sed -n 's/^[[:space:]]*Platforms:/buildx-ecr: builder platforms:/p' "$bx_tmp/inspect" | tail -n 1
catalog_section_end

# ---- Tags ---------------------------------------------------------------------------------
catalog_section bx_tags 'tags'
: > "$bx_tmp/tags"
# bx_add_tag <tag>: sanitised the way docker/metadata-action does; duplicates dropped.
bx_add_tag() {
  bx_t=$(printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '-' | sed -e 's/^[.-]*//' | cut -c1-128)
  [ -n "$bx_t" ] || return 0
  grep -qxF "$bx_t" "$bx_tmp/tags" || printf '%s\n' "$bx_t" >> "$bx_tmp/tags"
}
bx_strategy=${BUILDX_ECR_TAG_STRATEGY:-auto}
bx_tag=${CI_COMMIT_TAG:-}
bx_semver=
bx_release=false
if printf '%s\n' "${bx_tag#v}" | grep -Eq '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'; then
  bx_semver=${bx_tag#v}
  case $bx_semver in *-*|*+*) ;; *) bx_release=true ;; esac
fi
bx_default_branch=false
if [ -n "${CI_COMMIT_BRANCH:-}" ] && [ "${CI_COMMIT_BRANCH:-}" = "${CI_DEFAULT_BRANCH:-}" ]; then bx_default_branch=true; fi
bx_short_sha=${CI_COMMIT_SHORT_SHA:-local}
case $bx_strategy in
  auto)
    bx_add_tag "$bx_short_sha"
    if [ -n "$bx_semver" ]; then
      # The git tag as it is (`v1.2.3`), as docker/metadata-action's default tags have it, then
      # the version without the `v`.
      bx_add_tag "$bx_tag"
      bx_add_tag "$bx_semver"
      if [ "$bx_release" = true ]; then
        bx_major=${bx_semver%%.*}
        bx_minor=${bx_semver#*.}
        bx_minor=$bx_major.${bx_minor%%.*}
        bx_add_tag "$bx_minor"
        [ "$bx_major" = 0 ] || bx_add_tag "$bx_major"
      fi
    elif [ -n "$bx_tag" ]; then
      bx_add_tag "$bx_tag"
    fi
    if [ -n "${CI_COMMIT_BRANCH:-}" ]; then bx_add_tag "${CI_COMMIT_REF_SLUG:-$(bx_slug "$CI_COMMIT_BRANCH")}"; fi
    if [ -n "${CI_MERGE_REQUEST_IID:-}" ]; then bx_add_tag "mr-$CI_MERGE_REQUEST_IID"; fi
    if [ "${CI_PIPELINE_SOURCE:-}" = schedule ]; then bx_add_tag nightly; fi
    ;;
  sha) bx_add_tag "$bx_short_sha" ;;
  none) ;;
  *) catalog_die "tag-strategy must be auto, sha or none" ;;
esac
catalog_words "${BUILDX_ECR_TAGS:-}" > "$bx_tmp/explicit-tags"
if [ "$bx_by_digest" = true ] && [ -s "$bx_tmp/explicit-tags" ]; then
  catalog_die "push-by-digest pushes no tag, but tags is '$(paste -s -d' ' "$bx_tmp/explicit-tags")': give the tags to manifest-merge, which tags the index"
fi
while read -r bx_t; do
  printf '%s\n' "$bx_t" | grep -Eq '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' \
    || catalog_die "tag '$bx_t' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"
  bx_add_tag "$bx_t"
done < "$bx_tmp/explicit-tags"
bx_latest=false
case ${BUILDX_ECR_LATEST:-auto} in
  auto) if [ "$bx_default_branch" = true ] || [ "$bx_release" = true ]; then bx_latest=true; fi ;;
  default-branch) bx_latest=$bx_default_branch ;;
  release-tag) bx_latest=$bx_release ;;
  always) bx_latest=true ;;
  never) ;;
  *) catalog_die "latest must be auto, default-branch, release-tag, always or never" ;;
esac
if [ "$bx_latest" = true ]; then bx_add_tag latest; fi
[ "$bx_by_digest" = true ] || [ -s "$bx_tmp/tags" ] || catalog_die "no tag to push: tag-strategy is none and tags is empty"
bx_primary=$(head -n 1 "$bx_tmp/tags")
# The version label: the semver, else the tag, else the ref slug, else the short SHA.
bx_version=${bx_semver:-${bx_tag:-${CI_COMMIT_REF_SLUG:-$bx_short_sha}}}
if [ "$bx_by_digest" = true ]; then
  catalog_say "push-by-digest: no tag is pushed (manifest-merge tags the index)"
elif [ "$bx_push" = true ]; then
  if [ "$bx_index" = true ]; then
    catalog_say "tags: $(paste -s -d' ' "$bx_tmp/tags") (pushed as $bx_primary, the others set on the pushed digest)"
  else
    catalog_say "tags: $(paste -s -d' ' "$bx_tmp/tags") (one image manifest, pushed under every tag)"
  fi
else
  catalog_say "tags: $(paste -s -d' ' "$bx_tmp/tags") (push is false: nothing is pushed)"
fi
catalog_section_end

# ---- Build arguments ----------------------------------------------------------------------
catalog_section bx_build 'build and push'
set -- buildx build --builder "$bx_builder" --platform "$bx_platforms" --metadata-file "$bx_metadata" \
  "--provenance=$bx_provenance" "--sbom=$bx_sbom" --progress plain
if [ -n "${BUILDX_ECR_DOCKERFILE:-}" ]; then set -- "$@" --file "$BUILDX_ECR_DOCKERFILE"; fi
if [ -n "${BUILDX_ECR_TARGET:-}" ]; then set -- "$@" --target "$BUILDX_ECR_TARGET"; fi
if [ "$bx_network" != default ]; then set -- "$@" --network "$bx_network"; fi
if [ "$bx_network" = host ] && [ "$bx_driver" = docker-container ]; then set -- "$@" --allow network.host; fi
if [ "$bx_opt_pull" = true ]; then set -- "$@" --pull; fi
if [ "$bx_opt_no_cache" = true ]; then set -- "$@" --no-cache; fi
bx_created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' \
  "org.opencontainers.image.source=${CI_PROJECT_URL:-}" \
  "org.opencontainers.image.url=${CI_PROJECT_URL:-}" \
  "org.opencontainers.image.revision=${CI_COMMIT_SHA:-}" \
  "org.opencontainers.image.created=$bx_created" \
  "org.opencontainers.image.version=$bx_version" \
  "org.opencontainers.image.title=${CI_PROJECT_NAME:-}" \
  "org.opencontainers.image.description=$(printf '%s' "${CI_PROJECT_DESCRIPTION:-}" | tr '\n\r' '  ')" \
  | sed '/=$/d' > "$bx_tmp/oci"
if [ "$bx_opt_oci_labels" = true ]; then
  while IFS= read -r bx_line; do set -- "$@" --label "$bx_line"; done < "$bx_tmp/oci"
fi
catalog_lines "${BUILDX_ECR_LABELS:-}" > "$bx_tmp/labels"
while IFS= read -r bx_line; do set -- "$@" --label "$bx_line"; done < "$bx_tmp/labels"
if [ "$bx_opt_oci_annotations" = true ]; then
  # One --annotation per level: buildx before 0.16 does not split `index,manifest:` and
  # writes that whole prefix into the key, on the manifests only (docker/buildx#2522).
  while IFS= read -r bx_line; do
    if [ "$bx_index" = true ]; then set -- "$@" --annotation "index:$bx_line"; fi
    set -- "$@" --annotation "manifest:$bx_line"
  done < "$bx_tmp/oci"
fi
catalog_lines "${BUILDX_ECR_ANNOTATIONS:-}" > "$bx_tmp/annotations"
while IFS= read -r bx_line; do set -- "$@" --annotation "$bx_line"; done < "$bx_tmp/annotations"
catalog_lines "${BUILDX_ECR_BUILD_ARGS:-}" > "$bx_tmp/build-args"
while IFS= read -r bx_line; do set -- "$@" --build-arg "$bx_line"; done < "$bx_tmp/build-args"
catalog_lines "${BUILDX_ECR_SECRETS:-}" > "$bx_tmp/secrets"
while IFS= read -r bx_line; do
  case $bx_line in
    *id=*) set -- "$@" --secret "$bx_line" ;;
    *) catalog_die "secret spec '$bx_line' has no id= (write id=<name>,src=<file> or id=<name>,env=<VARIABLE>)" ;;
  esac
done < "$bx_tmp/secrets"

# Registry cache in ECR: the branch's cache, the default branch's as fallback.
bx_cache=${BUILDX_ECR_CACHE:-registry}
bx_cache_prefix=${BUILDX_ECR_CACHE_TAG_PREFIX:-buildcache-}
case $bx_cache in registry|read-only|none) ;; *) catalog_die "cache must be registry, read-only or none" ;; esac
# bx_cache_tag <ref slug>: the cache tag of a ref; with push-by-digest one per platform (each job
# builds one, and would replace the other platforms' cache), the slug shortened to keep the
# tag within 128 characters.
bx_cache_tag() {
  if [ "$bx_by_digest" = true ]; then
    bx_suffix=-$(printf '%s' "$bx_platforms" | tr '/' '-')
    printf '%s%s%s\n' "$bx_cache_prefix" "$(printf '%s' "$1" | cut -c1-$((128 - ${#bx_cache_prefix} - ${#bx_suffix})))" "$bx_suffix"
  else
    printf '%s%s\n' "$bx_cache_prefix" "$1"
  fi
}
if [ "$bx_cache" != none ]; then
  bx_cache_repository=$(printf '%s' "${BUILDX_ECR_CACHE_REPOSITORY:-$bx_repository}" | tr '[:upper:]' '[:lower:]')
  bx_ref_slug=${CI_COMMIT_REF_SLUG:-$(bx_slug "${CI_COMMIT_REF_NAME:-local}")}
  bx_cache_ref=$bx_registry/$bx_cache_repository:$(bx_cache_tag "$bx_ref_slug")
  set -- "$@" --cache-from "type=registry,ref=$bx_cache_ref"
  if [ -n "${CI_DEFAULT_BRANCH:-}" ]; then
    bx_default_slug=$(bx_slug "$CI_DEFAULT_BRANCH")
    if [ "$bx_default_slug" != "$bx_ref_slug" ]; then
      set -- "$@" --cache-from "type=registry,ref=$bx_registry/$bx_cache_repository:$(bx_cache_tag "$bx_default_slug")"
    fi
  fi
  if [ "$bx_cache" = registry ]; then
    if [ "$bx_driver" = docker ]; then catalog_say "note: cache export with the docker driver needs the containerd image store"; fi
    set -- "$@" --cache-to "type=registry,ref=$bx_cache_ref,mode=${BUILDX_ECR_CACHE_MODE:-max},image-manifest=true,oci-mediatypes=true,ignore-error=true"
  fi
fi
catalog_lines "${BUILDX_ECR_CACHE_FROM:-}" > "$bx_tmp/cache-from"
while IFS= read -r bx_line; do
  case $bx_line in
    *=*) set -- "$@" --cache-from "$bx_line" ;;
    *) set -- "$@" --cache-from "type=registry,ref=$bx_line" ;;
  esac
done < "$bx_tmp/cache-from"
catalog_lines "${BUILDX_ECR_EXTRA_ARGS:-}" > "$bx_tmp/extra-args"
while IFS= read -r bx_line; do set -- "$@" "$bx_line"; done < "$bx_tmp/extra-args"
if [ "$bx_by_digest" = true ]; then
  # Docker's fan-out ("Distribute build across multiple runners"): the image is pushed by its
  # digest alone; name-canonical gives the metadata file `<image>@<digest>`.
  set -- "$@" --output "type=image,name=$bx_image,push-by-digest=true,name-canonical=true,push=true"
elif [ "$bx_push" = true ]; then
  set -- "$@" --tag "$bx_image:$bx_primary"
  # A plain image manifest (one platform, no attestation) gets every tag from the build itself:
  # `imagetools create` would wrap it in a new index with another digest (buildx before 0.14
  # has no --prefer-index=false to prevent that).
  if [ "$bx_index" = false ]; then
    while read -r bx_t; do
      if [ "$bx_t" != "$bx_primary" ]; then set -- "$@" --tag "$bx_image:$bx_t"; fi
    done < "$bx_tmp/tags"
  fi
  set -- "$@" --push
fi
# `--`: a context that starts with `-` is a path, not an option.
set -- "$@" -- "${BUILDX_ECR_CONTEXT:-.}"

# ---- Repository -----------------------------------------------------------------------------
if [ "$bx_push" = true ] && [ "$bx_opt_create_repository" = true ]; then
  command -v ecr_aws > /dev/null 2>&1 || catalog_die "create-repository needs the ecr-login hidden job (its ecr_aws function)"
  # The registry's account (cross-account pushes), when the host names one.
  bx_registry_id=$(printf '%s\n' "$bx_registry" | sed -n 's/^\([0-9]\{12\}\)\..*/\1/p')
  # ECR Public has an API of its own (`ecr-public`, in us-east-1: the region its login sets)
  # that names a repository without the registry alias (`public.ecr.aws/<alias>/<name>`).
  bx_ecr_api=ecr
  if [ "$bx_registry" = public.ecr.aws ]; then bx_ecr_api=ecr-public; fi
  bx_ecr_repo() {
    if [ -n "$bx_registry_id" ]; then ecr_aws "$bx_ecr_api" "$@" --registry-id "$bx_registry_id"; else ecr_aws "$bx_ecr_api" "$@"; fi
  }
  # bx_ensure_repository <repository>: creates it when it does not exist.
  bx_ensure_repository() {
    bx_name=$1
    if [ "$bx_ecr_api" = ecr-public ]; then bx_name=${1#*/}; fi
    if bx_ecr_repo describe-repositories --repository-names "$bx_name" > /dev/null 2> "$bx_tmp/describe.err"; then
      catalog_say "repository $1 exists"
      return 0
    fi
    if ! grep -q RepositoryNotFoundException "$bx_tmp/describe.err"; then
      cat "$bx_tmp/describe.err" >&2
      catalog_die "could not look up repository $1 (needs $bx_ecr_api:DescribeRepositories)"
    fi
    if [ "$bx_ecr_api" = ecr-public ]; then
      catalog_retry "create-repository" bx_ecr_repo create-repository --repository-name "$bx_name" > /dev/null \
        || catalog_die "could not create ECR Public repository $bx_name (needs ecr-public:CreateRepository)"
    else
      catalog_retry "create-repository" bx_ecr_repo create-repository --repository-name "$bx_name" \
        --image-scanning-configuration scanOnPush=true > /dev/null \
        || catalog_die "could not create repository $bx_name (needs ecr:CreateRepository)"
    fi
    catalog_say "created repository $1"
  }
  bx_ensure_repository "$bx_repository"
  # The cache is exported to its own repository: without it every export fails (hidden by
  # ignore-error, see the warning after the build).
  if [ "$bx_cache" = registry ] && [ "$bx_cache_repository" != "$bx_repository" ]; then bx_ensure_repository "$bx_cache_repository"; fi
fi

# ---- Build and push, retried on transient registry errors ------------------------------------
cat > "$bx_tmp/exporter-pushed.awk" <<'AWK'
# catalog:include exporter-pushed.awk
AWK
# bx_exporter_pushed: true when the failed build had pushed every name already. buildx before
# 0.21 pushes what the docker driver built twice when the engine keeps its images in containerd
# (docker/buildx#3023): BuildKit's image exporter, which retries its registry requests, then the
# engine's push API (`pushing <name> with docker`), which retries none, so one failed request of
# that second push failed the build and a retry built and pushed everything again. The registry
# is read back instead: each name must serve the digest the exporter pushed.
bx_exporter_pushed() {
  if [ "$bx_driver" != docker ] || [ "$bx_push" != true ] || [ "$bx_by_digest" = true ]; then return 1; fi
  awk -f "$bx_tmp/exporter-pushed.awk" "$bx_tmp/build.log" > "$bx_tmp/exported"
  [ -s "$bx_tmp/exported" ] || return 1
  bx_exported=
  bx_names=
  while read -r bx_t; do
    # With an index only the primary tag is built; the others are set on its digest later.
    if [ "$bx_index" = true ] && [ "$bx_t" != "$bx_primary" ]; then continue; fi
    bx_pushed=$(awk -v name="$bx_image:$bx_t" 'index($0, name "@") == 1 { print substr($0, length(name) + 2); exit }' "$bx_tmp/exported")
    catalog_matches '^sha256:[0-9a-f]{64}$' "$bx_pushed" || return 1
    if [ -z "$bx_exported" ]; then bx_exported=$bx_pushed; fi
    [ "$bx_pushed" = "$bx_exported" ] || return 1
    catalog_retry "imagetools inspect" bx_run_docker buildx imagetools inspect --builder "${bx_registry_builder:-$bx_builder}" "$bx_image:$bx_t" > "$bx_tmp/served" || return 1
    [ "$(awk '$1 == "Digest:" { print $2; exit }' "$bx_tmp/served")" = "$bx_exported" ] || return 1
    bx_names=${bx_names:+$bx_names,}$bx_image:$bx_t
  done < "$bx_tmp/tags"
  catalog_say "buildx's second push through the engine failed, after BuildKit's exporter had pushed the image: the registry serves it ($bx_image:$bx_primary@$bx_exported), so it is not built again"
  # What buildx writes into the metadata file on success, for the steps below and the artifact.
  printf '{\n  "containerimage.digest": "%s",\n  "image.name": "%s"\n}\n' "$bx_exported" "$bx_names" > "$bx_metadata"
}
bx_attempt=1
while :; do
  catalog_say "docker $(catalog_shown "$@") (attempt $bx_attempt of $bx_attempts)"
  { if bx_run_docker "$@" 2>&1; then echo 0 > "$bx_tmp/build.rc"; else echo "$?" > "$bx_tmp/build.rc"; fi; } | tee "$bx_tmp/build.log"
  bx_rc=$(cat "$bx_tmp/build.rc")
  if [ "$bx_rc" = 0 ] || bx_exporter_pushed; then break; fi
  if [ "$bx_attempt" -lt "$bx_attempts" ] && grep -Eiq -e "$bx_transient_errors" "$bx_tmp/build.log"; then
    bx_wait=$(catalog_backoff_ms "$bx_attempt")
    catalog_say "the build failed with a transient registry error (exit $bx_rc); retrying in $(catalog_seconds "$bx_wait")s with the builder's cache"
    catalog_sleep_ms "$bx_wait"
    bx_attempt=$((bx_attempt + 1))
    continue
  fi
  if grep -Eq 'name unknown|repository with name .* does not exist' "$bx_tmp/build.log"; then
    catalog_say "hint: repository $bx_repository does not exist in $bx_registry: create it, set create-repository: true, or add an ECR CREATE_ON_PUSH template"
  elif grep -Eq 'tag invalid|cannot be overwritten because the (repository|tag) is immutable' "$bx_tmp/build.log"; then
    catalog_say "hint: the repository has immutable tags and '$bx_primary' exists; exclude mutable tags (latest, branch names, $bx_cache_prefix*) with IMMUTABLE_WITH_EXCLUSION, or use tag-strategy sha"
  elif grep -Eiq '403 forbidden|denied|401 unauthorized|no basic auth credentials|authorization token has expired' "$bx_tmp/build.log"; then
    catalog_say "hint: the registry refused the credentials. The role needs ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository"
  elif grep -Eq 'exec format error' "$bx_tmp/build.log"; then
    catalog_say "hint: a RUN step ran a binary for another architecture: QEMU is missing or broken (try another qemu-image, or native runners)"
  elif grep -Eiq 'not supported (for|by) (the )?docker driver' "$bx_tmp/build.log"; then
    catalog_say "hint: the docker driver needs the containerd image store for multi-platform images, attestations and cache export; use buildx-driver: docker-container, or provenance: 'false' for a single platform"
  fi
  catalog_die "docker buildx build failed (exit $bx_rc)"
done
# The cache is exported with ignore-error=true, so that a pushed image never fails on its
# cache; BuildKit then reports the failure only on the export's step (`#N ERROR: …`).
if [ "$bx_cache" = registry ]; then
  awk '$2 == "exporting" && $3 == "cache" { cache[$1] = 1 } ($1 in cache) && $2 == "ERROR:" { print }' "$bx_tmp/build.log" > "$bx_tmp/cache-errors"
  if [ -s "$bx_tmp/cache-errors" ]; then
    catalog_warn "the build cache was NOT exported to $bx_cache_ref; the next build starts without it:"
    sed 's/^/buildx-ecr:   /' "$bx_tmp/cache-errors"
    catalog_say "hint: the cache repository $bx_registry/$bx_cache_repository must exist (create-repository: true creates it), take mutable tags ($bx_cache_prefix* excluded from IMMUTABLE), and allow the push permissions to the role"
  fi
fi
catalog_section_end

# ---- Tags on the pushed digest, verification, outputs ---------------------------------------
catalog_section bx_outputs 'tags, verification and outputs'
bx_digest=
if [ "$bx_push" = true ]; then
  bx_digest=$(sed -n 's/^[[:space:]]*"containerimage\.digest":[[:space:]]*"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' "$bx_metadata" | head -n 1)
  [ -n "$bx_digest" ] || catalog_die "no containerimage.digest in $bx_metadata"
  catalog_say "pushed $bx_image@$bx_digest"
  # Every other tag of an index points at that exact digest, retagged in the registry: the
  # index (every platform and its attestations) is copied as it is, never pulled and pushed as
  # one image. A plain manifest has its tags from the build already.
  set -- buildx imagetools create --builder "${bx_registry_builder:-$bx_builder}"
  bx_more=false
  while read -r bx_t; do
    if [ "$bx_index" = true ] && [ "$bx_by_digest" != true ] && [ "$bx_t" != "$bx_primary" ]; then set -- "$@" --tag "$bx_image:$bx_t"; bx_more=true; fi
  done < "$bx_tmp/tags"
  set -- "$@" "$bx_image@$bx_digest"
  if [ "$bx_more" = true ]; then
    catalog_say "docker $*"
    catalog_retry "imagetools create" bx_run_docker "$@" \
      || catalog_die "could not tag $bx_image@$bx_digest (see the error above: immutable tags, or a plain-HTTP or private-CA registry missing from buildkitd-config-inline)"
  fi
  # What the registry serves under the digest: for verify-platforms, and for the platform's image
  # in the index push-by-digest pushed with attestations.
  if [ "$bx_opt_verify_platforms" = true ] || { [ "$bx_by_digest" = true ] && [ "$bx_index" = true ]; }; then
    catalog_retry "imagetools inspect" bx_run_docker buildx imagetools inspect --builder "${bx_registry_builder:-$bx_builder}" "$bx_image@$bx_digest" > "$bx_tmp/inspect" \
      || catalog_die "could not read $bx_image@$bx_digest back from the registry"
  fi
  if [ "$bx_opt_verify_platforms" = true ]; then
    if [ "$bx_index" = false ]; then
      # A plain manifest: imagetools prints `Platform:` lines only for an index, so the
      # platform is read from the image config.
      if grep -Eq 'MediaType:[[:space:]]*application/vnd\.(oci\.image\.index|docker\.distribution\.manifest\.list)' "$bx_tmp/inspect"; then
        catalog_die "the registry holds an index, not the one image manifest that was pushed"
      fi
      catalog_retry "imagetools inspect" bx_run_docker buildx imagetools inspect --builder "${bx_registry_builder:-$bx_builder}" --format '{{json .Image}}' "$bx_image@$bx_digest" > "$bx_tmp/config" \
        || catalog_die "could not read the image config of $bx_image@$bx_digest from the registry"
      bx_os=${bx_platforms%%/*}
      bx_arch=${bx_platforms#*/}
      bx_arch=${bx_arch%%/*}
      if ! grep -Eq "\"os\":[[:space:]]*\"$bx_os\"" "$bx_tmp/config" || ! grep -Eq "\"architecture\":[[:space:]]*\"$bx_arch\"" "$bx_tmp/config"; then
        catalog_die "the pushed image is not $bx_platforms (its config: $(tr -s '\n ' ' ' < "$bx_tmp/config" | cut -c1-300))"
      fi
    else
      while read -r bx_p; do
        grep -Eq "Platform:[[:space:]]*$bx_p\$" "$bx_tmp/inspect" || catalog_die "the pushed index lacks $bx_p"
      done < "$bx_tmp/platforms"
    fi
    catalog_say "verified in the registry: $bx_platforms"
  fi
  # push-by-digest reports the platform's image: the pushed digest, or with attestations the
  # image in the pushed index (each manifest's `Name:` line, then its `Platform:` line).
  bx_image_digest=$bx_digest
  if [ "$bx_by_digest" = true ] && [ "$bx_index" = true ]; then
    bx_image_digest=$(awk -v p="$bx_platforms" '$1 == "Name:" { name = $2 } $1 == "Platform:" && $2 == p { sub(/.*@/, "", name); print name; exit }' "$bx_tmp/inspect")
    printf '%s\n' "$bx_image_digest" | grep -Eq '^sha256:[0-9a-f]{64}$' \
      || catalog_die "the pushed index $bx_image@$bx_digest has no $bx_platforms image: $(tr -s '\n ' ' ' < "$bx_tmp/inspect" | cut -c1-300)"
    catalog_say "the $bx_platforms image is $bx_image@$bx_image_digest"
  fi
  if [ "$bx_sign" != none ]; then
    # By digest, never by tag: what is signed is exactly what was pushed and verified.
    catalog_cosign_sign "$bx_image@$bx_digest"
  fi
fi
if [ "$bx_by_digest" = true ]; then
  # Keys of this platform only (see bx_key): `_IMAGE_` is what was pushed (the image, or the
  # index of the image and its attestations), `_DIGEST_` the image manifest.
  {
    printf '%s_DIGEST_%s=%s\n' "$bx_prefix" "$bx_key" "$bx_image_digest"
    printf '%s_IMAGE_%s=%s@%s\n' "$bx_prefix" "$bx_key" "$bx_image" "$bx_digest"
    printf '%s_PLATFORM_%s=%s\n' "$bx_prefix" "$bx_key" "$bx_platforms"
    printf '%s_REGISTRY_%s=%s\n' "$bx_prefix" "$bx_key" "$bx_registry"
    printf '%s_JOB_%s=%s\n' "$bx_prefix" "$bx_key" "${CI_JOB_NAME:-}"
  } > "$bx_dotenv"
else
  {
    printf '%s_REGISTRY=%s\n' "$bx_prefix" "$bx_registry"
    printf '%s_IMAGE=%s\n' "$bx_prefix" "$bx_image"
    printf '%s_PLATFORMS=%s\n' "$bx_prefix" "$bx_platforms"
    printf '%s_VERSION=%s\n' "$bx_prefix" "$bx_version"
    if [ -n "$bx_digest" ]; then
      printf '%s_DIGEST=%s\n' "$bx_prefix" "$bx_digest"
      printf '%s_IMAGE_REF=%s@%s\n' "$bx_prefix" "$bx_image" "$bx_digest"
      printf '%s_TAGS=%s\n' "$bx_prefix" "$(paste -s -d, "$bx_tmp/tags")"
    fi
  } > "$bx_dotenv"
fi
catalog_say "dotenv report $bx_dotenv:"
cat "$bx_dotenv"
catalog_section_end
