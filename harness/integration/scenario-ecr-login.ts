/**
 * The ecr-login scenarios of issue 4 (5: ECR Public and static keys; 6: no secret leaks, 0600
 * credential stores), in an integration environment (environment.ts) that answers as the private ECR
 * host and as `public.ecr.aws`.
 *
 * Each variant is a pipeline of two jobs: ecr-login's own check job (`.pre`), then a job that
 * extends the login's hidden job and builds and pushes a small image (busybox `FROM scratch`, one
 * platform) with the docker CLI to `$ECR_REGISTRY/<repository>:<variant>` — so the push can only
 * succeed with the credentials the login stored (the registry refuses anonymous access). The image
 * carries a label with a nonce of the run, which the test reads back from the registry.
 *
 * Every variant's AWS calls go to the FAKE ECR Public API (ecr-public-fake.ts), which answers ECR
 * Public itself and passes everything else through to moto, recording which access key signed
 * which call. Each run gets shared credential stores of its own (`DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`),
 * so no run can pass on a credential an earlier one left behind, and their modes can be checked;
 * the variants with `credential-store: shared` write them, the others must leave them alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringifyPlainYaml } from '../../scripts/gitlab/yaml/psych.js';
import { ScenarioError, type Environment } from './environment.js';
import type { AwsRequestRecord, EcrPublicFake } from './ecr-public-fake.js';
import { busyboxContext } from './images.js';
import { MOTO_ACCOUNT } from './moto.js';
import { pipelineFailure, type ExtraVariable, type PipelineRun } from './runner.js';
import { credentialFileModes, type CredentialFileMode, type Secret } from './secrets.js';

export const ECR_PUBLIC_HOST = 'public.ecr.aws';
/** The registry alias of the scenario's ECR Public repositories (`public.ecr.aws/<alias>/<name>`). */
export const ECR_PUBLIC_ALIAS = 'scenario-alias';
export const OIDC_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/gitlab-ecr-push`;
export const STATIC_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/ecr-push-from-static-keys`;
const REGION = 'eu-west-1';
const CONTEXT_DIR = 'scenario-ecr-login-app';
const PUSH_JOB = 'push-image';
const IMAGE = 'docker:29.5.2-cli';

export type VariantName = 'static' | 'static-role' | 'public' | 'oidc' | 'stores';

export interface LoginVariant {
  /** Run name and image tag. */
  readonly name: VariantName;
  /** ecr-login inputs of the include. */
  readonly inputs: Readonly<Record<string, string | boolean>>;
  readonly hiddenJob: string;
  readonly checkJob: string;
  /** The host the login must report (`ECR_REGISTRY`) and the push goes to. */
  readonly registryHost: string;
  /** Repository below that host. */
  readonly repository: string;
  /** The include sets `credential-store: shared` (else each job has a store of its own, removed at its end). */
  readonly sharedStores: boolean;
  /** The include sets `logout: false`: the stores keep the credential after the jobs. */
  readonly keepsCredentials: boolean;
  /** The stores exist before the run, group- and world-readable, as on a provisioned shell runner. */
  readonly preexistingLooseStores: boolean;
}

/** Inputs every private-ECR variant shares: account registry in eu-west-1, every AWS call to `$AWS_API_ENDPOINT`, both stores. */
const PRIVATE_INPUTS = {
  'aws-region': REGION,
  registries: MOTO_ACCOUNT,
  'aws-endpoint-url': '$AWS_API_ENDPOINT',
  'auth-targets': 'docker+podman',
} as const;

function privateVariant(name: VariantName, inputs: Readonly<Record<string, string | boolean>>, host: string): LoginVariant {
  return {
    name,
    inputs: { ...PRIVATE_INPUTS, ...inputs },
    hiddenJob: '.ecr-login',
    checkJob: 'ecr-login-check',
    registryHost: host,
    repository: `scenario/login-${name}`,
    sharedStores: inputs['credential-store'] === 'shared',
    keepsCredentials: inputs['logout'] === false,
    preexistingLooseStores: inputs['logout'] === false,
  };
}

