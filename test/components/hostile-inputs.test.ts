/**
 * Hostile values (command substitution, backticks, `;`, newlines, quotes, `${IFS}`, a glob, a
 * value that looks like an option, 64 KiB, right-to-left text) as every string input of every
 * component (issue 14), in two parts:
 *
 * 1. Structural, through the real interpolation of templates/*.yml: every string input without
 *    `options` (listed from each spec) rendered with a unique marker lands only where YAML puts
 *    it (a job name, `stage`, `image`, `extends`, `id_tokens`, artifacts, …) or as the whole value
 *    of a variable, never in `script`/`before_script`/`after_script` text, where it would be shell
 *    source. Each hostile value then either is refused by the input's `regex` or renders the same
 *    document with the value, byte for byte, where the marker was: YAML structure cannot be
 *    injected through an input.
 *
 * 2. Behavioural: each component's job script (ecr-login: its hidden job's before_script followed
 *    by its check job's script, as the runner runs them in one shell) run by real shells, with one
 *    hostile value at a time in the variable that carries one string input and every other input
 *    valid. The value goes straight into the variable, whatever the input's `regex`: a regex only
 *    guards the include, and the same variable can get any value from a CI/CD variable it
 *    references (`$VAR`, expanded by the runner), a pipeline variable or an earlier job's dotenv
 *    report (both outrank a job's own `variables:`). Per case: the canary file named in the
 *    payloads never exists; the exit is 0, or 1 with the component's own `<component>: ERROR:`
 *    line naming the input, and never a shell error; a value passed on to a tool (build
 *    arguments, labels, annotations, secrets, cache sources, paths, the AWS role, region and
 *    endpoint) reaches its argv byte for byte after its flag; a glob is never expanded; a value
 *    that starts with `-` is never where docker, podman or cosign would read an option; a dotenv
 *    report holds `KEY=value` lines only (a line of a value would be a variable of later jobs); the
 *    known secrets (AWS keys and session token, ID token, ECR token, registry password, cosign key
 *    and password) are in no argv, not in the job output and in no file left in the project dir.
 *
 * The docker, podman, aws and cosign on PATH are probes: they record each call's argv (one file a
 * call, NUL-separated, so newlines survive) and answer just enough for the script to go on. They
 * are observation points, not stand-ins for the tools' behaviour: the real tools run in the
 * integration suites.
 *
 * Shells: `sh` (dash) runs every value in every input. `busybox sh` (the ash of the docker:*-cli
 * images, with busybox's own sed/grep/tr/awk first on PATH, as in Alpine) runs buildx-ecr and
 * ecr-login, and bash (the podman images are Fedora) runs podman-arch-build, manifest-merge and
 * ecr-login (which the podman jobs extend), each with every value in the inputs that the script
 * splits or passes on (the first input of each handling: a whole value, a word list, a line list).
 * That subset proves the rest: part 1 shows no value is ever shell source, so what a shell can do
 * differently is only how it expands `"$VAR"`, splits with `read`/`tr`/`sed` and rebuilds argv
 * with `set --`, and every input goes through one of those three handlings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpolateComponent } from '../../scripts/gitlab/component/load.js';
import { isInterpolatable, parseComponentSource, type InterpolatableSource } from '../../scripts/gitlab/component/source.js';
import { RENDERING_STAND_INS } from '../../scripts/gitlab/component/stand-ins.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { inputType } from '../../scripts/gitlab/inputs/resolve.js';
import { expandVariables } from '../../scripts/gitlab/variables.js';
import { fromPlain, isValueMap, toPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { REPO_ROOT } from '../helpers/cli.js';

// ---- the components and their string inputs ---------------------------------------------------

interface Component {
  readonly name: string;
  readonly source: InterpolatableSource;
  /** String inputs without `options`, in spec order. */
  readonly stringInputs: readonly string[];
}

const COMPONENTS: readonly Component[] = readdirSync(path.join(REPO_ROOT, 'templates'))
  .filter((file) => file.endsWith('.yml'))
  .sort()
  .map((file) => {
    const relative = `templates/${file}`;
    const source = parseComponentSource(readFileSync(path.join(REPO_ROOT, relative), 'utf8'), relative);
    if (!isInterpolatable(source)) throw new Error(`${relative} is not a component`);
    const { spec } = validateHeader(source.header.value as ValueMap);
    const stringInputs = [...spec.inputs].filter(([, s]) => inputType(s) === 'string' && !(isValueMap(s) && s.has('options'))).map(([name]) => name);
    return { name: file.replace(/\.yml$/, ''), source, stringInputs };
  });

const SCRIPT_KEYS = new Set(['script', 'before_script', 'after_script']);

