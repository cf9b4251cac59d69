/**
 * Scenario 1 (spike): the `buildx-ecr` example pipeline on the default branch, for real.
 *
 * moto_server (ECR + STS) → a TLS Distribution registry answering as
 * `123456789012.dkr.ecr.eu-west-1.amazonaws.com` on port 443 of a loopback address (htpasswd
 * `AWS` / moto's token password) → a private mount namespace in which that name resolves to the
 * registry and its CA is trusted (`/etc/docker/certs.d/<host>/ca.crt` for dockerd, BuildKit in
 * it and the docker CLI; the system bundle plus the CA for buildx's own registry client) → the
 * Docker engine started inside that namespace → the example rendered from a temporary clone of
 * the catalog (the work tree committed there, so `@$CI_COMMIT_SHA` resolves) and run with
 * `runPipeline`, every job shell inside the namespace too.
 *
 * Overrides of the example (a scenario copy of its `.gitlab-ci.yml`; the components are unchanged):
 * - buildx-ecr `platforms`: the three platforms of the scenario;
 * - `context`: a busybox `FROM scratch` context written into the clone (no base image can be pulled);
 * - `buildx-driver: docker`: the `docker-container` driver pulls moby/buildkit (no registry reachable);
 * - `qemu: never`: the `tonistiigi/binfmt` image cannot be pulled; QEMU is registered on the host;
 * - `network: host`: the engine has no bridge network;
 * - `services: []` and `docker-tls-certdir: ''`: no dind service; `DOCKER_HOST` is the engine's socket;
 * - verify-image's `EXPECTED_PLATFORMS`: the three platforms.
 *
 * The assertions read the registry (`docker buildx imagetools inspect --raw`), never job logs.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { isValueMap, type ValueMap } from '../core/value.js';
import { renderPipelineInRepo } from '../render/render.js';
import { ensurePackages } from './apt.js';
import { dockerCli, ensureQemu, startEngine, type Engine } from './engine.js';
import { busyboxContext, DEFAULT_PLATFORMS } from './images.js';
import { ecrToken, MOTO_ACCOUNT, startMoto, type Moto } from './moto.js';
import { generateSigningKey, gitlabIdToken } from './oidc.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { run, runUnchecked, type Log } from './process.js';
import { hostsNamespace, startRegistry, type HostsNamespace, type Registry } from './registry.js';
import { generateTls } from './tls.js';

export const SCENARIO_REGION = 'eu-west-1';
export const SCENARIO_ECR_HOST = `${MOTO_ACCOUNT}.dkr.ecr.${SCENARIO_REGION}.amazonaws.com`;
/** Not 127.0.0.1: the name must resolve through our hosts entry. */
export const SCENARIO_ADDRESS = '127.0.0.2';
export const SCENARIO_PROJECT_PATH = 'platform/ci-catalog';
export const SCENARIO_SERVER_FQDN = 'gitlab.example.com';
const EXAMPLE = 'examples/buildx-ecr/.gitlab-ci.yml';
const CONTEXT_DIR = 'scenario-buildx-ecr-app';

export interface BuildxEcrScenarioOptions {
  /** Everything (except the engine, whose socket paths must be short) lives here; removed at the end unless `keep`. */
  readonly workDir: string;
  readonly log?: Log;
  /** The catalog repository (default: this checkout). */
  readonly repo?: string;
  readonly verbose?: boolean;
  readonly keep?: boolean;
  /** The pipeline's branch or tag (default `main`, the default branch). */
  readonly ref?: string;
  /** `ref` is a tag. */
  readonly tag?: boolean;
}

export interface PlatformEntry {
  readonly platform: string;
  readonly digest: string;
}

export interface BuildxEcrScenarioResult {
  readonly pipeline: PipelineResult;
  /** The build job's dotenv report. */
  readonly dotenv: Readonly<Record<string, string>>;
  readonly imageRef: string;
  /** sha256 of the raw index the registry serves for `imageRef`. */
  readonly registryDigest: string;
  /** Undefined when the registry has no `latest` tag. */
  readonly latestDigest: string | undefined;
  /** The repository's tags in the registry (`/v2/<name>/tags/list`, cache tags included). */
  readonly tags: readonly string[];
  readonly indexMediaType: string;
  /** Image manifests of the index (attestation manifests left out). */
  readonly platforms: readonly PlatformEntry[];
  /** `uname -m` printed by the pushed image run for each platform (under QEMU where not native). */
  readonly unames: Readonly<Record<string, string>>;
  /** The image config's labels (the first platform's). */
  readonly labels: Readonly<Record<string, string>>;
  readonly timings: Readonly<Record<string, number>>;
}

