# ---- ecr-login -----------------------------------------------------------------------------
# Runs in the job's own shell so that the exports below reach the job's script; shell options
# and the umask are restored at the end; this component's helpers are prefixed `ecr_login_`, and
# the shared ones (catalog_*) are removed from the shell at the end.
# shellcheck disable=SC2218 # buildx-ecr's, manifest-merge's and podman-arch-build's scripts define the catalog_* helpers again after this login in the same shell, and shellcheck takes every call before a second definition for a call before the definition
ecr_login_saved_opts=$-
ecr_login_saved_umask=$(umask)
set -eu
umask 077
# catalog:include ../lib/log.sh
# catalog:include ../lib/retry.sh
# catalog:include ../lib/install.sh
# Only the library files whose every helper this login calls: the job's script (buildx-ecr's, …)
# defines the helpers again, and shellcheck takes a first definition that nothing calls before
# the second for unreachable code.
catalog_init ecr-login
catalog_section ecr_login 'sign in to Amazon ECR' collapsed

ecr_login_mode=${ECR_LOGIN_MODE:-token}
ecr_login_type=${ECR_LOGIN_REGISTRY_TYPE:-private}
ecr_login_retries=${ECR_LOGIN_RETRIES:-3}
ecr_login_delay=${ECR_LOGIN_RETRY_DELAY:-2}
ecr_login_endpoint=${ECR_LOGIN_AWS_ENDPOINT_URL:-}
case $ecr_login_mode in token|credential-helper) ;; *) catalog_die "mode must be token or credential-helper, not '$ecr_login_mode'" ;; esac
case $ecr_login_type in private|public) ;; *) catalog_die "registry-type must be private or public, not '$ecr_login_type'" ;; esac
case $ecr_login_retries in ''|*[!0-9]*) catalog_die "retries must be a whole number" ;; esac
case $ecr_login_delay in ''|*[!0-9]*) catalog_die "retry-delay must be a whole number of seconds" ;; esac

# Secrets (ID token, STS output, registry passwords) live only in this 0700 directory.
ecr_login_tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecr-login.XXXXXX")
catalog_remove_on_die "$ecr_login_tmp"

# A failed command's stderr that looks transient (throttling, 5xx, network): worth another attempt.
# `: EOF` is Go's report of a connection the server closed without an answer (docker/podman login's ping).
ecr_login_transient_errors='throttl|rate exceeded|too ?many ?requests|slow ?down|timed? ?out|timeout|connection (reset|refused|closed|aborted)|could not connect|temporar|unavailable|internal ?(server )?error|internalfailure|bad gateway|broken pipe|unexpected eof|: eof([^a-z]|$)|[^0-9]5[0-9][0-9]([^0-9]|$)|IDPCommunicationError|no such host|network is unreachable|tls handshake'
# retries counts the attempts after the first, as GitLab's retry: keyword does.
catalog_retry_policy "$ecr_login_retries" "$ecr_login_delay" '' "$ecr_login_transient_errors"

# ecr_aws <aws arguments>: the AWS CLI with this login's endpoint and region. Kept after the
# login for the job's own script (`ecr_aws ecr describe-images ...`).
ecr_aws() {
  if [ -n "${ECR_LOGIN_AWS_ENDPOINT_URL:-}" ]; then
    aws --endpoint-url "$ECR_LOGIN_AWS_ENDPOINT_URL" --region "${ECR_REGION:-us-east-1}" "$@"
  else
    aws --region "${ECR_REGION:-us-east-1}" "$@"
  fi
}
# ecr_login_aws_in <region> <aws arguments>: the same, in another region.
# shellcheck disable=SC2317 # called through catalog_retry
ecr_login_aws_in() {
  ecr_login_in=$1
  shift
  if [ -n "${ECR_LOGIN_AWS_ENDPOINT_URL:-}" ]; then
    aws --endpoint-url "$ECR_LOGIN_AWS_ENDPOINT_URL" --region "$ecr_login_in" "$@"
  else
    aws --region "$ecr_login_in" "$@"
  fi
}