function render(component: Component, inputs: Readonly<Record<string, unknown>>) {
  return interpolateComponent(component.source, { inputs: fromPlain(inputs) as ValueMap, standIns: RENDERING_STAND_INS });
}

/** Every key and string of `value` that contains `needle`, with its path (a key's path ends in the key). */
function placesOf(value: unknown, needle: string, at: readonly string[] = []): { path: readonly string[]; text: string }[] {
  if (typeof value === 'string') return value.includes(needle) ? [{ path: at, text: value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => placesOf(item, needle, [...at, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes(needle) ? [{ path: [...at, key], text: key }] : []),
      ...placesOf(item, needle, [...at, key]),
    ]);
  }
  return [];
}

const TOKEN = 'QHOSTILEMARKER';
/** A marker the input's `regex` accepts: the plain token, a hidden-job name, or a variable reference. */
function markerFor(component: Component, input: string): string {
  for (const candidate of [TOKEN, `.${TOKEN}`, `$${TOKEN}`]) if (render(component, { [input]: candidate }).ok) return candidate;
  throw new Error(`${component.name}: no marker form is accepted by the regex of ${input}`);
}

interface Landing {
  readonly marker: string;
  /** The rendered content with the marker, as JSON. */
  readonly json: string;
  readonly places: readonly { path: readonly string[]; text: string }[];
  /** `variables:` that hold the input as their whole value. */
  readonly variables: readonly string[];
}

function landing(component: Component, input: string): Landing {
  const marker = markerFor(component, input);
  const result = render(component, { [input]: marker });
  if (!result.ok) throw new Error(`${component.name} does not render with ${input}: ${marker}`);
  const plain = toPlain(result.content);
  const places = placesOf(plain, marker);
  const variables = places.filter((p) => p.path.at(-2) === 'variables' && p.text === marker).map((p) => p.path.at(-1) as string);
  return { marker, json: JSON.stringify(plain), places, variables: [...new Set(variables)] };
}

const LANDINGS = new Map(COMPONENTS.map((c) => [c.name, new Map(c.stringInputs.map((input) => [input, landing(c, input)]))]));
const landingOf = (component: string, input: string) => LANDINGS.get(component)?.get(input) as Landing;

// ---- the hostile values -------------------------------------------------------------------------

interface Hostile {
  readonly label: string;
  /** The value, for a case whose canary file is `canary`. */
  readonly value: (canary: string) => string;
}

const HOSTILE: readonly Hostile[] = [
  { label: 'command substitution', value: (c) => `$(touch ${c})` },
  { label: 'backticks', value: (c) => `\`touch ${c}\`` },
  { label: 'semicolon', value: (c) => `x;touch ${c}` },
  { label: 'newline', value: (c) => `x\ntouch ${c}` },
  { label: 'single quotes', value: (c) => `' ; touch ${c} '` },
  { label: 'double quotes', value: (c) => `" ; touch ${c} "` },
  { label: '${IFS}', value: (c) => `x\${IFS}touch\${IFS}${c}` },
  // The project directory holds a file (`glob-victim`) that an unquoted `*` would expand to.
  { label: 'glob', value: () => '*' },
  { label: 'option-like', value: (c) => `--output=${c}` },
  // An option that is also a valid image name (a registry host is letters, digits, `.` and `-`).
  { label: 'option-like name', value: () => '-v.example.com/app' },
  { label: '64 KiB', value: (c) => `${'x'.repeat(64 * 1024)};touch ${c}` },
  { label: 'right-to-left', value: (c) => `app\u202Ehs.exe$(touch ${c})` },
];

// ---- part 1: structural --------------------------------------------------------------------------

describe('string inputs never become script text', () => {
  const cases = COMPONENTS.flatMap((c) => c.stringInputs.map((input) => ({ component: c, input })));

  it('every component has string inputs, listed from its spec', () => {
    expect(COMPONENTS.map((c) => c.name)).toEqual(['buildx-ecr', 'ecr-login', 'manifest-merge', 'podman-arch-build']);
    for (const c of COMPONENTS) expect(c.stringInputs.length, c.name).toBeGreaterThan(0);
  });

  it.each(cases.map(({ component, input }) => [component.name, input, component] as const))('%s %s lands outside the scripts', (_, input, component) => {
    const { places, marker } = landingOf(component.name, input);
    expect(places.length, `${input} is used nowhere`).toBeGreaterThan(0);
    for (const place of places) {
      expect(place.path.filter((key) => SCRIPT_KEYS.has(key)), `${input} at ${place.path.join('.')}`).toEqual([]);
      // In a variable it is the whole value: the runner exports it as data.
      if (place.path.at(-2) === 'variables') expect(place.text, place.path.join('.')).toBe(marker);
    }
  });

  it.each(cases.map(({ component, input }) => [component.name, input, component] as const))('%s %s: a hostile value is refused or lands where the marker did', (_, input, component) => {
    const { marker, json } = landingOf(component.name, input);
    const escape = (text: string) => JSON.stringify(text).slice(1, -1);
    for (const hostile of HOSTILE) {
      const value = hostile.value('/tmp/hostile-canary');
      const result = render(component, { [input]: value });
      if (!result.ok) {
        expect(result.failedAt, hostile.label).toBe('inputs');
        expect(result.inputErrors.flatMap((e) => e.inputs), hostile.label).toEqual([input]);
        continue;
      }
      expect(JSON.stringify(toPlain(result.content)) === json.split(escape(marker)).join(escape(value)), `${input} with ${hostile.label}`).toBe(true);
    }
  });
});