export class ScenarioError extends Error {
  readonly pipeline: PipelineResult | undefined;
  constructor(message: string, pipeline?: PipelineResult) {
    super(message);
    this.pipeline = pipeline;
  }
}

/** The scenario copy of the example: the overrides listed in the module comment, nothing else. */
export function scenarioPipelineText(exampleText: string, platforms: readonly string[] = DEFAULT_PLATFORMS): string {
  const doc = parseDocument(exampleText);
  const include = doc.get('include', true) as { items?: unknown[] } | undefined;
  const items = (include?.items ?? []) as { get(key: string): unknown }[];
  const index = items.findIndex((item) => String(item.get('component')).includes('/buildx-ecr@'));
  if (index < 0) throw new ScenarioError(`${EXAMPLE} includes no buildx-ecr component`);
  const set = (key: string, value: unknown): void => doc.setIn(['include', index, 'inputs', key], value);
  set('platforms', [...platforms]);
  set('context', CONTEXT_DIR);
  set('buildx-driver', 'docker');
  set('qemu', 'never');
  set('network', 'host');
  set('services', []);
  set('docker-tls-certdir', '');
  if (doc.hasIn(['verify-image', 'variables', 'EXPECTED_PLATFORMS'])) {
    doc.setIn(['verify-image', 'variables', 'EXPECTED_PLATFORMS'], platforms.join(' '));
  }
  return doc.toString();
}

/**
 * Inside the namespace: a private tmpfs on /run that keeps every entry of the real /run (bind
 * mounts, symlinks copied), so the directories containerd and dockerd create there no matter what
 * (/run/containerd/s, /run/docker/plugins) never appear on the host, where another engine (a
 * concurrent test file) checks that they do not outlive it. `$1`: an empty directory for the old /run.
 */
const PRIVATE_RUN = `set -e
old=$1
mount --rbind /run "$old"
mount -t tmpfs -o mode=0755 catalog-run /run
for e in "$old"/* "$old"/.[!.]*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  n=/run/\${e##*/}
  if [ -L "$e" ]; then cp -P "$e" "$n"
  elif [ -d "$e" ]; then mkdir -p "$n"; mount --rbind "$e" "$n"
  else [ -e "$n" ] || : > "$n"; mount --bind "$e" "$n"
  fi
done
`;

/** The AWS CLI the jobs use: see `runBuildxEcrScenario`. */
export const SCENARIO_AWS_CLI_PACKAGE = 'awscli';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

async function git(cwd: string, args: readonly string[]): Promise<string> {
  return run('git', ['-c', 'user.name=scenario', '-c', 'user.email=scenario@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd });
}

/** A clone of `repo` whose HEAD is a commit of its work tree (tracked and untracked, not ignored files). */
async function cloneWorkTree(repo: string, dest: string): Promise<string> {
  await run('git', ['clone', '--quiet', '--no-hardlinks', repo, dest]);
  const files = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo }))
    .split('\0')
    .filter((f) => f !== '');
  const deleted = new Set(
    (await run('git', ['ls-files', '-z', '--deleted'], { cwd: repo })).split('\0').filter((f) => f !== ''),
  );
  for (const file of files) {
    if (deleted.has(file)) {
      rmSync(path.join(dest, file), { force: true });
      continue;
    }
    mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(dest, file));
  }
  await git(dest, ['add', '-A']);
  await git(dest, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'scenario: work tree']);
  return (await git(dest, ['rev-parse', 'HEAD'])).trim();
}

interface RawIndex {
  mediaType?: string;
  manifests?: { digest?: string; mediaType?: string; platform?: { os?: string; architecture?: string; variant?: string }; annotations?: Record<string, string> }[];
}

