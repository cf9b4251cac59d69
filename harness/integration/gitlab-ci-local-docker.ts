/**
 * The docker-executor runner (`gitlabCiLocalDockerRunner`, a runner.ts `Runner`): gitlab-ci-local
 * WITHOUT --force-shell-executor, so that every job runs in a container of its `image:` with its
 * `services:` on a network of its own, as GitLab Runner's docker executor runs it. The jobs' images
 * are the stand-ins (stand-ins.ts: nothing can be pulled here), loaded into a job engine of the
 * harness whose daemons live in a private network namespace (network-namespace.ts), so that user
 * networks, DNS aliases and bridges work without touching the machine's network
 * (`startJobEngine`). gitlab-ci-local itself runs on the machine and drives that engine through
 * its socket (DOCKER_HOST); the rest (the project clone, the variables file, the job list, the
 * report, the dotenv reports) is gitlab-ci-local-run.ts's code, in its `GitlabCiLocalMode` for docker.
 *
 * What gitlab-ci-local is told, and why (docs/gitlab-ci-local.md, "The docker executor", lists
 * every difference from GitLab's and how this runner handles it):
 * - `--pull-policy if-not-present`: the stand-ins are in the engine; a pull cannot succeed here.
 * - `--helper-image` HELPER_IMAGE: the containers that chown the build volume and copy artifacts
 *   and dotenv reports out run `sh -c 'chown … && chmod …'` and `bash -c '… rsync …'`
 *   (gitlab-ci-local's default, firecow/gitlab-ci-local-util, cannot be pulled; GitLab's runner
 *   uses its own gitlab-runner-helper). `startJobEngine` makes it from the podman stand-in (bash,
 *   GNU coreutils) and Debian's rsync.
 * - `--wait-image` WAIT_IMAGE: gitlab-ci-local waits for each service's exposed TCP ports with
 *   `docker run <wait image> <alias>:<port> -t <timeout>` (GitLab's runner: the helper's
 *   health-check); the same helper with a bash /dev/tcp loop as its entrypoint.
 * - `--no-umask`: gitlab-ci-local's default (`--umask`) runs every job as root (`--user 0:0`);
 *   GitLab runs it as the image's user.
 * - `--volume %gcl-cert%:/certs/client`: a volume per job, mounted into the job and its services,
 *   the runner configuration `volumes = ["/certs/client"]` GitLab's docs give for dind over TLS
 *   (GitLab.com's SaaS runners have it).
 * - `--privileged` only when the caller says the pipeline needs it (a dind service, podman in a
 *   job): gitlab-ci-local's flag is global (every job and service container of the run), as
 *   `privileged = true` in a runner's config.toml is (GitLab.com's SaaS runners set it).
 * - `--ca-file` (optional): a CA bundle mounted over /etc/ssl/certs/ca-certificates.crt in every
 *   job and service, where a service stands in for a server with a public certificate (the ECR
 *   registry under its real hostname).
 * - CI_PROJECT_DIR is gitlab-ci-local's `/builds/<group>/<project>` from the clone's remote:
 *   `/builds/platform/ci-catalog`, GitLab's `$CI_BUILDS_DIR/$CI_PROJECT_PATH`.
 * - AWS_API_ENDPOINT is `http://moto:5000`: moto is a service of the job that needs it (the
 *   motoserver/moto stand-in, alias `moto`), never the harness's own moto on the machine's
 *   loopback, which no job container can reach.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ToolkitError } from '../../scripts/core/errors.js';
import { seconds } from './apt.js';
import { fetchDebs, resolveClosure, unpackDebs } from './debs.js';
import { docker, dockerCli, startEngine, type Engine } from './engine.js';
import type { Environment } from './environment.js';
import { runWithGitlabCiLocal, type GitlabCiLocalMode } from './gitlab-ci-local-run.js';
import { privateNetworkNamespace, type NetworkNamespace } from './network-namespace.js';
import type { Log } from './process.js';
import type { Runner } from './runner.js';
import { ensureStandIns, standInCacheDir, standInRecipe, type LoadedStandIn, type StandInName } from './stand-ins.js';

/** The stand-in gitlab-ci-local's helper and wait images are made from: it has sh, bash, chown, chmod. */
export const HELPER_STAND_IN: StandInName = 'podman';
/** gitlab-ci-local's helper image (made by `startJobEngine`): HELPER_STAND_IN plus rsync. */
export const HELPER_IMAGE = 'catalog-harness/gitlab-ci-local-helper:stand-in';
/** The image gitlab-ci-local waits for services with (made by `startJobEngine`): HELPER_IMAGE running WAIT_FOR_IT. */
export const WAIT_IMAGE = 'catalog-harness/wait-for-it:stand-in';
/** moto as a job's service (`motoserver/moto:5.2.1`, alias `moto`) answers here. */
export const MOTO_SERVICE_ENDPOINT = 'http://moto:5000';