// ---- part 2: behavioural -------------------------------------------------------------------------

const DIGEST = `sha256:${'1'.repeat(64)}`;
const INDEX_DIGEST = `sha256:${'2'.repeat(64)}`;
const ACCOUNT = '123456789012';
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;

/** Values that must never be seen outside the processes that use them. */
const SECRETS = {
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/HOSTILEsecretKEY',
  awsSession: 'FwoGZXIvYXdzEHOSTILEsessionTOKEN',
  idToken: `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ iss: 'https://gitlab.example.com', aud: 'https://gitlab.example.com', sub: 'project_path:g/p:ref_type:branch:ref:main' })).toString('base64url')}.HOSTILEidTOKENsignature`,
  stsSecret: 'HOSTILEstsSECRETaccessKEY0123456789abcdef',
  stsSession: 'HOSTILEstsSESSIONtoken0123456789abcdef',
  ecrToken: 'HOSTILEecrLOGINpassword0123456789abcdef',
  registryPassword: 'HOSTILE-registry-password',
  cosignKey: '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nHOSTILEcosignKEYbody\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----',
  cosignPassword: 'HOSTILE-cosign-password',
};

/** The registry password as `ecr get-authorization-token` returns it: base64 of `AWS:<password>`. */
const ECR_AUTHORIZATION = Buffer.from(`AWS:${SECRETS.ecrToken}`).toString('base64');

const MANIFEST_INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 1, platform: { architecture: 'amd64', os: 'linux' } }],
});
const IMAGETOOLS_JSON = JSON.stringify({ manifest: { ...JSON.parse(MANIFEST_INDEX), digest: INDEX_DIGEST }, image: { 'linux/amd64': { os: 'linux', architecture: 'amd64' } } });

/**
 * The probe behind docker, podman, buildah, skopeo, aws and cosign: records argv, answers. The
 * answers name no input value, so whatever a tool prints back cannot carry one into the job.
 */
