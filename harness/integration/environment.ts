/**
 * The world an integration scenario's pipelines run in, started once and shared by every pipeline
 * of the scenario:
 *
 * moto_server (ECR + STS) → a TLS Distribution registry answering as
 * `123456789012.dkr.ecr.eu-west-1.amazonaws.com` (plus any extra names, e.g. `public.ecr.aws`) on
 * port 443 of a loopback address chosen free at start (htpasswd `AWS` / moto's token password) → a
 * private mount namespace in which those names resolve to the registry and its CA is trusted
 * (`/etc/docker/certs.d/<host>/ca.crt` for dockerd, BuildKit in it, the docker CLI and podman; the
 * system bundle plus the CA for buildx's own registry client and curl) → the Docker engine started
 * inside that namespace → a temporary clone of the catalog whose HEAD is a commit of the work tree
 * (so `@$CI_COMMIT_SHA` resolves). The environment's `runner` (runner.ts) runs pipelines there,
 * every job shell inside the namespace: by default the shell-executor emulation (`emulationRunner`:
 * our include processor renders the pipeline, pipeline.ts runs it). `stop()` undoes all of it.
 *
 * With `faultProxy`, the registry listens on another port of that address and a fault-injecting
 * proxy (fault-proxy.ts) takes :443: every job request passes through it, the harness's own reads
 * of the registry do not.
 *
 * The address is random in 127.0.0.0/8 (not 127.0.0.1) and probed free on :443, so two
 * environments (concurrent test files, a developer's run next to CI's) never meet.
 */
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cloneRepository, commitStaged, listFiles, stageAll } from '../../scripts/core/git.js';
import { isValueMap, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { renderPipelineInRepo } from '../../scripts/gitlab/includes/processor.js';
import { ensurePackages } from './apt.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { ensureCosign } from './cosign.js';
import { dockerCli, ensureQemu, startEngine, type Engine } from './engine.js';
import { ecrToken, MOTO_ACCOUNT, startMoto, type EcrToken, type Moto } from './moto.js';
import { generateSigningKey, gitlabIdToken, type SigningKey } from './oidc.js';
import { manifestDigest } from './oci.js';
import { runPipeline } from './pipeline.js';
import { freeLoopbackAddress, freePort } from './ports.js';
import { run, runUnchecked, type Log, type RunResult } from './process.js';
import { hostsNamespace, startRegistry, type HostsNamespace, type Registry } from './registry.js';
import type { PipelineResult, Runner } from './runner.js';
import { generateTls, type TlsFiles } from './tls.js';

export const SCENARIO_REGION = 'eu-west-1';
export const SCENARIO_ECR_HOST = `${MOTO_ACCOUNT}.dkr.ecr.${SCENARIO_REGION}.amazonaws.com`;
export const SCENARIO_PROJECT_PATH = 'platform/ci-catalog';
export const SCENARIO_SERVER_FQDN = 'gitlab.example.com';
export const SCENARIO_DEFAULT_BRANCH = 'main';
/** CI_SERVER_URL, and the issuer and audience of the environment's ID tokens. */
const SCENARIO_SERVER_URL = `https://${SCENARIO_SERVER_FQDN}`;
/** The AWS CLI the jobs use: see `startEnvironment`. */
export const SCENARIO_AWS_CLI_PACKAGE = 'awscli';

export interface EnvironmentOptions {
  /** Everything (except the engine, whose socket paths must be short) lives here; removed by `stop()` unless `keep`. */
  readonly workDir: string;
  readonly log?: Log | undefined;
  /** The catalog repository (default: this checkout). */
  readonly repo?: string | undefined;
  readonly verbose?: boolean | undefined;
  readonly keep?: boolean | undefined;
  /** More names the registry answers under (same TLS certificate, same htpasswd user). */
  readonly extraHostnames?: readonly string[] | undefined;
  /** Makes the runner of the environment's pipelines (default: `emulationRunner`). */
  readonly runner?: ((env: Environment) => Runner) | undefined;
  /**
   * Puts a fault-injecting proxy (fault-proxy.ts) on :443 in front of the registry, which then
   * listens on another port of the same address: the jobs reach the registry only through the
   * proxy; the harness's own reads (`tags`, `tagDigests`' tag list, `directManifest`) go to the
   * registry directly.
   */
  readonly faultProxy?: { readonly faultRate: number; readonly seed: number } | undefined;
}

export class ScenarioError extends Error {
  readonly pipeline: PipelineResult | undefined;
  constructor(message: string, pipeline?: PipelineResult) {
    super(message);
    this.pipeline = pipeline;
  }
}

export interface Environment {
  readonly workDir: string;
  readonly ecrHost: string;
  readonly address: string;
  readonly moto: Moto;
  /** moto's ECR token: `AWS` / its password (also the registry's htpasswd). */
  readonly token: EcrToken;
  readonly tls: TlsFiles;
  readonly registry: Registry;
  /** The proxy in front of the registry (EnvironmentOptions.faultProxy), or undefined. */
  readonly faultProxy: FaultProxy | undefined;
  readonly namespace: HostsNamespace;
  readonly engine: Engine;
  /** The clone whose HEAD is the work tree: the pipelines' CI_PROJECT_DIR. */
  readonly project: string;
  readonly sha: string;
  /** podman/buildah's storage, configuration and per-job runtime dirs (`xdg/`): see writePodmanConfig. */
  readonly podmanDir: string;
  readonly signingKey: SigningKey;
  /** Base environment of every job: PATH, HOME (private), TMPDIR, DOCKER_HOST, DOCKER_CONFIG, CONTAINERS_*. */
  readonly jobEnv: Readonly<Record<string, string>>;
  /** The job shell of the emulation: `sh` inside the namespace, in the directory it is started in. */
  readonly jobShell: string;
  /** Job output goes to `log` too (EnvironmentOptions.verbose). */
  readonly verbose: boolean;
  /** Runs the environment's pipelines (EnvironmentOptions.runner). */
  readonly runner: Runner;
  /** Milliseconds per named step, in order. */
  readonly timings: Record<string, number>;
  readonly log: Log;
  /** Runs `fn` as a named, timed, logged step. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A GitLab-shaped ID token (RS256, this environment's key) for a pipeline on `ref`. */
  idToken(ref: string, tag: boolean): string;
  /** A new directory `<workDir>/<group>/<name>` for one run's files; a name used before in the group is refused. */
  runDir(group: string, name: string): string;
  /** Runs a command inside the namespace (argv, no shell) with the registry credentials of the harness. */
  inNamespace(argv: readonly [string, ...string[]], options?: { input?: string }): Promise<RunResult>;
  /** The docker CLI against the engine, inside the namespace, logged in to the registry as the harness. */
  docker(args: readonly string[]): Promise<string>;
  /** `docker buildx imagetools inspect --raw <ref>`: the manifest or index text the registry serves. */
  rawManifest(ref: string): Promise<string>;
  /**
   * GET of `/v2/<repository>/manifests/<reference>` from the registry itself (never through the
   * fault proxy), accepting any manifest or index: undefined when the registry has none.
   */
  directManifest(repository: string, reference: string): Promise<{ readonly digest: string; readonly text: string } | undefined>;
  /** `/v2/<repository>/tags/list`, sorted ([] when the repository does not exist). */
  tags(repository: string): Promise<string[]>;
  /** The digest each tag of `image` (`<registry host>/<repository>`) points at, cache tags included. */
  tagDigests(image: string): Promise<Record<string, string>>;
  /** DELETE of a tag's manifest through the registry API (by digest, as the API requires). */
  deleteTag(repository: string, tag: string): Promise<void>;
  /** Idempotent; also runs on failure paths. */
  stop(): Promise<void>;
}

/**
 * Inside the namespace: a private tmpfs on /run that keeps every entry of the real /run (bind
 * mounts, symlinks copied) except /run/containerd and /run/docker, which are new and empty: the
 * directories containerd and dockerd create there no matter what (/run/containerd/s,
 * /run/docker/plugins) never appear on the host, where another engine (a concurrent test file)
 * checks that they do not outlive it, and that engine removing its own never pulls them from under
 * ours. `$1`: an empty directory for the old /run.
 */
const PRIVATE_RUN = `set -e
old=$1
mount --rbind /run "$old"
mount -t tmpfs -o mode=0755 catalog-run /run
for e in "$old"/* "$old"/.[!.]*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  n=/run/\${e##*/}
  # Engines outside the namespace create and remove these while we run: ours get fresh ones.
  case \${e##*/} in containerd|docker) mkdir -p "$n"; continue;; esac
  if [ -L "$e" ]; then cp -P "$e" "$n"
  elif [ -d "$e" ]; then mkdir -p "$n"; mount --rbind "$e" "$n"
  else [ -e "$n" ] || : > "$n"; mount --bind "$e" "$n"
  fi
done
`;

/** Who the work tree's commit in the clone is by. */
const SCENARIO_COMMITTER = { name: 'scenario', email: 'scenario@example.invalid' };

/** A clone of `repo` whose HEAD is a commit of its work tree (tracked and untracked, not ignored files). */
async function cloneWorkTree(repo: string, dest: string): Promise<string> {
  await cloneRepository(repo, dest);
  const files = await listFiles(repo, ['cached', 'others'], { excludeStandard: true });
  const deleted = new Set(await listFiles(repo, ['deleted']));
  for (const file of files) {
    if (deleted.has(file)) {
      rmSync(path.join(dest, file), { force: true });
      continue;
    }
    mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(dest, file));
  }
  await stageAll(dest);
  return commitStaged(dest, 'scenario: work tree', SCENARIO_COMMITTER);
}