/**
 * wait-for-it's interface (`<host>:<port> [-t <seconds>]`, exit 0 once a TCP connection succeeds,
 * 1 after the timeout), with bash's /dev/tcp.
 */
const WAIT_FOR_IT = `#!/bin/bash
# STAND-IN for the wait-for-it image gitlab-ci-local waits for services with (catalog integration
# harness): <host>:<port> [-t <seconds>]; exit 0 once a TCP connection succeeds.
target=$1
shift
timeout=30
if [ "\${1:-}" = -t ]; then timeout=$2; fi
host=\${target%:*}
port=\${target##*:}
end=$((SECONDS + timeout))
until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
	if [ "$SECONDS" -ge "$end" ]; then
		echo "wait-for-it: $target not reachable after \${timeout}s" >&2
		exit 1
	fi
	sleep 0.5
done
echo "wait-for-it: $target is reachable"
`;

export interface JobEngine {
  readonly engine: Engine;
  readonly namespace: NetworkNamespace;
  readonly standIns: readonly LoadedStandIn[];
  /** Stops the engine (its containers, networks and volumes go with its directory) and the namespace. Idempotent. */
  stop(): Promise<void>;
}

export interface JobEngineOptions {
  /** The engine's directory: keep it short (unix socket paths). Removed by stop(). */
  readonly dir: string;
  readonly log?: Log | undefined;
  /** The stand-ins the pipelines' jobs and services use (the helper's is always loaded). */
  readonly standIns: readonly StandInName[];
  /** Passed to the engine (`StartEngineOptions.insecureRegistries`), e.g. job-world.ts's subnet. */
  readonly insecureRegistries?: readonly string[] | undefined;
  /** Passed to the engine (`StartEngineOptions.dns`), e.g. job-world.ts's DNS. */
  readonly dns?: readonly string[] | undefined;
}