const PROBE = `#!/bin/sh
tool=\${0##*/}
call=$(mktemp "$PROBE_CALLS/call.XXXXXXXX")
{ printf '%s\\0' "$tool"; for arg in "$@"; do printf '%s\\0' "$arg"; done; } > "$call"
# after <flag> <args…>: the argument after the first <flag>.
after() {
  flag=$1; shift; prev=
  for arg in "$@"; do if [ "$prev" = "$flag" ]; then printf '%s\\n' "$arg"; return; fi; prev=$arg; done
}
for last in "$@"; do :; done
case $tool in
  docker)
    if [ "$1" = --context ]; then shift 2; fi
    case "$1 \${2:-} \${3:-}" in
      'version '*) case "$*" in *--format*) echo 29.5.2 ;; esac ;;
      'login '*)
        cat > /dev/null
        mkdir -p "\${DOCKER_CONFIG:-$HOME/.docker}"
        printf '{"auths":{"%s":{}}}\\n' "$last" > "\${DOCKER_CONFIG:-$HOME/.docker}/config.json" ;;
      'buildx version'*) echo 'github.com/docker/buildx v0.29.1 0123456' ;;
      'buildx inspect'*) echo 'Platforms: linux/amd64' ;;
      'buildx build'*) printf '{\\n  "containerimage.digest": "${DIGEST}"\\n}\\n' > "$(after --metadata-file "$@")" ;;
      'buildx imagetools inspect')
        case "$*" in
          *'{{json .Image}}'*) echo '{"os":"linux","architecture":"amd64"}' ;;
          *'{{json .}}'*) echo '${IMAGETOOLS_JSON}' ;;
          *--raw*) echo '${MANIFEST_INDEX}' ;;
          *) printf 'MediaType: application/vnd.oci.image.index.v1+json\\nManifests:\\n  Name: x@${DIGEST}\\n  Platform: linux/amd64\\n' ;;
        esac ;;
      'buildx imagetools create') case "$*" in *--dry-run*) echo '${MANIFEST_INDEX}' ;; esac ;;
    esac ;;
  podman | buildah | skopeo)
    case $1 in --storage-driver=*) shift ;; esac
    case "$1 \${2:-}" in
      '--version '*) echo 'podman version 5.8.7' ;;
      'login '*)
        cat > /dev/null
        auth=$(after --authfile "$@")
        if [ -n "$auth" ]; then mkdir -p "\${auth%/*}"; printf '{"auths":{"%s":{}}}\\n' "$last" > "$auth"; fi ;;
      'build '*) echo '${DIGEST}' > "$(after --iidfile "$@")" ;;
      'image inspect') echo linux/amd64 ;;
      'push '*) echo '${DIGEST}' > "$(after --digestfile "$@")" ;;
      'manifest inspect') echo '${MANIFEST_INDEX}' ;;
      'manifest push') echo '${INDEX_DIGEST}' > "$(after --digestfile "$@")" ;;
    esac ;;
  aws)
    while :; do case $1 in --region | --endpoint-url) shift 2 ;; *) break ;; esac; done
    case "$1 \${2:-}" in
      '--version '*) echo 'aws-cli/2.17.0 Python/3.12.6 Linux/6.1 exe/x86_64' ;;
      'sts assume-role-with-web-identity' | 'sts assume-role') printf 'ASIAHOSTILEKEYID\\t%s\\t%s\\t2026-12-08T12:00:00Z\\tarn:aws:sts::${ACCOUNT}:assumed-role/ci/gitlab\\n' '${SECRETS.stsSecret}' '${SECRETS.stsSession}' ;;
      'sts get-caller-identity') printf '${ACCOUNT}\\tarn:aws:sts::${ACCOUNT}:assumed-role/ci/gitlab\\n' ;;
      'ecr get-login-password' | 'ecr-public get-login-password') echo '${SECRETS.ecrToken}' ;;
      'ecr get-authorization-token') case "$*" in *authorizationToken*) printf '%s\\thttps://%s\\n' '${ECR_AUTHORIZATION}' '${REGISTRY}' ;; *proxyEndpoint*) echo 'https://${REGISTRY}' ;; *) echo 2026-12-08T12:00:00+00:00 ;; esac ;;
      'ecr describe-registry') echo ${ACCOUNT} ;;
    esac ;;
  cosign) case $1 in triangulate) echo 'registry.example.com/team/app:sha256-1.sig' ;; esac ;;
esac
exit 0
`;

