# ---- ecr-login check -------------------------------------------------------------------------
set -eu
# catalog:include ../lib/log.sh
catalog_init ecr-login
catalog_section ecr_login_check 'verify'
check_prefix=${ECR_LOGIN_DOTENV_PREFIX:-ECR}
case $check_prefix in ''|[!A-Z]*|*[!A-Z0-9_]*) catalog_die "dotenv-prefix '$check_prefix' is not an upper-case variable name" ;; esac
# ECR Public exists only in us-east-1, which the login already chose as ECR_REGION.
if [ "${ECR_LOGIN_REGISTRY_TYPE:-private}" = public ]; then
  check_expires=$(ecr_aws ecr-public get-authorization-token --query 'authorizationData.expiresAt' --output text) || check_expires=
  if check_registry=$(ecr_aws ecr-public describe-registries --query 'registries[0].registryUri' --output text); then
    catalog_say "ECR Public registry $check_registry answers"
  else
    catalog_warn "ecr-public:DescribeRegistries is not allowed (not needed to push)"
  fi
else
  check_expires=$(ecr_aws ecr get-authorization-token --query 'authorizationData[0].expiresAt' --output text) || check_expires=
  if check_registry=$(ecr_aws ecr describe-registry --query 'registryId' --output text); then
    catalog_say "registry of account $check_registry answers"
  else
    catalog_warn "ecr:DescribeRegistry is not allowed (not needed to push or pull)"
  fi
fi
# AWS CLI v1 prints expiresAt as epoch seconds, v2 as ISO 8601: the dotenv gets ISO 8601 either way.
case $check_expires in
  '' | *[!0-9.]*) ;;
  *) check_expires=$(date -u -d "@${check_expires%%.*}" '+%Y-%m-%dT%H:%M:%S+00:00' 2> /dev/null) || check_expires= ;;
esac
check_config=${DOCKER_CONFIG:-${HOME:-/root}/.docker}/config.json
printf '%s\n' "$ECR_REGISTRIES" | tr ' ' '\n' | sed '/^$/d' > ecr-login.hosts
while read -r check_host; do
  if [ "${ECR_LOGIN_MODE:-token}" = credential-helper ]; then
    # The helper prints a token; it goes to /dev/null, only the exit status matters.
    if printf '%s' "$check_host" | docker-credential-ecr-login get > /dev/null 2>&1; then
      catalog_say "credential helper works for $check_host"
    else
      catalog_die "docker-credential-ecr-login cannot get credentials for $check_host"
    fi
  elif [ -f "$check_config" ] && grep -q "\"$check_host\"" "$check_config"; then
    catalog_say "$check_host is in $check_config (docker login verified the token against the registry)"
  elif [ -n "${REGISTRY_AUTH_FILE:-}" ] && [ -f "$REGISTRY_AUTH_FILE" ] && grep -q "\"$check_host\"" "$REGISTRY_AUTH_FILE"; then
    catalog_say "$check_host is in $REGISTRY_AUTH_FILE (the login verified the token against the registry)"
  else
    catalog_die "no credentials for $check_host were stored"
  fi
done < ecr-login.hosts
rm -f ecr-login.hosts
{
  printf '%s_REGISTRY=%s\n' "$check_prefix" "$ECR_REGISTRY"
  printf '%s_REGISTRIES=%s\n' "$check_prefix" "$(printf '%s' "$ECR_REGISTRIES" | tr ' ' ',')"
  printf '%s_REGION=%s\n' "$check_prefix" "$ECR_REGION"
  printf '%s_AWS_ACCOUNT_ID=%s\n' "$check_prefix" "$ECR_AWS_ACCOUNT_ID"
  [ -z "$check_expires" ] || [ "$check_expires" = None ] || printf '%s_TOKEN_EXPIRES_AT=%s\n' "$check_prefix" "$check_expires"
} > ecr-login.env
catalog_say "dotenv report:"
cat ecr-login.env
catalog_section_end