/** The variants, by name; `ecrHost` is the environment's private ECR host. */
export function loginVariants(ecrHost: string): Readonly<Record<VariantName, LoginVariant>> {
  return {
    // The opt-out: the runner's shared stores, with the logout.
    static: privateVariant('static', { credentials: 'static', 'credential-store': 'shared' }, ecrHost),
    'static-role': privateVariant('static-role', { credentials: 'static', 'aws-role-arn': STATIC_ROLE_ARN }, ecrHost),
    oidc: privateVariant('oidc', { credentials: 'oidc', 'aws-role-arn': OIDC_ROLE_ARN }, ecrHost),
    stores: privateVariant('stores', { credentials: 'oidc', 'aws-role-arn': OIDC_ROLE_ARN, 'credential-store': 'shared', logout: false }, ecrHost),
    // A second, differently named include, as a project logging in to both registries would have it.
    public: {
      name: 'public',
      inputs: {
        'hidden-job': '.ecr-public-login',
        as: 'ecr-public-login-check',
        'registry-type': 'public',
        credentials: 'static',
        'aws-endpoint-url': '$AWS_API_ENDPOINT',
        'auth-targets': 'docker+podman',
      },
      hiddenJob: '.ecr-public-login',
      checkJob: 'ecr-public-login-check',
      registryHost: ECR_PUBLIC_HOST,
      repository: `${ECR_PUBLIC_ALIAS}/login-public`,
      sharedStores: false,
      keepsCredentials: false,
      preexistingLooseStores: false,
    },
  };
}

// The push job. ECR_REGISTRY is exported by the login (before_script), so it is read in the
// script: a `variables:` reference to it would be expanded by the runner before it exists.
const PUSH_SCRIPT = `set -eu
push_ref="$ECR_REGISTRY/$PUSH_REPOSITORY:$PUSH_TAG"
docker build --quiet --provenance=false --network host --platform linux/amd64 \\
  --label "org.example.scenario-nonce=$SCENARIO_NONCE" --tag "$push_ref" "$PUSH_CONTEXT"
docker push --quiet "$push_ref"
`;