const work = mkdtempSync(path.join(tmpdir(), 'catalog-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const probes = path.join(work, 'probes');
mkdirSync(probes);
writeFileSync(path.join(probes, 'probe'), PROBE);
chmodSync(path.join(probes, 'probe'), 0o755);
for (const tool of ['docker', 'podman', 'buildah', 'skopeo', 'aws', 'cosign']) symlinkSync('probe', path.join(probes, tool));
/** busybox's applets, first on PATH under `busybox sh`: the tools of the docker:*-cli (Alpine) images. */
const applets = path.join(work, 'busybox');
mkdirSync(applets);
for (const applet of spawnSync('busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) symlinkSync('/usr/bin/busybox', path.join(applets, applet));

interface Shell {
  readonly name: string;
  readonly argv: readonly string[];
  readonly path: string;
}
const DASH: Shell = { name: 'dash', argv: ['dash', '-c'], path: `${probes}:/usr/bin:/bin` };
const BUSYBOX: Shell = { name: 'busybox', argv: ['busybox', 'sh', '-c'], path: `${probes}:${applets}:/usr/bin:/bin` };
const BASH: Shell = { name: 'bash', argv: ['bash', '-c'], path: `${probes}:/usr/bin:/bin` };

/** What the runner gives every job. */
const CI_ENV: Record<string, string> = {
  CI: 'true',
  CI_JOB_ID: '42',
  CI_JOB_NAME: 'build',
  CI_PIPELINE_ID: '7',
  CI_PROJECT_ID: '3',
  CI_SERVER_URL: 'https://gitlab.example.com',
  CI_PROJECT_URL: 'https://gitlab.example.com/g/p',
  CI_PROJECT_NAME: 'p',
  CI_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  CI_COMMIT_SHORT_SHA: '01234567',
  CI_COMMIT_BRANCH: 'feature',
  CI_COMMIT_REF_NAME: 'feature',
  CI_COMMIT_REF_SLUG: 'feature',
  CI_DEFAULT_BRANCH: 'main',
  // What ecr-login's before_script exports for the job's script.
  ECR_REGISTRY: REGISTRY,
  AWS_ID_TOKEN: SECRETS.idToken,
  AWS_ACCESS_KEY_ID: 'AKIAHOSTILEKEYID',
  AWS_SECRET_ACCESS_KEY: SECRETS.awsSecret,
  AWS_SESSION_TOKEN: SECRETS.awsSession,
  REGISTRY_USER: 'ci-user',
  REGISTRY_PASSWORD: SECRETS.registryPassword,
  COSIGN_PRIVATE_KEY: SECRETS.cosignKey,
  COSIGN_PASSWORD: SECRETS.cosignPassword,
};

const LOGIN_INPUTS = { 'aws-role-arn': `arn:aws:iam::${ACCOUNT}:role/ci`, registries: ACCOUNT, 'aws-region': 'eu-west-1', retries: 0, 'retry-delay': 0 };
const REGISTRY_LOGIN = { 'registry-user-var': 'REGISTRY_USER', 'registry-password-var': 'REGISTRY_PASSWORD' };

/**
 * Every component's valid inputs, chosen so that the script goes all the way (signing with a key,
 * registry logins) and uses its string inputs; an input that only counts in another mode gets that
 * mode (`EXERCISED_IN`).
 */
const BASELINE: Record<string, Record<string, unknown>> = {
  'buildx-ecr': { 'image-name': 'team/app', platforms: 'linux/amd64', tags: 'extra', labels: 'a=b', retries: 0, 'retry-delay': 0, 'docker-tls-certdir': '', services: [], sign: 'key' },
  'ecr-login': LOGIN_INPUTS,
  'manifest-merge': { 'image-name': 'registry.example.com/team/app', platforms: 'linux/amd64', tags: 'v1 extra', needs: [], retries: 0, 'retry-delay': 0, sign: 'key', ...REGISTRY_LOGIN },
  'podman-arch-build': { arch: 'amd64', 'image-name': 'registry.example.com/team/app', 'runner-tags': ['x'], labels: 'a=b', retries: 0, 'retry-delay': 0, ...REGISTRY_LOGIN },
};
const EXERCISED_IN: Record<string, Record<string, unknown>> = {
  'buildx-ecr/sign-kms-key': { sign: 'kms', 'sign-kms-key': 'awskms:///alias/ci' },
  'buildx-ecr/qemu-image': { qemu: 'always' },
  'manifest-merge/sign-kms-key': { sign: 'kms', 'sign-kms-key': 'awskms:///alias/ci' },
  'manifest-merge/refs': { source: 'refs', tool: 'imagetools', refs: 'registry.example.com/team/app@' + DIGEST, 'registry-user-var': '', 'registry-password-var': '' },
  'manifest-merge/source-template': { source: 'template', 'source-template': 'registry.example.com/team/app:v1-{arch}' },
  // With source: dotenv the prefix would first name the build jobs' reports, and none would be found.
  'manifest-merge/dotenv-prefix': { source: 'template', 'source-template': 'registry.example.com/team/app:v1-{arch}' },
};
/** The dotenv reports manifest-merge reads in `source: dotenv` (IMAGE is its default dotenv-prefix). */
const BUILD_REPORTS = { IMAGE_IMAGE_AMD64: `registry.example.com/team/app@${DIGEST}`, IMAGE_DIGEST_AMD64: DIGEST, IMAGE_JOB_AMD64: 'build-amd64' };

interface Job {
  /** The job's variables as the runner exports them (references to CI variables expanded). */
  readonly variables: Readonly<Record<string, string>>;
  readonly script: string;
}

type Content = Record<string, { variables?: Record<string, unknown>; before_script?: string[]; script?: string[]; extends?: unknown }>;

function jobOf(component: Component, inputs: Record<string, unknown>): Job {
  const result = render(component, inputs);
  if (!result.ok || !isValueMap(result.content)) throw new Error(`${component.name} does not render: ${JSON.stringify(result.inputErrors)}`);
  const content = toPlain(result.content) as Content;
  const name = Object.keys(content).find((key) => !key.startsWith('.')) as string;
  const job = content[name] as (typeof content)[string];
  // ecr-login's check job extends its hidden job, whose before_script runs first in the same shell.
  // The other components' `login-job` is another include's (a separate case: ecr-login's).
  const extended = [job.extends].flat().map((parent) => content[String(parent)]);
  const variables = Object.assign({}, ...extended.map((parent) => parent?.variables ?? {}), job.variables) as Record<string, unknown>;
  const known = Object.entries(CI_ENV).map(([key, value]) => ({ key, value }));
  const expanded = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, expandVariables(String(value), known, 'empty').text]));
  const steps = [...extended.flatMap((parent) => parent?.before_script ?? []), ...(job.before_script ?? []), ...(job.script ?? [])];
  return { variables: expanded, script: steps.join('\n') };
}

interface Run {
  readonly status: number | null;
  readonly output: string;
  /** Each probe call's argv, the tool's name first. */
  readonly calls: readonly (readonly string[])[];
  /** The files the job left in its project dir, by path. */
  readonly files: ReadonlyMap<string, string>;
  readonly canaryExists: boolean;
}

/** The job's script in `shell`, in a case directory of its own, with `variables` set to the value as is. */
async function runJob(job: Job, shell: Shell, variables: readonly string[], value: (canary: string) => string): Promise<Run & { readonly sent: string }> {
  const dir = mkdtempSync(path.join(work, 'case-'));
  const [project, temp, home, calls] = ['project', 'tmp', 'home', 'calls'].map((sub) => path.join(dir, sub)) as [string, string, string, string];
  for (const sub of [project, temp, home, calls]) mkdirSync(sub);
  writeFileSync(path.join(project, 'glob-victim'), '');
  const canary = path.join(dir, 'CANARY');
  const sent = value(canary);
  const [command, ...args] = [...shell.argv, job.script];
  const result = await spawnShell(command as string, args, {
    cwd: project,
    env: { ...CI_ENV, ...BUILD_REPORTS, ...job.variables, ...Object.fromEntries(variables.map((name) => [name, sent])), PATH: shell.path, HOME: home, TMPDIR: temp, CI_PROJECT_DIR: project, PROBE_CALLS: calls },
  });
  const recorded = readdirSync(calls).map((file) => readFileSync(path.join(calls, file), 'utf8').split('\0').slice(0, -1));
  const files = new Map(listFiles(project).map((file) => [path.relative(project, file), readFileSync(file, 'utf8')]));
  const run = { status: result.status, output: `${result.stdout}${result.stderr}`, calls: recorded, files, canaryExists: existsSync(canary), sent };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

/** The shell's exit status and output, without blocking: the cases run a few at a time (`it.concurrent`). */
function spawnShell(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? listFiles(file) : [file];
  });
}