# Host -> region and account, for the host forms ECR uses (standard, FIPS, dual-stack, China, EUSC).
ecr_login_host_region() {
  printf '%s\n' "$1" | sed -n -E 's/^[0-9]{12}\.dkr[.-]ecr(-fips)?\.([a-z0-9-]+)\.(amazonaws\.com(\.cn)?|amazonaws\.eu|on\.aws)$/\2/p'
}
ecr_login_host_account() {
  printf '%s\n' "$1" | sed -n -E 's/^([0-9]{12})\.dkr[.-]ecr(-fips)?\..*$/\1/p'
}
# ecr_login_build_host <account> <region>
ecr_login_build_host() {
  case $2 in
    cn-*) ecr_login_suffix=amazonaws.com.cn ;;
    eusc-*) ecr_login_suffix=amazonaws.eu ;;
    *) ecr_login_suffix=amazonaws.com ;;
  esac
  case ${ECR_LOGIN_ENDPOINT_TYPE:-standard} in
    standard) printf '%s.dkr.ecr.%s.%s\n' "$1" "$2" "$ecr_login_suffix" ;;
    fips) printf '%s.dkr.ecr-fips.%s.%s\n' "$1" "$2" "$ecr_login_suffix" ;;
    dual-stack) printf '%s.dkr-ecr.%s.on.aws\n' "$1" "$2" ;;
    dual-stack-fips) printf '%s.dkr-ecr-fips.%s.on.aws\n' "$1" "$2" ;;
    *) catalog_die "endpoint-type must be standard, fips, dual-stack or dual-stack-fips, not '${ECR_LOGIN_ENDPOINT_TYPE:-}'" ;;
  esac
}