/** The scenario pipeline of a variant: the ecr-login include and the push job. */
export function loginPipelineText(variant: LoginVariant): string {
  const pipeline = {
    stages: ['push'],
    include: [{ component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/ecr-login@$CI_COMMIT_SHA', inputs: variant.inputs }],
    [PUSH_JOB]: {
      stage: 'push',
      extends: variant.hiddenJob,
      image: IMAGE,
      needs: [variant.checkJob],
      variables: { PUSH_REPOSITORY: variant.repository, PUSH_TAG: variant.name, PUSH_CONTEXT: CONTEXT_DIR },
      script: [PUSH_SCRIPT],
    },
  };
  return `# Scenario pipeline (harness/integration/scenario-ecr-login.ts), variant ${variant.name}\n${stringifyPlainYaml(pipeline)}`;
}

/** Writes the one-platform busybox build context the push jobs build into the project clone. */
export async function prepareLoginContext(env: Environment): Promise<void> {
  await env.step('busybox context (linux/amd64)', () => busyboxContext(path.join(env.project, CONTEXT_DIR), ['linux/amd64'], env.log));
}

export interface StaticKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random keys in AWS's shapes (moto accepts any), distinctive enough that a leak scan cannot hit them by chance. */
export function randomStaticKeys(): StaticKeys {
  const id = [...randomBytes(16)].map((b) => ALNUM[b % ALNUM.length]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

export function staticKeySecrets(keys: StaticKeys): Secret[] {
  return [
    { name: 'static AWS_ACCESS_KEY_ID', value: keys.accessKeyId },
    { name: 'static AWS_SECRET_ACCESS_KEY', value: keys.secretAccessKey },
  ];
}

/** The keys as GitLab project CI/CD variables: masked, as the component's docs ask. */
export function staticKeyVariables(keys: StaticKeys): ExtraVariable[] {
  return [
    { key: 'AWS_ACCESS_KEY_ID', value: keys.accessKeyId, masked: true },
    { key: 'AWS_SECRET_ACCESS_KEY', value: keys.secretAccessKey, masked: true },
  ];
}

export interface CredentialStores {
  /** `DOCKER_CONFIG` of the run's jobs (a directory). */
  readonly dockerConfigDir: string;
  readonly dockerConfig: string;
  /** `REGISTRY_AUTH_FILE` of the run's jobs. */
  readonly authFile: string;
}

/** Per-run stores under the environment; optionally created beforehand 0755/0644 with `{}`. */
function prepareStores(env: Environment, variant: LoginVariant): CredentialStores {
  const base = path.join(env.workDir, 'stores', variant.name);
  const stores = {
    dockerConfigDir: path.join(base, 'docker'),
    dockerConfig: path.join(base, 'docker', 'config.json'),
    authFile: path.join(base, 'containers', 'auth.json'),
  };
  if (variant.preexistingLooseStores) {
    for (const file of [stores.dockerConfig, stores.authFile]) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, '{}\n');
      chmodSync(file, 0o644);
    }
  }
  return stores;
}

export interface LoginRunResult {
  readonly variant: LoginVariant;
  readonly run: PipelineRun;
  readonly stores: CredentialStores;
  /** The stores' modes before the pipeline ran (`exists: false` unless planted). */
  readonly storesBefore: readonly CredentialFileMode[];
  /** `<host>/<repository>:<tag>`: what the push job pushed. */
  readonly pushedRef: string;
  /** The label the push job set from this run's nonce. */
  readonly nonce: string;
  /** The AWS requests of this run, as the fake recorded them. */
  readonly requests: readonly AwsRequestRecord[];
}

/**
 * Runs a variant's pipeline with every AWS call going through `fake` (its `aws-endpoint-url`); a
 * failed pipeline throws with its failed jobs' log tails.
 */
export async function runLoginVariant(
  env: Environment,
  fake: EcrPublicFake,
  variant: LoginVariant,
  variables: readonly ExtraVariable[] = [],
): Promise<LoginRunResult> {
  const stores = prepareStores(env, variant);
  const storesBefore = credentialFileModes([stores.dockerConfig, stores.authFile]);
  const nonce = randomBytes(12).toString('hex');
  const firstRequest = fake.requests.length;
  const run = await env.runner.run(loginPipelineText(variant), {
    name: `login-${variant.name}`,
    copy: [CONTEXT_DIR],
    variables: [{ key: 'AWS_API_ENDPOINT', value: fake.endpoint }, { key: 'SCENARIO_NONCE', value: nonce }, ...variables],
    env: { DOCKER_CONFIG: stores.dockerConfigDir, REGISTRY_AUTH_FILE: stores.authFile },
  });
  if (run.pipeline.status !== 'success') throw new ScenarioError(pipelineFailure(run.pipeline), run.pipeline);
  return {
    variant,
    run,
    stores,
    storesBefore,
    pushedRef: `${variant.registryHost}/${variant.repository}:${variant.name}`,
    nonce,
    requests: fake.requests.slice(firstRequest),
  };
}

/** The registry's answer for a pushed image: the sha256 of its manifest and its config's labels. */
export async function pushedImage(env: Environment, ref: string): Promise<{ digest: string; labels: Record<string, string> }> {
  const raw = await env.rawManifest(ref);
  const image = JSON.parse(await env.docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', ref])) as {
    config?: { Labels?: Record<string, string> | null };
  };
  return { digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`, labels: image.config?.Labels ?? {} };
}

/** The `user:password` a docker config or containers auth file holds for `host`; undefined when none. */
export function storedCredential(file: string, host: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
  const auth = auths[host]?.auth;
  return auth === undefined || auth === '' ? undefined : Buffer.from(auth, 'base64').toString('utf8');
}

/** Anonymous `GET https://<host>/v2/` inside the namespace: the HTTP status (401 when the registry wants credentials). */
export async function anonymousV2Status(env: Environment, host: string): Promise<string> {
  const result = await env.inNamespace(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', `https://${host}/v2/`]);
  if (result.exitCode !== 0) throw new ScenarioError(`curl https://${host}/v2/: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * Two jobs at once on one shell runner (issue 11 §2 item 3), both logging in to the same registry
 * through the hidden job, with the runner's environment (the environment's shared `DOCKER_CONFIG`,
 * HOME and TMPDIR). `early` logs in and ends as soon as `late` has logged in; its after_script (the
 * login's clean-up, then a marker) runs while `late` is still going;
 * `late` waits for that marker, then pushes. The push can only succeed with credentials that
 * early's logout left alone. Files in `syncDir` order the two; a wait that never ends fails the job.
 */
export const CONCURRENT_JOBS = { early: 'login-early', late: 'login-late-push' } as const;
const CONCURRENT_REPOSITORY = 'scenario/login-concurrent';
const CONCURRENT_TAG = 'concurrent';

const waitFor = (file: string): string =>
  `i=0; until [ -e "$SYNC_DIR/${file}" ]; do i=$((i + 1)); if [ "$i" -gt 600 ]; then echo "${file} never appeared" >&2; exit 1; fi; sleep 1; done`;

/** The pipeline of the concurrent-logout scenario: written as text for its `!reference`. */
export function concurrentLoginPipelineText(): string {
  const include = {
    component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/ecr-login@$CI_COMMIT_SHA',
    inputs: { ...PRIVATE_INPUTS, 'auth-targets': 'docker', credentials: 'oidc', 'aws-role-arn': OIDC_ROLE_ARN, rules: [{ when: 'never' }] },
  };
  return [
    '# Scenario pipeline (harness/integration/scenario-ecr-login.ts): two concurrent jobs, one logout',
    stringifyPlainYaml({ stages: ['push'], include: [include] }),
    `${CONCURRENT_JOBS.early}:`,
    '  stage: push',
    '  extends: .ecr-login',
    `  image: ${IMAGE}`,
    '  script:',
    `    - ${JSON.stringify(waitFor('late-logged-in'))}`,
    '  after_script:',
    '    - !reference [.ecr-login, after_script]',
    '    - touch "$SYNC_DIR/early-after-script-done"',
    `${CONCURRENT_JOBS.late}:`,
    '  stage: push',
    '  extends: .ecr-login',
    `  image: ${IMAGE}`,
    '  variables:',
    `    PUSH_REPOSITORY: ${CONCURRENT_REPOSITORY}`,
    `    PUSH_TAG: ${CONCURRENT_TAG}`,
    `    PUSH_CONTEXT: ${CONTEXT_DIR}`,
    '  script:',
    '    - touch "$SYNC_DIR/late-logged-in"',
    `    - ${JSON.stringify(waitFor('early-after-script-done'))}`,
    `    - ${JSON.stringify(PUSH_SCRIPT)}`,
    '',
  ].join('\n');
}

export interface ConcurrentLoginResult {
  readonly run: PipelineRun;
  readonly pushedRef: string;
  readonly nonce: string;
}

/** Runs the concurrent-logout pipeline (see `concurrentLoginPipelineText`); the caller judges the result. */
export async function runConcurrentLogins(env: Environment, jobEnv: Readonly<Record<string, string>> = {}): Promise<ConcurrentLoginResult> {
  const syncDir = path.join(env.workDir, 'concurrent-sync');
  mkdirSync(syncDir, { recursive: true, mode: 0o700 });
  const nonce = randomBytes(12).toString('hex');
  const run = await env.runner.run(concurrentLoginPipelineText(), {
    name: 'login-concurrent',
    copy: [CONTEXT_DIR],
    variables: [{ key: 'SYNC_DIR', value: syncDir }, { key: 'SCENARIO_NONCE', value: nonce }],
    env: jobEnv,
  });
  return { run, pushedRef: `${env.ecrHost}/${CONCURRENT_REPOSITORY}:${CONCURRENT_TAG}`, nonce };
}