/** The component's `ERROR:` messages, each with the lines a newline in a value it quotes carried on to. */
function errorMessages(output: string, component: string): string[] {
  const messages: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(`${component}: ERROR: `)) messages.push(line);
    else if (messages.length > 0 && !line.startsWith(`${component}: `) && !line.startsWith('\u001b')) messages.push(`${messages.pop() as string}\n${line}`);
  }
  return messages;
}

/** Flags of docker and podman whose next argument is their value, never an option. */
const VALUE_FLAGS = new Set([
  '--annotation', '--authfile', '--build-arg', '--builder', '--cache-from', '--cache-to', '--cert-dir', '--digestfile', '--driver', '--driver-opt',
  '--file', '--format', '--iidfile', '--isolation', '--label', '--metadata-file', '--name', '--network', '--platform', '--progress', '--secret',
  '--tag', '--target', '--ulimit', '--username', '--key', '--buildkitd-config', '--buildkitd-flags', '--role-arn', '--role-session-name',
  '--duration-seconds', '--web-identity-token', '--query', '--output', '--region', '--endpoint-url', '--repository-names', '--repository-name',
  '--image-scanning-configuration', '--registry-id',
]);

/** A shell's own complaint, where only the component's messages belong. */
const SHELL_ERRORS = /syntax error|parameter not set|bad substitution|command not found|: not found|unbound variable|Illegal option|cannot open|Traceback/;

/**
 * Where a value is passed on to a tool: the call (argv after the tool's own `--context`/
 * `--storage-driver`), the flag before each item (none: the item alone, e.g. build-extra-args),
 * the item's form there, and how the script splits the value into items (docs/inputs.md: lists
 * are strings of lines or of words).
 */