# Explains the classic OIDC trust mistakes from the STS error text and the token's public
# claims (the payload only; the signature, which makes the token usable, is never printed).
ecr_login_explain_sts() {
  ecr_login_claims=$ecr_login_tmp/claims.json
  : > "$ecr_login_claims"
  if [ -s "$ecr_login_tmp/web-identity-token" ]; then
    ecr_login_payload=$(cut -d. -f2 < "$ecr_login_tmp/web-identity-token" | tr '_-' '/+')
    case $((${#ecr_login_payload} % 4)) in
      2) ecr_login_payload="$ecr_login_payload==" ;;
      3) ecr_login_payload="$ecr_login_payload=" ;;
    esac
    printf '%s' "$ecr_login_payload" | base64 -d > "$ecr_login_claims" 2>/dev/null || true
  fi
  ecr_login_claim() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$ecr_login_claims" | head -n 1; }
  ecr_login_iss=$(ecr_login_claim iss)
  ecr_login_sub=$(ecr_login_claim sub)
  ecr_login_aud=$(ecr_login_claim aud)
  ecr_login_host=${ecr_login_iss#https://}
  ecr_login_role_account=$(printf '%s\n' "${ECR_LOGIN_ROLE_ARN:-}" | sed -n 's/^arn:[^:]*:iam::\([0-9]\{12\}\):role\/.*/\1/p')
  {
    echo "ecr-login: the GitLab ID token was refused for role '${ECR_LOGIN_ROLE_ARN:-}'."
    echo "  token claims: iss='$ecr_login_iss' aud='$ecr_login_aud' sub='$ecr_login_sub'"
    if grep -q 'No OpenIDConnect provider found' "$1"; then
      echo "  likely cause: account ${ecr_login_role_account:-<role account>} has no IAM OIDC identity provider for"
      echo "  '$ecr_login_iss'. Create one with provider URL '$ecr_login_iss' and audience '$ecr_login_aud'"
      echo "  (the URL must equal the token's iss exactly: https, no trailing slash)."
    elif grep -q 'Incorrect token audience' "$1"; then
      echo "  likely cause: the IAM OIDC provider for '$ecr_login_iss' does not list the audience (client ID)"
      echo "  '$ecr_login_aud'. Add it to the provider, or set the oidc-audience input to one it lists."
    elif grep -qi 'thumbprint' "$1"; then
      echo "  likely cause: the IAM OIDC provider's certificate thumbprint does not match the certificate of"
      echo "  '$ecr_login_iss' (a self-managed instance whose certificate changed). Update the thumbprint list."
    elif grep -Eqi 'verification key|IDPCommunicationError|IDPRejectedClaim' "$1"; then
      echo "  likely cause: AWS cannot fetch the signing keys from '$ecr_login_iss/oauth/discovery/keys'."
      echo "  The instance must be reachable from the internet (or use a public ci_id_tokens_issuer_url)."
    elif grep -Eqi 'expired' "$1"; then
      echo "  likely cause: the ID token expired before it was used (its lifetime is the job timeout);"
      echo "  retry the job."
    elif grep -Eqi "roleArn|role ARN|ValidationError|MalformedPolicy" "$1"; then
      echo "  likely cause: the role ARN or a parameter is malformed. Expected arn:aws:iam::<12 digits>:role/<name>;"
      echo "  role-duration-seconds must be 900-43200 and at most the role's MaxSessionDuration."
    else
      echo "  likely causes, most common first (STS says the same for all of them):"
      echo "  1. the trust policy's '$ecr_login_host:sub' condition does not match this job's sub"
      echo "     '$ecr_login_sub'. GitLab's format is project_path:<group>/<project>:ref_type:<branch|tag>:ref:<name>"
      echo "     (unless the project customised its sub claim); it is case-sensitive, and wildcards (*) need"
      echo "     StringLike, not StringEquals. Protected-branch or tag-only conditions also refuse other refs."
      echo "  2. the trust policy's '$ecr_login_host:aud' condition is not '$ecr_login_aud' (the oidc-audience input)."
      echo "  3. the trust policy's Principal.Federated is not"
      echo "     arn:aws:iam::${ecr_login_role_account:-<account>}:oidc-provider/$ecr_login_host, or the action is not"
      echo "     sts:AssumeRoleWithWebIdentity."
      echo "  4. the role ARN is misspelt or in another account (STS does not reveal whether a role exists)."
    fi
  } >&2
}

# ecr_login_say_cli: the AWS CLI's version, once, after a call to AWS failed: v1 and v2 word their
# errors differently. The success path spends no process on it.
ecr_login_cli_said=false
ecr_login_say_cli() {
  [ "$ecr_login_cli_said" = true ] || catalog_say "$(aws --version 2>&1 | head -n 1)"
  ecr_login_cli_said=true
}

# ecr_login_whoami: sts get-caller-identity, only where no other call names the account (ECR
# Public without a role) or after an ECR call failed, to tell credentials that do not work from
# credentials that lack the ECR permission.
ecr_login_whoami() {
  if ! catalog_retry "sts get-caller-identity" ecr_aws sts get-caller-identity --query '[Account,Arn]' --output text > "$ecr_login_tmp/caller"; then
    ecr_login_say_cli
    if [ "$ecr_login_source" = environment ]; then
      catalog_die "no usable AWS credentials. Tried the environment: AWS_* variables, AWS_PROFILE and config files, AWS_WEB_IDENTITY_TOKEN_FILE, container and instance roles. Set aws-role-arn for GitLab OIDC, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY CI/CD variables."
    fi
    catalog_die "the $ecr_login_source credentials do not work (sts:GetCallerIdentity failed; see the AWS CLI message above)"
  fi
  read -r ecr_login_account ecr_login_arn < "$ecr_login_tmp/caller" || true
  catalog_say "caller: $ecr_login_arn (account $ecr_login_account)"
}

# ecr_login_fetch_token <region>: one `ecr get-authorization-token` per region, fetched once, into
# $ecr_login_tmp/token-<region> (0600, umask 077): the base64 "AWS:<password>" token and the
# caller's registry endpoint (https://<account>.dkr.ecr.<region>…, an emulator's own host): one
# call for the password, the default registry and the account. A failure ends the login, said
# with what get-caller-identity then tells about the credentials.
ecr_login_fetch_token() {
  ecr_login_tok=$ecr_login_tmp/token-$1
  if [ ! -s "$ecr_login_tok" ] \
    && ! catalog_retry "ecr get-authorization-token ($1)" ecr_login_aws_in "$1" ecr get-authorization-token \
      --query 'authorizationData[0].[authorizationToken,proxyEndpoint]' --output text > "$ecr_login_tok"; then
    ecr_login_say_cli
    ecr_login_whoami
    if [ -s "$ecr_login_tmp/entries" ]; then
      catalog_die "could not get an ECR token in $1 (needs ecr:GetAuthorizationToken)"
    fi
    catalog_die "could not read the default registry of account $ecr_login_account (needs ecr:GetAuthorizationToken)"
  fi
  ecr_login_tok_host=$(cut -f2 "$ecr_login_tok" | sed -e 's#^[a-z]*://##' -e 's#/.*$##')
}

# Credential stores, and the registry client each needs. The login installs none (the job's
# own commands need the image's), so a missing one is said before any call to AWS.
ecr_login_targets=${ECR_LOGIN_AUTH_TARGETS:-auto}
ecr_login_docker=false
ecr_login_podman=false
ecr_login_podman_tool=
for ecr_login_tool in podman buildah skopeo; do
  if command -v "$ecr_login_tool" >/dev/null 2>&1; then ecr_login_podman_tool=$ecr_login_tool; break; fi
done
case $ecr_login_targets in
  auto)
    command -v docker >/dev/null 2>&1 && ecr_login_docker=true
    [ -z "$ecr_login_podman_tool" ] || ecr_login_podman=true
    if [ "$ecr_login_docker" = false ] && [ "$ecr_login_podman" = false ]; then
      catalog_die "auth-targets: auto found none of docker, podman, buildah, skopeo in the image; use an image with the registry client the job uses"
    fi
    ;;
  docker) ecr_login_docker=true ;;
  podman) ecr_login_podman=true ;;
  docker+podman) ecr_login_docker=true; ecr_login_podman=true ;;
  *) catalog_die "auth-targets must be auto, docker, podman or docker+podman, not '$ecr_login_targets'" ;;
