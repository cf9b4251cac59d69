# ---- ecr-login: best-effort logout (never fails the job) ---------------------------------------
# The job's own store (credential-store: job) goes whole; found from variables as the login
# built it, since this shell has none of the login's state.
# shellcheck disable=SC2154 # ecr_login_logout is assigned from the logout input by template.yml
# catalog:include ../lib/log.sh
catalog_init ecr-login
ecr_login_store=${RUNNER_TEMP_PROJECT_DIR:-${TMPDIR:-/tmp}}/ecr-login-${CI_JOB_ID:-local}
if [ "${ECR_LOGIN_CREDENTIAL_STORE:-job}" = job ] && [ -d "$ecr_login_store" ] && [ ! -L "$ecr_login_store" ]; then
  if rm -rf "$ecr_login_store"; then
    catalog_say "removed this job's credential store"
  else
    catalog_warn "could not remove this job's credential store $ecr_login_store"
  fi
fi
ecr_login_state=${TMPDIR:-/tmp}/ecr-login-${CI_JOB_ID:-local}.state
if [ "${ECR_LOGIN_CREDENTIAL_STORE:-job}" = shared ] && [ "$ecr_login_logout" = true ] && [ -f "$ecr_login_state" ]; then
  while read -r ecr_login_kind ecr_login_host ecr_login_file; do
    case $ecr_login_kind in
      docker)
        docker logout "$ecr_login_host" > /dev/null 2>&1 || catalog_warn "docker logout $ecr_login_host failed"
        ;;
      podman)
        for ecr_login_tool in podman buildah skopeo; do
          if command -v "$ecr_login_tool" > /dev/null 2>&1; then
            "$ecr_login_tool" logout --authfile "$ecr_login_file" "$ecr_login_host" > /dev/null 2>&1 \
              || catalog_warn "$ecr_login_tool logout $ecr_login_host failed"
            break
          fi
        done
        ;;
    esac
  done < "$ecr_login_state" || true
  catalog_say "logged out"
fi
# The list of this job's logins goes with the job, also where logout: false keeps the logins.
rm -f "$ecr_login_state" || true