/** An engine in a private network namespace, with the stand-ins and the wait image loaded. */
export async function startJobEngine(options: JobEngineOptions): Promise<JobEngine> {
  const log = options.log ?? (() => {});
  const namespace = await privateNetworkNamespace(log);
  let engine: Engine | undefined;
  const stop = async (): Promise<void> => {
    await engine?.stop();
    await namespace.stop();
  };
  try {
    // The default bridge: gitlab-ci-local starts a job without services on the engine's default network.
    engine = await startEngine({ dir: options.dir, log, wrap: namespace.wrap, defaultBridge: true, insecureRegistries: options.insecureRegistries, dns: options.dns });
    const names = [...new Set<StandInName>([HELPER_STAND_IN, ...options.standIns])];
    const standIns = await ensureStandIns(engine, names, log);
    await makeHelperImages(engine, options.dir, log);
    return { engine, namespace, standIns, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Packages rsync's closure would bring that only maintainer scripts use, and libc (the stand-in has it). */
const RSYNC_EXCLUDE = ['libc6', 'init-system-helpers', 'perl-base', 'perl', 'dpkg', 'debconf', 'lsb-base', 'adduser', 'passwd', 'libpam-modules'];

/** HELPER_IMAGE and WAIT_IMAGE, committed from a container of the helper stand-in. */
async function makeHelperImages(engine: Engine, dir: string, log: Log): Promise<void> {
  const started = Date.now();
  const root = path.join(dir, 'helper-root');
  // rsync from the stand-in's own release: its libraries must match the stand-in's libc, and a
  // trixie root has /lib as a link to usr/lib that bookworm's /lib directories cannot be copied over.
  const helper = standInRecipe(HELPER_STAND_IN);
  const release = helper.base.kind === 'debs' ? helper.base.release : undefined;
  const debs = await fetchDebs(await resolveClosure(['rsync'], RSYNC_EXCLUDE, release), path.join(standInCacheDir(), 'debs'));
  await unpackDebs(debs.values(), root);
  for (const unneeded of ['usr/share/doc', 'usr/share/man', 'etc/init.d', 'lib/systemd', 'usr/lib/systemd', 'etc/default', 'etc/logrotate.d']) {
    rmSync(path.join(root, unneeded), { recursive: true, force: true });
  }
  writeFileSync(path.join(root, 'usr/bin/wait-for-it'), WAIT_FOR_IT, { mode: 0o755 });
  const base = helper.table.tags[0] ?? HELPER_STAND_IN;
  const container = (await docker(['create', base], engine)).trim();
  try {
    await docker(['cp', `${root}/.`, `${container}:/`], engine);
    await docker(['commit', '--change', 'CMD ["/bin/bash"]', container, HELPER_IMAGE], engine);
    await docker(['commit', '--change', 'ENTRYPOINT ["/usr/bin/wait-for-it"]', '--change', 'CMD []', container, WAIT_IMAGE], engine);
  } finally {
    await docker(['rm', '-f', '-v', container], engine);
    rmSync(root, { recursive: true, force: true });
  }
  log(`${HELPER_IMAGE} and ${WAIT_IMAGE} made from ${base} and Debian's rsync in ${seconds(started)}`);
}

export interface DockerRunnerOptions {
  /** `--privileged` for every job and service container of every run (see the module comment). */
  readonly privileged: boolean;
  /** A CA bundle mounted as the system bundle of every container (see the module comment). */
  readonly caFile?: string | undefined;
  /** Networks every job and service container joins (`--network`), e.g. job-world.ts's. */
  readonly networks?: readonly string[] | undefined;
  /** More runner volumes (`--volume`, `<host path>:<container path>[:ro]`) for every job and service container. */
  readonly volumes?: readonly string[] | undefined;
  /** `--no-cleanup`: the jobs' containers stay for container-files.ts to copy (then it removes them). */
  readonly keepContainers?: boolean | undefined;
}

function dockerMode(jobEngine: JobEngine, options: DockerRunnerOptions): GitlabCiLocalMode {
  const cli = dockerCli();
  return {
    runner: 'gitlab-ci-local-docker',
    group: 'gcl-docker-runs',
    awsApiEndpoint: MOTO_SERVICE_ENDPOINT,
    args: () => [
      '--container-executable', cli,
      '--pull-policy', 'if-not-present',
      '--helper-image', HELPER_IMAGE,
      '--wait-image', WAIT_IMAGE,
      '--no-umask',
      '--volume', '%gcl-cert%:/certs/client',
      ...(options.privileged ? ['--privileged'] : []),
      ...(options.caFile === undefined ? [] : ['--ca-file', options.caFile]),
      ...(options.networks ?? []).flatMap((network) => ['--network', network]),
      ...(options.volumes ?? []).flatMap((volume) => ['--volume', volume]),
      ...(options.keepContainers === true ? ['--no-cleanup'] : []),
    ],
    // The machine's tools (docker CLI, git, rsync) and the job engine; nothing of the
    // environment's jobEnv: the jobs get only the variables gitlab-ci-local passes with `-e`.
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...jobEngine.engine.env },
    wrap: (argv) => argv,
  };
}

/** gitlab-ci-local's docker executor against `jobEngine`, for pipelines of the environment's project. */
export function gitlabCiLocalDockerRunner(env: Environment, jobEngine: JobEngine, options: DockerRunnerOptions): Runner {
  const mode = dockerMode(jobEngine, options);
  return {
    name: 'gitlab-ci-local-docker',
    capabilities: { idTokens: false, tagPipelines: false, rawVariables: false, renderedPipeline: false, jobContainers: true },
    run: (pipelineText, runOptions) => {
      // gitlab-ci-local copies only git-tracked files into the build volume (`rsyncTrackedFiles`).
      if ((runOptions.copy ?? []).length > 0) {
        return Promise.reject(new ToolkitError(`${runOptions.name}: gitlab-ci-local's docker executor copies only committed files into the containers; commit ${runOptions.copy?.join(', ')} instead of copying it`));
      }
      return runWithGitlabCiLocal(env, mode, pipelineText, runOptions);
    },
  };
}