esac
# token mode logs in with the clients; credential-helper mode only writes JSON (jq).
if [ "$ecr_login_mode" = token ]; then
  if [ "$ecr_login_docker" = true ] && ! command -v docker >/dev/null 2>&1; then
    catalog_die "auth-targets includes docker but the docker CLI is not installed"
  fi
  if [ "$ecr_login_podman" = true ] && [ -z "$ecr_login_podman_tool" ]; then
    catalog_die "auth-targets includes podman but none of podman, buildah, skopeo is installed"
  fi
fi

catalog_section ecr_login_aws 'AWS CLI, region and credentials' collapsed

catalog_install aws aws-cli awscli awscli

# Region: input, then the first registry host, then the environment. ECR Public: us-east-1 only.
printf '%s\n' "${ECR_LOGIN_REGISTRIES:-}" | tr -c 'A-Za-z0-9_.:/-' '\n' | sed -e 's#^[a-z]*://##' -e 's#/.*$##' -e '/^$/d' > "$ecr_login_tmp/entries"
ecr_login_region=${ECR_LOGIN_AWS_REGION:-}
if [ "$ecr_login_type" = public ]; then
  [ -z "$ecr_login_region" ] || [ "$ecr_login_region" = us-east-1 ] || catalog_say "ECR Public only authenticates in us-east-1; ignoring aws-region '$ecr_login_region'"
  ecr_login_region=us-east-1
fi
if [ -z "$ecr_login_region" ]; then
  while read -r ecr_login_entry; do
    ecr_login_region=$(ecr_login_host_region "$ecr_login_entry")
    [ -z "$ecr_login_region" ] || break
  done < "$ecr_login_tmp/entries"
fi
[ -n "$ecr_login_region" ] || ecr_login_region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$ecr_login_region" ] || catalog_die "no AWS region: set the aws-region input, give a registry host with its region, or set AWS_REGION"
ECR_REGION=$ecr_login_region
export ECR_REGION
# Later aws commands of the job get the same default region, unless the job set one.
if [ "$ecr_login_type" = private ] && [ -z "${AWS_REGION:-}" ] && [ -z "${AWS_DEFAULT_REGION:-}" ]; then
  AWS_REGION=$ecr_login_region
  export AWS_REGION
fi
[ -z "$ecr_login_endpoint" ] || catalog_say "AWS API endpoint: $ecr_login_endpoint"
# FIPS binds every call to AWS, not only the registry host: with this variable the AWS CLI and
# the SDKs (the credential helper's too) choose the FIPS endpoints of STS and ECR.
case ${ECR_LOGIN_ENDPOINT_TYPE:-standard} in
  fips|dual-stack-fips)
    AWS_USE_FIPS_ENDPOINT=true
    export AWS_USE_FIPS_ENDPOINT
    catalog_say "endpoint-type ${ECR_LOGIN_ENDPOINT_TYPE}: AWS API calls use FIPS endpoints (AWS_USE_FIPS_ENDPOINT=true)"
    ;;
esac

# Credentials.
ecr_login_source=${ECR_LOGIN_CREDENTIALS:-auto}
ecr_login_token_var=${ECR_LOGIN_ID_TOKEN_VARIABLE:-AWS_ID_TOKEN}
case $ecr_login_token_var in
  ''|[0-9]*|*[!A-Za-z0-9_]*) catalog_die "id-token-variable '$ecr_login_token_var' is not a variable name" ;;
esac
# The name was just checked to be a plain identifier, so this reads one variable and nothing else.
eval "ecr_login_token=\${$ecr_login_token_var:-}"
if [ "$ecr_login_source" = auto ]; then
  if [ -n "${ECR_LOGIN_ROLE_ARN:-}" ] && [ -n "$ecr_login_token" ]; then
    ecr_login_source=oidc
  elif [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ]; then
    ecr_login_source=static
  else
    ecr_login_source=environment
  fi
fi
ecr_login_session=$(printf '%s' "${ECR_LOGIN_ROLE_SESSION_NAME:-gitlab-${CI_JOB_ID:-job}}" | tr -c 'A-Za-z0-9+=,.@_-' '-' | cut -c1-64)
ecr_login_duration=${ECR_LOGIN_ROLE_DURATION_SECONDS:-3600}
case $ecr_login_duration in ''|*[!0-9]*) catalog_die "role-duration-seconds must be a whole number" ;; esac
if [ "$ecr_login_duration" -lt 900 ] || [ "$ecr_login_duration" -gt 43200 ]; then
  catalog_die "role-duration-seconds must be between 900 and 43200, not $ecr_login_duration"