interface PassedOn {
  readonly call: readonly string[];
  readonly flag?: string;
  readonly form?: (item: string) => string;
  readonly split: 'whole' | 'lines' | 'words';
  /** The build context: the last argument. */
  readonly last?: true;
}
const BUILD = ['docker', 'buildx', 'build'];
const PODMAN_BUILD = ['podman', 'build'];
const PASSED_ON: Record<string, PassedOn> = {
  'buildx-ecr/dockerfile': { call: BUILD, flag: '--file', split: 'whole' },
  'buildx-ecr/target': { call: BUILD, flag: '--target', split: 'whole' },
  'buildx-ecr/context': { call: BUILD, split: 'whole', last: true },
  'buildx-ecr/labels': { call: BUILD, flag: '--label', split: 'lines' },
  'buildx-ecr/annotations': { call: BUILD, flag: '--annotation', split: 'lines' },
  'buildx-ecr/build-args': { call: BUILD, flag: '--build-arg', split: 'lines' },
  'buildx-ecr/secrets': { call: BUILD, flag: '--secret', split: 'lines' },
  'buildx-ecr/cache-from': { call: BUILD, flag: '--cache-from', split: 'lines', form: (item) => (item.includes('=') ? item : `type=registry,ref=${item}`) },
  'buildx-ecr/build-extra-args': { call: BUILD, split: 'lines' },
  'buildx-ecr/buildkit-image': { call: ['docker', 'buildx', 'create'], flag: '--driver-opt', split: 'whole', form: (item) => `image=${item}` },
  'ecr-login/aws-role-arn': { call: ['aws', 'sts'], flag: '--role-arn', split: 'whole' },
  'ecr-login/aws-region': { call: ['aws'], flag: '--region', split: 'whole' },
  'ecr-login/aws-endpoint-url': { call: ['aws'], flag: '--endpoint-url', split: 'whole' },
  'manifest-merge/cert-dir': { call: ['podman', 'manifest', 'add'], split: 'whole', form: (item) => `--cert-dir=${item}` },
  'manifest-merge/refs': { call: ['docker', 'buildx', 'imagetools', 'inspect'], split: 'words' },
  'podman-arch-build/dockerfile': { call: PODMAN_BUILD, flag: '--file', split: 'whole' },
  'podman-arch-build/target': { call: PODMAN_BUILD, flag: '--target', split: 'whole' },
  'podman-arch-build/context': { call: PODMAN_BUILD, split: 'whole', last: true },
  'podman-arch-build/labels': { call: PODMAN_BUILD, flag: '--label', split: 'lines' },
  'podman-arch-build/build-args': { call: PODMAN_BUILD, flag: '--build-arg', split: 'lines' },
  'podman-arch-build/secrets': { call: PODMAN_BUILD, flag: '--secret', split: 'lines' },
  'podman-arch-build/build-extra-args': { call: PODMAN_BUILD, split: 'lines' },
  'podman-arch-build/cert-dir': { call: PODMAN_BUILD, flag: '--cert-dir', split: 'whole' },
  'podman-arch-build/cache-repo': { call: PODMAN_BUILD, flag: '--cache-from', split: 'whole', form: (item) => item.toLowerCase() },
};
/** Inputs that are options by design: each line is an argument of the build command. */
const OPTIONS_BY_DESIGN = new Set(['buildx-ecr/build-extra-args', 'podman-arch-build/build-extra-args']);