export async function runBuildxEcrScenario(options: BuildxEcrScenarioOptions): Promise<BuildxEcrScenarioResult> {
  const log = options.log ?? (() => {});
  const repo = options.repo ?? path.resolve(import.meta.dirname, '../..', existsDist() ? '..' : '.');
  const workDir = options.workDir;
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    log(`${name}…`);
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - started;
      log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  let moto: Moto | undefined;
  let registry: Registry | undefined;
  let ns: HostsNamespace | undefined;
  let engine: Engine | undefined;
  const engineDir = mkdtempSync(path.join(os.tmpdir(), 'cat-eng-'));
  try {
    await step('QEMU binfmt', () => ensureQemu(log));
    // The jobs use the AWS CLI v2 (Debian's awscli, /usr/bin/aws, first on the jobs' PATH): in
    // GitLab the docker:29.5.2-cli jobs get Alpine's aws-cli, which is v2, when ecr-login installs
    // it. The pyenv aws-cli v1 on this machine stays the harness's own client (moto set-up).
    await step('AWS CLI v2 (apt awscli)', () => ensurePackages([SCENARIO_AWS_CLI_PACKAGE], { log }));
    moto = await step('moto_server', () => startMoto({ dir: path.join(workDir, 'moto') }));
    const motoEndpoint = moto.endpoint;
    const token = await step('ECR token from moto', () => ecrToken(motoEndpoint, SCENARIO_REGION));
    if (token.registryHost !== SCENARIO_ECR_HOST) {
      throw new ScenarioError(`moto's proxyEndpoint is ${token.proxyEndpoint}, expected https://${SCENARIO_ECR_HOST}`);
    }
    const tls = await step('TLS CA and certificate', () =>
      generateTls({ dir: path.join(workDir, 'tls'), dnsNames: [SCENARIO_ECR_HOST], ips: [SCENARIO_ADDRESS] }),
    );
    registry = await step('registry on :443', () =>
      startRegistry({
        dir: path.join(workDir, 'registry'),
        hostnames: [SCENARIO_ECR_HOST],
        tls,
        htpasswd: { user: 'AWS', password: token.password },
        address: SCENARIO_ADDRESS,
        port: 443,
      }),
    );
    const namespace = await step('private hosts namespace', () =>
      hostsNamespace([{ address: SCENARIO_ADDRESS, names: [SCENARIO_ECR_HOST] }]),
    );
    ns = namespace;

    // Trust inside the namespace only: /etc/docker (dockerd, BuildKit in it, the docker CLI) and the
    // system bundle (buildx's own registry client: imagetools).
    await step('CA trust in the namespace', async () => {
      const etcDocker = path.join(workDir, 'etc-docker');
      mkdirSync(path.join(etcDocker, 'certs.d', SCENARIO_ECR_HOST), { recursive: true });
      copyFileSync(tls.caCert, path.join(etcDocker, 'certs.d', SCENARIO_ECR_HOST, 'ca.crt'));
      const bundle = path.join(workDir, 'ca-certificates.crt');
      writeFileSync(bundle, `${readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')}\n${readFileSync(tls.caCert, 'utf8')}`);
      for (const [source, target] of [
        [etcDocker, '/etc/docker'],
        [bundle, '/etc/ssl/certs/ca-certificates.crt'],
      ] as const) {
        const [cmd, ...args] = namespace.wrap(['mount', '--bind', source, target]);
        await run(cmd, args);
      }
      const oldRun = path.join(workDir, 'host-run');
      mkdirSync(oldRun);
      const [cmd, ...args] = namespace.wrap(['sh', '-c', PRIVATE_RUN, 'sh', oldRun]);
      await run(cmd, args);
    });

    engine = await step('Docker engine in the namespace', () => startEngine({ dir: engineDir, log, wrap: namespace.wrap }));

    const project = path.join(workDir, 'project');
    const sha = await step('clone and commit the work tree', () => cloneWorkTree(repo, project));
    await step('busybox context', () => busyboxContext(path.join(project, CONTEXT_DIR), DEFAULT_PLATFORMS, log));

    const pipelineText = scenarioPipelineText(readFileSync(path.join(project, EXAMPLE), 'utf8'));
    const pipelineFile = path.join(workDir, 'buildx-ecr.scenario.gitlab-ci.yml');
    writeFileSync(pipelineFile, pipelineText);
    const rendered = await step('render', () =>
      renderPipelineInRepo(pipelineText, pipelineFile, project, { projectPath: SCENARIO_PROJECT_PATH, serverFqdn: SCENARIO_SERVER_FQDN, sha }),
    );
    if (!rendered.ok || !isValueMap(rendered.value)) {
      throw new ScenarioError(`render failed:\n${rendered.diagnostics.map((d) => JSON.stringify(d)).join('\n')}`);
    }

    // Job shells run inside the namespace: a one-line wrapper as the job shell. setns() into a mount
    // namespace resets the working directory to its root, and `nsenter --wd` would keep a directory
    // of the outer namespace's mounts (rename() to an absolute path then fails with EXDEV): `cd`
    // to the job's directory (CI_PROJECT_DIR) inside the namespace.
    const shell = path.join(workDir, 'ns-sh');
    writeFileSync(
      shell,
      `#!/bin/sh\nexec nsenter --mount=/proc/${namespace.pid}/ns/mnt -- /bin/sh -c 'cd "$1" && shift && exec /bin/sh "$@"' sh "$(pwd)" "$@"\n`,
    );
    chmodSync(shell, 0o755);
    const dockerConfig = path.join(workDir, 'docker-config');
    mkdirSync(dockerConfig, { recursive: true, mode: 0o700 });
    const jobTmp = path.join(workDir, 'job-tmp');
    mkdirSync(jobTmp, { recursive: true });
    const serverUrl = `https://${SCENARIO_SERVER_FQDN}`;
    const ref = options.ref ?? 'main';
    const jwt = gitlabIdToken(
      { issuer: serverUrl, audience: serverUrl, projectPath: SCENARIO_PROJECT_PATH, ref, refType: options.tag === true ? 'tag' : 'branch' },
      generateSigningKey(),
    );
    const env: Record<string, string> = {
      // Debian's docker 26 CLI and AWS CLI v2 (/usr/bin) before the Docker 28 CLI in /usr/local/bin
      // and the pyenv aws-cli v1 shim (last).
      PATH: ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin', path.join(os.homedir(), '.pyenv/shims')].join(':'),
      HOME: os.homedir(),
      TMPDIR: jobTmp,
      DOCKER_HOST: engine.host,
      DOCKER_CONFIG: dockerConfig,
      ...(process.env['PYENV_ROOT'] ? { PYENV_ROOT: process.env['PYENV_ROOT'] } : {}),
    };
    const pipeline = await step('pipeline', () =>
      runPipeline(rendered.value as ValueMap, {
        context: {
          commitSha: sha,
          ref,
          tag: options.tag === true,
          defaultBranch: 'main',
          projectPath: SCENARIO_PROJECT_PATH,
          projectDir: project,
          serverUrl,
        },
        variables: [{ key: 'AWS_API_ENDPOINT', value: motoEndpoint }],
        idTokens: { AWS_ID_TOKEN: jwt },
        workDir: path.join(workDir, 'pipeline'),
        env,
        shell,
        log,
        verbose: options.verbose ?? false,
      }),
    );
    if (pipeline.status !== 'success') {
      const failed = pipeline.jobs.filter((j) => j.status === 'failed');
      throw new ScenarioError(
        `pipeline ${pipeline.status}: ${pipeline.errors.join('; ')}\n` +
          failed.map((j) => `--- ${j.name}: ${j.reason ?? ''}\n${(j.logTail ?? []).join('\n')}`).join('\n'),
        pipeline,
      );
    }
    const build = pipeline.jobs.find((j) => j.name === 'build-image');
    const dotenv = build?.dotenv ?? {};
    const imageRef = dotenv['BUILD_IMAGE_REF'];
    const image = dotenv['BUILD_IMAGE'];
    if (imageRef === undefined || image === undefined) throw new ScenarioError('build-image reported no BUILD_IMAGE_REF', pipeline);

    // The registry's view, with credentials of our own (the jobs logged out).
    const assertConfig = path.join(workDir, 'assert-docker-config');
    mkdirSync(assertConfig, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(assertConfig, 'config.json'),
      JSON.stringify({ auths: { [SCENARIO_ECR_HOST]: { auth: Buffer.from(`AWS:${token.password}`).toString('base64') } } }),
      { mode: 0o600 },
    );
    const raw = async (ref: string): Promise<string> => {
      const [cmd, ...args] = namespace.wrap([dockerCli(), '--host', engine!.host, 'buildx', 'imagetools', 'inspect', '--raw', ref]);
      const result = await runUnchecked(cmd, args, { env: { ...env, DOCKER_CONFIG: assertConfig } });
      if (result.exitCode !== 0) throw new ScenarioError(`imagetools inspect --raw ${ref}: ${result.stderr}`, pipeline);
      return result.stdout;
    };
    const tagsList = async (): Promise<string[]> => {
      const repository = image.slice(SCENARIO_ECR_HOST.length + 1);
      const [cmd, ...args] = namespace.wrap([
        'curl', '-fsS', '--cacert', tls.caCert, '-K', '-', `https://${SCENARIO_ECR_HOST}/v2/${repository}/tags/list`,
      ]);
      // The password goes in curl's config on stdin, never on a command line.
      const out = await run(cmd, args, { input: `user = "AWS:${token.password}"\n` });
      return ((JSON.parse(out) as { tags?: string[] }).tags ?? []).sort();
    };
    const { indexText, latestText, tags } = await step('registry assertions', async () => {
      const tags = await tagsList();
      return {
        indexText: await raw(imageRef),
        latestText: tags.includes('latest') ? await raw(`${image}:latest`) : undefined,
        tags,
      };
    });
    const index = JSON.parse(indexText) as RawIndex;
    const platforms: PlatformEntry[] = (index.manifests ?? [])
      .filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
      .map((m) => ({
        platform: [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter((p) => p !== undefined && p !== '').join('/'),
        digest: m.digest ?? '',
      }));
    // Pull and run each platform of the pushed index: the registry really serves runnable images.
    const { unames, labels } = await step('run each platform', async () => {
      const dockerAs = async (args: readonly string[]): Promise<string> => {
        const [cmd, ...rest] = namespace.wrap([dockerCli(), '--host', engine!.host, ...args]);
        const result = await runUnchecked(cmd, rest, { env: { ...env, DOCKER_CONFIG: assertConfig } });
        if (result.exitCode !== 0) throw new ScenarioError(`docker ${args.join(' ')}: ${result.stderr}`, pipeline);
        return result.stdout.trim();
      };
      const unames: Record<string, string> = {};
      for (const { platform } of platforms) {
        unames[platform] = await dockerAs(['run', '--rm', '--pull', 'always', '--platform', platform, '--network', 'none', imageRef, 'uname', '-m']);
      }
      const first = platforms[0]?.platform ?? 'linux/amd64';
      await dockerAs(['pull', '--platform', first, imageRef]);
      const labels = JSON.parse((await dockerAs(['image', 'inspect', '--format', '{{json .Config.Labels}}', imageRef])) || '{}') as Record<string, string> | null;
      return { unames, labels: labels ?? {} };
    });
    return {
      pipeline,
      dotenv,
      imageRef,
      unames,
      labels,
      registryDigest: sha256(indexText),
      latestDigest: latestText === undefined ? undefined : sha256(latestText),
      tags,
      indexMediaType: index.mediaType ?? '',
      platforms,
      timings,
    };
  } finally {
    const started = Date.now();
    await engine?.stop().catch((e: unknown) => log(`engine stop: ${String(e)}`));
    rmSync(engineDir, { recursive: true, force: true });
    await ns?.stop().catch((e: unknown) => log(`namespace stop: ${String(e)}`));
    await registry?.stop().catch((e: unknown) => log(`registry stop: ${String(e)}`));
    await moto?.stop().catch((e: unknown) => log(`moto stop: ${String(e)}`));
    if (options.keep !== true) rmSync(workDir, { recursive: true, force: true });
    timings['teardown'] = Date.now() - started;
  }
}

/** True when this module runs from `dist/scripts/integration` (the repo is one level further up). */
function existsDist(): boolean {
  return path.basename(path.resolve(import.meta.dirname, '../..')) === 'dist';
}