fi
# The credential helper fetches each registry token with the role session's credentials, which
# nothing renews: once the session ends every pull and push of the job fails. CI_JOB_TIMEOUT
# (seconds, set by GitLab Runner) is how long the job may run; said now, before the login.
if [ "$ecr_login_mode" = credential-helper ] && [ -n "${ECR_LOGIN_ROLE_ARN:-}" ]; then
  case ${CI_JOB_TIMEOUT:-} in
    ''|*[!0-9]*) ;;
    *)
      if [ "$ecr_login_duration" -lt "$CI_JOB_TIMEOUT" ]; then
        catalog_warn "the role session ends after role-duration-seconds ($ecr_login_duration s) but the job may run $CI_JOB_TIMEOUT s (its timeout); the credential helper cannot get registry tokens after that. Set role-duration-seconds to at least $CI_JOB_TIMEOUT (the role's MaxSessionDuration must allow it; chained roles stop at 3600), or use mode: token (one 12-hour registry token)."
      fi
      ;;
  esac
fi

# Reads "<key id> <secret> <session token> <expiration> <assumed role ARN>" (STS text output)
# into the environment; the ARN (arn:aws:sts::<account>:assumed-role/…) names the account.
ecr_login_account=
ecr_login_use_sts_output() {
  read -r ecr_login_key_id ecr_login_secret ecr_login_session_token ecr_login_expiration ecr_login_arn < "$ecr_login_tmp/sts.out" || true
  [ -n "${ecr_login_session_token:-}" ] || catalog_die "STS returned no credentials"
  AWS_ACCESS_KEY_ID=$ecr_login_key_id
  AWS_SECRET_ACCESS_KEY=$ecr_login_secret
  AWS_SESSION_TOKEN=$ecr_login_session_token
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  # An explicit profile would take precedence over these keys in the AWS CLI.
  unset AWS_PROFILE AWS_DEFAULT_PROFILE ecr_login_secret ecr_login_session_token
  catalog_say "assumed role until $ecr_login_expiration"
  ecr_login_account=$(printf '%s\n' "${ecr_login_arn:-}" | sed -n 's/^arn:[^:]*:sts::\([0-9]\{12\}\):.*/\1/p')
  [ -z "$ecr_login_account" ] || catalog_say "caller: $ecr_login_arn (account $ecr_login_account)"
}

case $ecr_login_source in
  oidc)
    [ -n "${ECR_LOGIN_ROLE_ARN:-}" ] || catalog_die "credentials: oidc needs the aws-role-arn input"
    if [ -z "$ecr_login_token" ]; then
      catalog_die "the ID token variable '$ecr_login_token_var' is empty. The job must get it from id_tokens (extend the hidden job, or copy its id_tokens with !reference; GitLab 15.7+). Where GitLab mints no token (gitlab-ci-local), set the variable yourself."
    fi
    catalog_say "credentials: GitLab OIDC -> sts:AssumeRoleWithWebIdentity on $ECR_LOGIN_ROLE_ARN (session $ecr_login_session)"
    printf '%s' "$ecr_login_token" > "$ecr_login_tmp/web-identity-token"
    # file:// keeps the token off the command line (and out of the process list).
    if ! catalog_retry --keep-stderr "$ecr_login_tmp/stderr" "sts assume-role-with-web-identity" ecr_aws sts assume-role-with-web-identity \
      --role-arn "$ECR_LOGIN_ROLE_ARN" \
      --role-session-name "$ecr_login_session" \
      --duration-seconds "$ecr_login_duration" \
      --web-identity-token "file://$ecr_login_tmp/web-identity-token" \
      --query '[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken,Credentials.Expiration,AssumedRoleUser.Arn]' \
      --output text > "$ecr_login_tmp/sts.out"; then
      ecr_login_say_cli
      # Not reached is not refused: the trust-policy causes apply only to an answer from STS.
      if grep -Eq 'Could not connect to the endpoint URL|Connect timeout on endpoint URL|Read timeout on endpoint URL|SSL validation failed' "$ecr_login_tmp/stderr"; then
        catalog_die "could not reach STS at ${ECR_LOGIN_AWS_ENDPOINT_URL:-its AWS endpoint} (see the AWS CLI's message above): check the runner's network, proxy (HTTPS_PROXY, NO_PROXY) and CA settings, and the aws-endpoint-url input"
      fi
      ecr_login_explain_sts "$ecr_login_tmp/stderr"
      catalog_die "could not assume $ECR_LOGIN_ROLE_ARN with the GitLab ID token"
    fi
    ecr_login_use_sts_output
    ;;
  static|environment)
    if [ "$ecr_login_source" = static ]; then
      if [ -z "${AWS_ACCESS_KEY_ID:-}" ] || [ -z "${AWS_SECRET_ACCESS_KEY:-}" ]; then
        catalog_die "credentials: static needs the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY CI/CD variables (masked; never inputs)"
      fi
      catalog_say "credentials: access keys from CI/CD variables"
    else
      catalog_say "credentials: from the environment (instance or pod role, AWS_PROFILE, web identity file)"
    fi
    if [ -n "${ECR_LOGIN_ROLE_ARN:-}" ]; then
      catalog_say "assuming $ECR_LOGIN_ROLE_ARN (session $ecr_login_session)"
      catalog_retry "sts assume-role" ecr_aws sts assume-role \
        --role-arn "$ECR_LOGIN_ROLE_ARN" \
        --role-session-name "$ecr_login_session" \
        --duration-seconds "$ecr_login_duration" \
        --query '[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken,Credentials.Expiration,AssumedRoleUser.Arn]' \
        --output text > "$ecr_login_tmp/sts.out" \
        || { ecr_login_say_cli; catalog_die "could not assume $ECR_LOGIN_ROLE_ARN with the $ecr_login_source credentials (the role's trust policy must allow the caller to sts:AssumeRole)"; }
      ecr_login_use_sts_output
    fi
    ;;
  *) catalog_die "credentials must be auto, oidc, static or environment, not '$ecr_login_source'" ;;