/** The repository this module belongs to (`harness/integration/` or, built, `dist/harness/integration/`). */
export function catalogRepo(): string {
  const up = path.resolve(import.meta.dirname, '../..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  const log = options.log ?? (() => {});
  const repo = options.repo ?? catalogRepo();
  const workDir = options.workDir;
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    log(`${name}…`);
    try {
      return await fn();
    } finally {
      timings[name] = (timings[name] ?? 0) + Date.now() - started;
      log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  const hostnames = [SCENARIO_ECR_HOST, ...(options.extraHostnames ?? [])];
  let moto: Moto | undefined;
  let registry: Registry | undefined;
  let proxy: FaultProxy | undefined;
  let ns: HostsNamespace | undefined;
  let engine: Engine | undefined;
  const engineDir = mkdtempSync(path.join(os.tmpdir(), 'cat-eng-'));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const started = Date.now();
    await engine?.stop().catch((e: unknown) => log(`engine stop: ${String(e)}`));
    rmSync(engineDir, { recursive: true, force: true });
    await ns?.stop().catch((e: unknown) => log(`namespace stop: ${String(e)}`));
    await proxy?.stop().catch((e: unknown) => log(`fault proxy stop: ${String(e)}`));
    await registry?.stop().catch((e: unknown) => log(`registry stop: ${String(e)}`));
    await moto?.stop().catch((e: unknown) => log(`moto stop: ${String(e)}`));
    if (options.keep !== true) rmSync(workDir, { recursive: true, force: true });
    timings['teardown'] = Date.now() - started;
  };
  try {
    await step('QEMU binfmt', () => ensureQemu(log));
    // The jobs use the AWS CLI v2 (Debian's awscli, /usr/bin/aws, first on the jobs' PATH): in
    // GitLab the docker:*-cli jobs get Alpine's aws-cli, which is v2, when ecr-login installs it.
    // An aws-cli v1 elsewhere on PATH (pyenv) stays the harness's own client (moto set-up).
    await step('AWS CLI v2 (apt awscli)', () => ensurePackages([SCENARIO_AWS_CLI_PACKAGE], { log }));
    // The signing jobs' cosign, and the harness's for reading their signatures back.
    await step('cosign (apt, trixie)', () => ensureCosign(log));
    const address = await freeLoopbackAddress(443);
    moto = await step('moto_server', () => startMoto({ dir: path.join(workDir, 'moto') }));
    const motoEndpoint = moto.endpoint;
    const token = await step('ECR token from moto', () => ecrToken(motoEndpoint, SCENARIO_REGION));
    if (token.registryHost !== SCENARIO_ECR_HOST) {
      throw new ScenarioError(`moto's proxyEndpoint is ${token.proxyEndpoint}, expected https://${SCENARIO_ECR_HOST}`);
    }
    const tls = await step('TLS CA and certificate', () =>
      generateTls({ dir: path.join(workDir, 'tls'), dnsNames: hostnames, ips: [address] }),
    );
    const registryPort = options.faultProxy === undefined ? 443 : await freePort(address);
    registry = await step(`registry on ${address}:${registryPort}`, () =>
      startRegistry({
        dir: path.join(workDir, 'registry'),
        hostnames,
        tls,
        htpasswd: { user: 'AWS', password: token.password },
        address,
        port: registryPort,
      }),
    );
    if (options.faultProxy !== undefined) {
      const { faultRate, seed } = options.faultProxy;
      proxy = await step(`fault proxy on ${address}:443 (rate ${faultRate}, seed ${seed})`, () =>
        startFaultProxy({
          listen: { address, port: 443, publicOrigin: `https://${SCENARIO_ECR_HOST}` },
          upstream: { address, port: registryPort, servername: SCENARIO_ECR_HOST, caFile: tls.caCert },
          tls: { certFile: tls.serverCert, keyFile: tls.serverKey },
          faultRate,
          seed,
        }),
      );
    }
    const namespace = await step('private hosts namespace', () => hostsNamespace([{ address, names: hostnames }]));
    ns = namespace;

    // Trust inside the namespace only: /etc/docker (dockerd, BuildKit in it, the docker CLI; podman
    // reads /etc/docker/certs.d too) and the system bundle (buildx's own registry client, curl).
    await step('CA trust in the namespace', async () => {
      const etcDocker = path.join(workDir, 'etc-docker');
      for (const name of hostnames) {
        mkdirSync(path.join(etcDocker, 'certs.d', name), { recursive: true });
        copyFileSync(tls.caCert, path.join(etcDocker, 'certs.d', name, 'ca.crt'));
      }
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

    const started = await step('Docker engine in the namespace', () => startEngine({ dir: engineDir, log, wrap: namespace.wrap }));
    engine = started;
    const project = path.join(workDir, 'project');
    const sha = await step('clone and commit the work tree', () => cloneWorkTree(repo, project));

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
    // A HOME of the environment's own: the credential stores the components fall back to
    // (~/.docker/config.json, ~/.config/containers/auth.json, ~/.aws) never reach the machine's,
    // and two environments running at once never log each other out.
    const jobHome = path.join(workDir, 'home');
    mkdirSync(jobHome, { recursive: true, mode: 0o700 });
    const podmanDir = path.join(workDir, 'podman');
    const podmanEnv = writePodmanConfig(podmanDir);
    const jobEnv: Record<string, string> = {
      // Debian's docker 26 CLI and AWS CLI v2 (/usr/bin) before any newer docker client in
      // /usr/local/bin and the pyenv aws-cli v1 shim (last).
      PATH: ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin', path.join(os.homedir(), '.pyenv/shims')].join(':'),
      HOME: jobHome,
      TMPDIR: jobTmp,
      DOCKER_HOST: started.host,
      DOCKER_CONFIG: dockerConfig,
      // The shims find pyenv through PYENV_ROOT, not through the (private) HOME.
      PYENV_ROOT: process.env['PYENV_ROOT'] ?? path.join(os.homedir(), '.pyenv'),
      ...podmanEnv,
    };

    // The harness's own view of the registry: credentials of its own (the jobs log out).
    const harnessConfig = path.join(workDir, 'harness-docker-config');
    mkdirSync(harnessConfig, { recursive: true, mode: 0o700 });
    const auth = Buffer.from(`AWS:${token.password}`).toString('base64');
    writeFileSync(
      path.join(harnessConfig, 'config.json'),
      JSON.stringify({ auths: Object.fromEntries(hostnames.map((name) => [name, { auth }])) }),
      { mode: 0o600 },
    );
    const harnessEnv = { ...jobEnv, DOCKER_CONFIG: harnessConfig };
    const inNamespace = (argv: readonly [string, ...string[]], opts: { input?: string } = {}): Promise<RunResult> => {
      const [cmd, ...args] = namespace.wrap([...argv]);
      return runUnchecked(cmd, args, { env: harnessEnv, ...(opts.input === undefined ? {} : { input: opts.input }) });
    };
    const docker = async (args: readonly string[]): Promise<string> => {
      const result = await inNamespace([dockerCli(), '--host', started.host, ...args]);
      if (result.exitCode !== 0) throw new ScenarioError(`docker ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim();
    };
    // curl with the password in its config on stdin, never on a command line; to the registry
    // itself, past the fault proxy when there is one.
    const direct = `${SCENARIO_ECR_HOST}:443:${address}:${registryPort}`;
    const registryApi = async (method: string, urlPath: string, headers: readonly string[] = []): Promise<RunResult> =>
      inNamespace(
        ['curl', '-sS', '--cacert', tls.caCert, '--connect-to', direct, '-K', '-', '-X', method, ...headers.flatMap((h) => ['-H', h]), '-D', '-', `https://${SCENARIO_ECR_HOST}${urlPath}`],
        { input: `user = "AWS:${token.password}"\n` },
      );
    const signingKey = generateSigningKey();
    const idToken = (ref: string, tag: boolean): string =>
      gitlabIdToken({ issuer: SCENARIO_SERVER_URL, audience: SCENARIO_SERVER_URL, projectPath: SCENARIO_PROJECT_PATH, ref, refType: tag ? 'tag' : 'branch' }, signingKey);
    const runs = new Set<string>();
    let runner: Runner | undefined;

    const environment: Environment = {
      workDir,
      ecrHost: SCENARIO_ECR_HOST,
      address,
      moto,
      token,
      tls,
      registry,
      faultProxy: proxy,
      namespace,
      engine: started,
      project,
      sha,
      podmanDir,
      signingKey,
      jobEnv,
      jobShell: shell,
      verbose: options.verbose ?? false,
      // Made right below, from the finished environment.
      get runner(): Runner {
        if (runner === undefined) throw new ScenarioError('the runner is used while it is being made');
        return runner;
      },
      timings,
      log,
      step,
      idToken,
      inNamespace,
      docker,
      stop,
      async rawManifest(ref) {
        const result = await inNamespace([dockerCli(), '--host', started.host, 'buildx', 'imagetools', 'inspect', '--raw', ref]);
        if (result.exitCode !== 0) throw new ScenarioError(`imagetools inspect --raw ${ref}: ${result.stderr}`);
        return result.stdout;
      },
      async tags(repository) {
        const result = await registryApi('GET', `/v2/${repository}/tags/list`);
        const status = /^HTTP\/\S+ (\d+)/m.exec(result.stdout)?.[1];
        if (status === '404') return [];
        if (result.exitCode !== 0 || status !== '200') throw new ScenarioError(`tags/list ${repository}: HTTP ${status ?? '?'} ${result.stderr}`);
        const body = result.stdout.slice(result.stdout.indexOf('\r\n\r\n') + 4);
        return ((JSON.parse(body) as { tags?: string[] | null }).tags ?? []).sort();
      },
      async tagDigests(image) {
        const digests: Record<string, string> = {};
        const repository = image.slice(image.indexOf('/') + 1);
        for (const tag of await environment.tags(repository)) digests[tag] = manifestDigest(await environment.rawManifest(`${image}:${tag}`));
        return digests;
      },
      async directManifest(repository, reference) {
        const result = await registryApi('GET', `/v2/${repository}/manifests/${reference}`, [`Accept: ${MANIFEST_TYPES}`]);
        const status = /^HTTP\/\S+ (\d+)/m.exec(result.stdout)?.[1];
        if (status === '404') return undefined;
        if (result.exitCode !== 0 || status !== '200') throw new ScenarioError(`GET manifest ${repository}:${reference}: HTTP ${status ?? '?'} ${result.stderr}`);
        const text = result.stdout.slice(result.stdout.indexOf('\r\n\r\n') + 4);
        return { digest: manifestDigest(text), text };
      },
      async deleteTag(repository, tag) {
        const head = await registryApi('HEAD', `/v2/${repository}/manifests/${tag}`, [`Accept: ${MANIFEST_TYPES}`]);
        const digest = /^docker-content-digest:\s*(\S+)/im.exec(head.stdout)?.[1];
        if (digest === undefined) throw new ScenarioError(`no manifest for ${repository}:${tag}: ${head.stdout}${head.stderr}`);
        const deleted = await registryApi('DELETE', `/v2/${repository}/manifests/${digest}`);
        if (!/^HTTP\/\S+ 202/m.test(deleted.stdout)) throw new ScenarioError(`DELETE ${repository}@${digest}: ${deleted.stdout}${deleted.stderr}`);
      },
      runDir(group, name) {
        const key = `${group}/${name}`;
        if (runs.has(key) || !/^[A-Za-z0-9._-]+$/.test(name)) throw new ScenarioError(`run name ${key} is not a new file name`);
        runs.add(key);
        const dir = path.join(workDir, group, name);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        return dir;
      },
    };
    runner = (options.runner ?? emulationRunner)(environment);
    return environment;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Every manifest and index media type the components push: the Accept of a manifest read. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** TOML basic string (paths only: no control characters expected). */
const toml = (text: string): string => JSON.stringify(text);

/**
 * podman and buildah private to the environment, never the machine's /var/lib/containers: storage
 * (vfs, graphroot and runroot), engine tmp dir, cgroupfs and file events (no systemd here) and an
 * empty short-name search list, all under `dir`; returns CONTAINERS_STORAGE_CONF, CONTAINERS_CONF
 * and CONTAINERS_REGISTRIES_CONF for the jobs' (and the harness's) environment.
 */
export function writePodmanConfig(dir: string): Record<string, string> {
  for (const sub of ['storage', 'run', 'tmp', 'xdg']) mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
  const files = {
    CONTAINERS_STORAGE_CONF: ['storage.conf', `[storage]\ndriver = "vfs"\ngraphroot = ${toml(path.join(dir, 'storage'))}\nrunroot = ${toml(path.join(dir, 'run'))}\n`],
    CONTAINERS_CONF: [
      'containers.conf',
      `[engine]\ntmp_dir = ${toml(path.join(dir, 'tmp'))}\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = ${toml(path.join(dir, 'tmp', 'events.log'))}\n`,
    ],
    CONTAINERS_REGISTRIES_CONF: ['registries.conf', 'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n'],
  } as const;
  const env: Record<string, string> = {};
  for (const [key, [name, text]] of Object.entries(files)) {
    env[key] = path.join(dir, name);
    writeFileSync(env[key], text);
  }
  return env;
}

/**
 * The shell-executor emulation as the environment's runner: our include processor renders the
 * pipeline in the project clone (`<workDir>/runs/<name>/.gitlab-ci.yml`), pipeline.ts runs it there
 * with the environment's job shell, its logs under `<workDir>/runs/<name>/logs`.
 */
export function emulationRunner(env: Environment): Runner {
  return {
    name: 'emulation',
    capabilities: { idTokens: true, tagPipelines: true, rawVariables: true, renderedPipeline: true, jobContainers: false },
    async run(pipelineText, runOptions) {
      const dir = env.runDir('runs', runOptions.name);
      const pipelineFile = path.join(dir, '.gitlab-ci.yml');
      writeFileSync(pipelineFile, pipelineText);
      const rendered = await env.step(`render ${runOptions.name}`, () =>
        renderPipelineInRepo(pipelineText, pipelineFile, env.project, { projectPath: SCENARIO_PROJECT_PATH, serverFqdn: SCENARIO_SERVER_FQDN, sha: env.sha }),
      );
      if (!rendered.ok || !isValueMap(rendered.value)) {
        throw new ScenarioError(`render failed:\n${rendered.diagnostics.map((d) => JSON.stringify(d)).join('\n')}`);
      }
      const ref = runOptions.ref ?? SCENARIO_DEFAULT_BRANCH;
      const tag = runOptions.tag === true;
      const idTokens = runOptions.idTokens ?? { AWS_ID_TOKEN: env.idToken(ref, tag) };
      const pipeline = await env.step(`pipeline ${runOptions.name}`, () =>
        runPipeline(rendered.value as ValueMap, {
          context: {
            commitSha: env.sha,
            ref,
            tag,
            defaultBranch: SCENARIO_DEFAULT_BRANCH,
            projectPath: SCENARIO_PROJECT_PATH,
            projectDir: env.project,
            serverUrl: SCENARIO_SERVER_URL,
          },
          variables: [{ key: 'AWS_API_ENDPOINT', value: env.moto.endpoint }, ...(runOptions.variables ?? [])],
          idTokens,
          workDir: dir,
          env: { ...env.jobEnv, ...runOptions.env },
          shell: env.jobShell,
          log: env.log,
          verbose: runOptions.verbose ?? env.verbose,
        }),
      );
      return {
        runner: 'emulation',
        pipeline,
        dir,
        project: env.project,
        jobOutput: [path.join(dir, 'logs')],
        secrets: Object.values(idTokens),
        rendered: rendered.value,
      };
    },
  };
}