/** The items a script makes of a value (catalog_lines, catalog_words in components/lib/text.sh). */
function itemsOf(value: string, split: PassedOn['split']): string[] {
  if (split === 'whole') return [value];
  if (split === 'words') return value.split(/[\s,]+/).filter(Boolean);
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The call's argv without the tool's global options that come before the command. */
function normalised(call: readonly string[]): readonly string[] {
  const [tool, ...rest] = call;
  if (rest[0] === '--context') rest.splice(0, 2);
  if (rest[0]?.startsWith('--storage-driver=')) rest.shift();
  while (tool === 'aws' && (rest[0] === '--region' || rest[0] === '--endpoint-url')) rest.splice(0, 2);
  return [tool as string, ...rest];
}

interface Case {
  readonly component: Component;
  readonly input: string;
  readonly hostile: Hostile;
  readonly shell: Shell;
}

const jobs = new Map<string, Job>();
function jobFor(component: Component, input: string): Job {
  const key = `${component.name}/${input}`;
  const overrides = EXERCISED_IN[key] ?? {};
  const id = `${component.name} ${JSON.stringify(overrides)}`;
  if (!jobs.has(id)) jobs.set(id, jobOf(component, { ...BASELINE[component.name], ...overrides }));
  return jobs.get(id) as Job;
}

/** The inputs that reach the shell (as a variable) and the shells each runs in. */
function casesOf(shell: Shell, components: readonly string[], only?: (key: string) => boolean): Case[] {
  return COMPONENTS.filter((c) => components.includes(c.name)).flatMap((component) =>
    component.stringInputs
      .filter((input) => landingOf(component.name, input).variables.length > 0 && (only?.(`${component.name}/${input}`) ?? true))
      .flatMap((input) => HOSTILE.map((hostile) => ({ component, input, hostile, shell }))),
  );
}

const ALL = ['buildx-ecr', 'ecr-login', 'manifest-merge', 'podman-arch-build'];
/** Of each component, the first input passed on as a whole value, the first as words and the first as lines. */
const REPRESENTATIVE = new Set(
  ALL.flatMap((component) =>
    (['whole', 'words', 'lines'] as const).flatMap((split) => Object.keys(PASSED_ON).find((key) => key.startsWith(`${component}/`) && PASSED_ON[key]?.split === split) ?? []),
  ),
);
const representative = (key: string) => REPRESENTATIVE.has(key);
const CASES: readonly Case[] = [
  ...casesOf(DASH, ALL),
  ...casesOf(BUSYBOX, ['buildx-ecr', 'ecr-login'], representative),
  ...casesOf(BASH, ['ecr-login', 'manifest-merge', 'podman-arch-build'], representative),
];
const secretTexts = [...Object.values(SECRETS).flatMap((secret) => secret.split('\n')).filter((text) => text.includes('HOSTILE')), ECR_AUTHORIZATION];

describe('hostile values through the rendered scripts', () => {
  it('the table of values passed on names string inputs that reach the shell', () => {
    for (const key of Object.keys({ ...PASSED_ON, ...EXERCISED_IN })) {
      const [component, input] = key.split('/') as [string, string];
      expect(landingOf(component, input)?.variables.length ?? 0, key).toBeGreaterThan(0);
    }
  });

  it.concurrent.each(CASES.map((c) => [c.shell.name, c.component.name, c.input, c.hostile.label, c] as const))('%s: %s %s = %s', async (_shell, component, input, _label, c) => {
    const key = `${component}/${input}`;
    const run = await runJob(jobFor(c.component, input), c.shell, landingOf(component, input).variables, c.hostile.value);
    const { sent } = run;
    const context = run.output.slice(-3000);
    expect(run.canaryExists, context).toBe(false);
    expect(run.calls.some((call) => call.some((arg) => arg.includes('glob-victim'))), 'a glob was expanded').toBe(false);
    expect(run.output, 'a shell error').not.toMatch(SHELL_ERRORS);
    expect([0, 1], context).toContain(run.status);
    if (run.status === 1) {
      const errors = errorMessages(run.output, component);
      expect(errors.length, context).toBeGreaterThan(0);
      // By its name, or by (a part of) its value (`repository '…' is not a valid ECR repository name`).
      const parts = sent.length < 8 ? [sent] : [...sent.slice(0, 256).matchAll(/[^\n]{8}/g)].map(([part]) => part.toLowerCase());
      const named = errors.some((line) => line.includes(input.replace(/s$/, '')) || parts.some((part) => line.toLowerCase().includes(part)));
      expect(named, `the error names neither ${input} nor its value: ${errors.join('\n').slice(0, 500)}`).toBe(true);
    }
    for (const secret of secretTexts) {
      expect(run.output.includes(secret), `${secret} in the output`).toBe(false);
      expect(run.calls.some((call) => call.some((arg) => arg.includes(secret))), `${secret} in an argv`).toBe(false);
      for (const [file, text] of run.files) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    // A dotenv report holds KEY=value lines only: a line of a value would be a variable of its own in later jobs.
    for (const [file, text] of run.files) {
      if (file.endsWith('.env')) for (const line of text.split('\n').filter(Boolean)) expect(line, `${file}: a line that is no KEY=value`).toMatch(/^[A-Z][A-Z0-9_]*=/);
    }
    if (!OPTIONS_BY_DESIGN.has(key)) {
      const items = [sent, ...itemsOf(sent, 'lines'), ...itemsOf(sent, 'words')].filter((item) => item.startsWith('-'));
      for (const call of run.calls.map(normalised)) {
        call.forEach((arg, i) => {
          const afterFlag = VALUE_FLAGS.has(call[i - 1] as string) || call.slice(1, i).includes('--');
          if (i > 0 && items.some((item) => arg.startsWith(item))) expect(afterFlag, `${arg.slice(0, 80)} read as an option in ${call.slice(0, 4).join(' ')}`).toBe(true);
        });
      }
    }
    const passed = PASSED_ON[key];
    if (passed && run.status === 0) {
      const target = run.calls.filter((call) => {
        const words = normalised(call);
        return passed.call.every((word, i) => words[i] === word);
      });
      expect(target.length, `no ${passed.call.join(' ')} call`).toBeGreaterThan(0);
      for (const item of itemsOf(sent, passed.split)) {
        const form = passed.form ? passed.form(item) : item;
        const found = target.some((call) =>
          passed.last ? call.at(-1) === form : call.some((arg, i) => arg === form && (passed.flag === undefined || call[i - 1] === passed.flag)),
        );
        expect(found, `${JSON.stringify(form.slice(0, 80))} does not reach ${passed.call.join(' ')} intact`).toBe(true);
      }
    }
  });
});