esac
unset ecr_login_token

# Registries: "<host> <region>" lines.
: > "$ecr_login_tmp/hosts"
if [ "$ecr_login_type" = public ]; then
  [ -s "$ecr_login_tmp/entries" ] || echo public.ecr.aws > "$ecr_login_tmp/entries"
  while read -r ecr_login_entry; do
    printf '%s us-east-1\n' "$ecr_login_entry" >> "$ecr_login_tmp/hosts"
  done < "$ecr_login_tmp/entries"
else
  if [ ! -s "$ecr_login_tmp/entries" ]; then
    # The caller's own registry, as the API names it (emulators answer with their own host),
    # from the token the login in this region uses.
    ecr_login_fetch_token "$ecr_login_region"
    ecr_login_entry=$ecr_login_tok_host
    if [ "${ECR_LOGIN_ENDPOINT_TYPE:-standard}" != standard ] && [ -n "$(ecr_login_host_account "$ecr_login_entry")" ]; then
      ecr_login_entry=$(ecr_login_host_account "$ecr_login_entry")
    fi
    printf '%s\n' "$ecr_login_entry" > "$ecr_login_tmp/entries"
  fi
  while read -r ecr_login_entry; do
    case $ecr_login_entry in
      [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9])
        ecr_login_host=$(ecr_login_build_host "$ecr_login_entry" "$ecr_login_region")
        printf '%s %s\n' "$ecr_login_host" "$ecr_login_region" >> "$ecr_login_tmp/hosts"
        ;;
      *[!A-Za-z0-9.:-]*)
        catalog_die "'$ecr_login_entry' in registries is neither a 12-digit account ID nor a registry host"
        ;;
      *.*)
        ecr_login_host_reg=$(ecr_login_host_region "$ecr_login_entry")
        printf '%s %s\n' "$ecr_login_entry" "${ecr_login_host_reg:-$ecr_login_region}" >> "$ecr_login_tmp/hosts"
        ;;
      *)
        catalog_die "'$ecr_login_entry' in registries is neither a 12-digit account ID nor a registry host"
        ;;
    esac
  done < "$ecr_login_tmp/entries"
fi
[ -s "$ecr_login_tmp/hosts" ] || catalog_die "no registry to log in to: check the registries input"

# The account, before any registry is touched (allowed-account-ids): from the STS answer with a
# role; else from the registry endpoint of the first registry's token, which token mode needs
# anyway (and which, in credential-helper mode, proves the credentials as get-caller-identity
# would); get-caller-identity only where neither names it (ECR Public, an emulator's endpoint).
if [ -z "$ecr_login_account" ] && [ "$ecr_login_type" = private ]; then
  ecr_login_fetch_token "$(head -n 1 "$ecr_login_tmp/hosts" | cut -d' ' -f2)"
  ecr_login_account=$(ecr_login_host_account "$ecr_login_tok_host")
  [ -z "$ecr_login_account" ] || catalog_say "account $ecr_login_account (its registry $ecr_login_tok_host)"
fi
[ -n "$ecr_login_account" ] || ecr_login_whoami
if [ -n "${ECR_LOGIN_ALLOWED_ACCOUNT_IDS:-}" ]; then
  case ",$(printf '%s' "$ECR_LOGIN_ALLOWED_ACCOUNT_IDS" | tr -d ' \t\n')," in
    *",$ecr_login_account,"*) ;;
    *) catalog_die "account $ecr_login_account is not in allowed-account-ids ($ECR_LOGIN_ALLOWED_ACCOUNT_IDS)" ;;
  esac
fi
ECR_AWS_ACCOUNT_ID=$ecr_login_account
export ECR_AWS_ACCOUNT_ID

catalog_section ecr_login_registries 'registries'

ecr_login_state=${TMPDIR:-/tmp}/ecr-login-${CI_JOB_ID:-local}.state
case ${ECR_LOGIN_CREDENTIAL_STORE:-job} in
  job)
    # Stores of this job's own: concurrent jobs of a shell runner share HOME, and a logout
    # from the shared store logs every one of them out. Outside CI_PROJECT_DIR, because
    # artifacts and cache paths cannot leave it: GitLab Runner's RUNNER_TEMP_PROJECT_DIR
    # (`<project dir>.tmp`, where it writes file variables), else TMPDIR. Built from variables
    # only, so that after_script (a shell of its own) finds it to remove it. `mkdir` fails on
    # an existing path, so nobody can plant it; a second login in the same job reuses it.
    ecr_login_store=${RUNNER_TEMP_PROJECT_DIR:-${TMPDIR:-/tmp}}/ecr-login-${CI_JOB_ID:-local}
    if [ "${ECR_LOGIN_STORE:-}" = "$ecr_login_store" ] && [ -d "$ecr_login_store" ] && [ ! -L "$ecr_login_store" ] && [ -O "$ecr_login_store" ]; then
      catalog_say "credential store: $ecr_login_store (this job's, from its earlier login)"
    else
      mkdir -p "$(dirname "$ecr_login_store")"
      mkdir "$ecr_login_store" || catalog_die "cannot create this job's credential store $ecr_login_store (it must not exist yet)"
      mkdir "$ecr_login_store/docker" "$ecr_login_store/containers"
      # Seeded with what the job had: other registries' credentials, contexts, CLI plugins.
      ecr_login_seed=${DOCKER_CONFIG:-${HOME:-/root}/.docker}
      [ ! -f "$ecr_login_seed/config.json" ] || cp "$ecr_login_seed/config.json" "$ecr_login_store/docker/config.json"
      for ecr_login_link in cli-plugins contexts; do
        [ ! -d "$ecr_login_seed/$ecr_login_link" ] || ln -s "$ecr_login_seed/$ecr_login_link" "$ecr_login_store/docker/$ecr_login_link"
      done
      ecr_login_seed=${REGISTRY_AUTH_FILE:-${XDG_RUNTIME_DIR:-${HOME:-/root}/.config}/containers/auth.json}
      [ ! -f "$ecr_login_seed" ] || cp "$ecr_login_seed" "$ecr_login_store/containers/auth.json"
      ECR_LOGIN_STORE=$ecr_login_store
      export ECR_LOGIN_STORE
      catalog_say "credential store: $ecr_login_store (this job's; removed by after_script)"
    fi
    DOCKER_CONFIG=$ecr_login_store/docker
    export DOCKER_CONFIG
    # Only a file that exists: podman-arch-build and manifest-merge refuse a missing one.
    if [ "$ecr_login_podman" = true ] || [ -f "$ecr_login_store/containers/auth.json" ]; then
      REGISTRY_AUTH_FILE=$ecr_login_store/containers/auth.json
      export REGISTRY_AUTH_FILE
    fi
    # The logout list of the shared stores has no use here: after_script removes the store.
    ecr_login_state=$ecr_login_store/logins
    ;;
  shared) ;;
  *) catalog_die "credential-store must be job or shared, not '${ECR_LOGIN_CREDENTIAL_STORE:-}'" ;;
esac
ecr_login_docker_config=${DOCKER_CONFIG:-${HOME:-/root}/.docker}/config.json
if [ "$ecr_login_podman" = true ]; then
  if [ -z "${REGISTRY_AUTH_FILE:-}" ]; then
    REGISTRY_AUTH_FILE=${XDG_RUNTIME_DIR:-${HOME:-/root}/.config}/containers/auth.json
  fi
  export REGISTRY_AUTH_FILE
  mkdir -p "$(dirname "$REGISTRY_AUTH_FILE")"
fi

if [ "$ecr_login_mode" = credential-helper ]; then
  catalog_install docker-credential-ecr-login docker-credential-ecr-login amazon-ecr-credential-helper amazon-ecr-credential-helper
  catalog_install jq jq jq jq
  # The helper uses the AWS SDK for Go, which reads service-specific endpoint variables.
  if [ -n "$ecr_login_endpoint" ]; then
    AWS_ENDPOINT_URL_ECR=$ecr_login_endpoint
    AWS_ENDPOINT_URL_ECR_PUBLIC=$ecr_login_endpoint
    export AWS_ENDPOINT_URL_ECR AWS_ENDPOINT_URL_ECR_PUBLIC
  fi
  # ecr_login_helper_entry <json file> <host>: credHelpers[host] = "ecr-login", no stored token.
  ecr_login_helper_entry() {
    mkdir -p "$(dirname "$1")"
    [ -s "$1" ] || echo '{}' > "$1"
    jq --arg host "$2" '.credHelpers[$host] = "ecr-login" | if .auths then del(.auths[$host]) else . end' "$1" > "$1.ecr-login.tmp"
    mv "$1.ecr-login.tmp" "$1"
  }
  while read -r ecr_login_host ecr_login_host_reg; do
    if [ "$ecr_login_docker" = true ]; then
      ecr_login_helper_entry "$ecr_login_docker_config" "$ecr_login_host"
      catalog_say "docker: $ecr_login_host -> credential helper ecr-login"
    fi
    if [ "$ecr_login_podman" = true ]; then
      ecr_login_helper_entry "$REGISTRY_AUTH_FILE" "$ecr_login_host"
      catalog_say "podman: $ecr_login_host -> credential helper ecr-login"
    fi
  done < "$ecr_login_tmp/hosts"
else
  # ecr_login_password <region>: one password per region (tokens are regional), fetched once.
  ecr_login_password() {
    ecr_login_pw=$ecr_login_tmp/password-$1
    [ -s "$ecr_login_pw" ] && return 0
    if [ "$ecr_login_type" = public ]; then
      if ! catalog_retry "ecr-public get-login-password" ecr_login_aws_in us-east-1 ecr-public get-login-password > "$ecr_login_pw"; then
        ecr_login_say_cli
        ecr_login_whoami
        catalog_die "could not get an ECR Public token (needs ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken)"
      fi
    else
      ecr_login_fetch_token "$1"
      # base64 "AWS:<password>" -> <password>, file to file: never on a command line or in the log.
      cut -f1 "$ecr_login_tok" | base64 -d 2> /dev/null | sed -n 's/^AWS://p' > "$ecr_login_pw"
    fi
    [ -s "$ecr_login_pw" ] || catalog_die "the ECR token for $1 is empty"
  }
  # shellcheck disable=SC2317 # called through catalog_retry
  ecr_login_docker_login() { docker login --username AWS --password-stdin "$1" < "$2"; }
  # shellcheck disable=SC2317 # called through catalog_retry
  ecr_login_podman_login() { "$ecr_login_podman_tool" login --authfile "$REGISTRY_AUTH_FILE" --username AWS --password-stdin "$1" < "$2"; }
  # docker login gives its new config.json the mode of the one it replaces, so a config that
  # other tooling created 0644 (common on shell runners) would hold the password world-readable:
  # make it owner-only before a password goes in.
  if [ "$ecr_login_docker" = true ] && [ -e "$ecr_login_docker_config" ]; then
    chmod go-rwx "$ecr_login_docker_config" \
      || catalog_die "cannot make $ecr_login_docker_config readable by its owner only; refusing to store a registry password in it"
  fi
  while read -r ecr_login_host ecr_login_host_reg; do
    ecr_login_password "$ecr_login_host_reg"
    if [ "$ecr_login_docker" = true ]; then
      catalog_retry "docker login $ecr_login_host" ecr_login_docker_login "$ecr_login_host" "$ecr_login_pw" > /dev/null \
        || catalog_die "docker login to $ecr_login_host failed"
      printf 'docker %s\n' "$ecr_login_host" >> "$ecr_login_state"
      catalog_say "docker: logged in to $ecr_login_host ($ecr_login_docker_config)"
    fi
    if [ "$ecr_login_podman" = true ]; then
      catalog_retry "$ecr_login_podman_tool login $ecr_login_host" ecr_login_podman_login "$ecr_login_host" "$ecr_login_pw" > /dev/null \
        || catalog_die "$ecr_login_podman_tool login to $ecr_login_host failed"
      printf 'podman %s %s\n' "$ecr_login_host" "$REGISTRY_AUTH_FILE" >> "$ecr_login_state"
      catalog_say "$ecr_login_podman_tool: logged in to $ecr_login_host ($REGISTRY_AUTH_FILE)"
    fi
  done < "$ecr_login_tmp/hosts"
fi

ECR_REGISTRY=$(head -n 1 "$ecr_login_tmp/hosts" | cut -d' ' -f1)
ECR_REGISTRIES=$(cut -d' ' -f1 "$ecr_login_tmp/hosts" | tr '\n' ' ' | sed 's/ $//')
export ECR_REGISTRY ECR_REGISTRIES
rm -rf "$ecr_login_tmp"
catalog_say "ECR_REGISTRY=$ECR_REGISTRY ECR_REGION=$ECR_REGION ECR_AWS_ACCOUNT_ID=$ECR_AWS_ACCOUNT_ID"
catalog_section_end
catalog_forget
unset -f ecr_login_aws_in \
  ecr_login_host_region ecr_login_host_account ecr_login_build_host ecr_login_explain_sts ecr_login_claim \
  ecr_login_use_sts_output ecr_login_helper_entry ecr_login_password ecr_login_docker_login ecr_login_podman_login \
  ecr_login_say_cli ecr_login_whoami ecr_login_fetch_token
umask "$ecr_login_saved_umask"
case $ecr_login_saved_opts in *u*) ;; *) set +u ;; esac
