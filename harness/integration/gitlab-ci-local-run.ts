/**
 * The independent runner (`gitlabCiLocalRunner`, a runner.ts `Runner`): a pipeline run by
 * gitlab-ci-local (npm `gitlab-ci-local`, pinned in devDependencies) with its shell executor, in an
 * integration environment (environment.ts), so the shell-executor emulation of pipeline.ts is not
 * the only judge of the example pipelines.
 *
 * Each run gets its own clone of the environment's project (`<workDir>/gcl-runs/<name>/project`),
 * at the same commit, because gitlab-ci-local writes into the directory it runs in (its state
 * directory `.gitlab-ci-local/`, the jobs' files, the artifacts it copies): a run never touches the
 * clone the emulation runs in. In that clone:
 * - `gcl-origin` is `https://<SCENARIO_SERVER_FQDN>/<SCENARIO_PROJECT_PATH>`: gitlab-ci-local reads
 *   the project path and server from it (`GitData.initRemoteData`), so the example's
 *   `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` includes are *local* components, read
 *   from the work tree (docs/gitlab-ci-local.md, "How gitlab-ci-local resolves include: component:");
 * - HEAD is the branch `ref` (CI_COMMIT_BRANCH, CI_COMMIT_REF_NAME/SLUG come from
 *   `git rev-parse --abbrev-ref HEAD`), and `origin/HEAD` names the default branch (CI_DEFAULT_BRANCH);
 * - `copy` lists files of the environment's project that are not committed but needed (the busybox
 *   build context): gitlab-ci-local without `--shell-isolation` runs every job in this directory.
 *
 * gitlab-ci-local runs inside the environment's mount namespace (`env.namespace.wrap`), so its job
 * shells resolve the ECR hostname to the registry and trust its CA, with `--force-shell-executor`
 * (the jobs' `image:` is ignored: nothing can be pulled) and the jobs' base environment
 * `env.jobEnv` (Debian's docker 26 CLI and AWS CLI v2 first on PATH, DOCKER_HOST, DOCKER_CONFIG)
 * with one change: HOME is an empty directory of the run. Its shell executor starts each job as
 * `bash` with socket pipes for stdio, and Debian's bash (built with SSH_SOURCE_BASHRC) then sources
 * `~/.bashrc` as for an ssh command: on a developer machine that puts pyenv's AWS CLI v1 and other
 * tools first on PATH. An empty HOME also keeps the jobs' files (podman's auth file, ~/.aws) and
 * gitlab-ci-local's own configuration (`$HOME/.gitlab-ci-local/`) out of the real home.
 * `CI_PROJECT_DIR` and `CI_BUILDS_DIR` are set to the project directory: gitlab-ci-local would
 * give every job with an `image:` `/builds/<project path>` although it runs it in the project.
 * gitlab-ci-local mints no `id_tokens`: the ID token is set by hand as a project variable, as
 * ecr-login's `id-token-variable` documents, in a 0600 variables file outside the project
 * (`--variables-file`), never on a command line. Non-secret variables (AWS_API_ENDPOINT) go on the
 * command line with `--variable`, as a developer would run it.
 *
 * The outcome is read from what gitlab-ci-local leaves behind: its exit status, the PASS/WARN/FAIL
 * report it prints at the end (the job list comes from `--list-json`), the job logs in
 * `.gitlab-ci-local/output/<job>.log` and the dotenv reports it stored under
 * `.gitlab-ci-local/artifacts/<job>/.gitlab-ci-reports/dotenv/`, parsed as GitLab parses them.
 * docs/gitlab-ci-local.md ("Running the example pipelines") lists every difference and workaround.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ToolkitError } from '../../scripts/core/errors.js';
import { addRemote, checkBranchName, cloneRepository, headSha, setConfig, setSymbolicRef, updateRef } from '../../scripts/core/git.js';
import { ensurePackages, isRoot } from './apt.js';
import { parseDotenv } from './dotenv.js';
import {
  catalogRepo,
  SCENARIO_DEFAULT_BRANCH,
  SCENARIO_PROJECT_PATH,
  SCENARIO_SERVER_FQDN,
  type Environment,
} from './environment.js';
import { dieWithParent, tail } from './process.js';
import type { ExtraVariable, JobResult, JobStatus, PipelineRun, RunnerName, RunOptions, Runner } from './runner.js';

/** The version pinned in package.json; `checkGitlabCiLocal` refuses any other. */
export const GITLAB_CI_LOCAL_VERSION = '4.75.1';
/** gitlab-ci-local's state directory, relative to the project (its default). */
const STATE_DIR = '.gitlab-ci-local';
/** The pipeline file, relative to the project: not `.gitlab-ci.yml`, which is the catalog's own. */
const PIPELINE_FILE = '.gitlab-ci-local-pipeline.yml';
const LOG_TAIL_LINES = 30;

/**
 * The Node >= 22 that runs gitlab-ci-local (devDependency `node`; `CATALOG_PARITY_NODE22` overrides
 * it, e.g. with a system Node 22), and gitlab-ci-local's entry point. The parity tests and the
 * benchmark use these too.
 */
export function gitlabCiLocalPaths(repo: string = catalogRepo()): { node: string; script: string } {
  return {
    node: process.env['CATALOG_PARITY_NODE22'] ?? path.join(repo, 'node_modules', 'node', 'bin', 'node'),
    script: path.join(repo, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js'),
  };
}

/** Git confined to this machine: no system or global config, no prompts, only the `file` transport. */
export const CONFINED_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_ALLOW_PROTOCOL: 'file',
};

/**
 * The environment gitlab-ci-local runs with (and, since its shell executor extends its own
 * environment, the jobs' base environment): `jobEnv`, colours off, and git confined to this
 * machine (CONFINED_GIT_ENV). Nothing else of this process's environment is passed on, so no
 * `GCL_*` variable (read as options and pipeline variables) can reach it.
 */
export function gitlabCiLocalEnv(jobEnv: Readonly<Record<string, string>>, home: string): Record<string, string> {
  return { ...jobEnv, HOME: home, NO_COLOR: '1', FORCE_COLOR: '0', ...CONFINED_GIT_ENV };
}

/**
 * Why gitlab-ci-local cannot run here, or undefined. rsync (which it needs to copy artifacts) is
 * installed from Debian when missing and we are root.
 */
export async function checkGitlabCiLocal(log: (line: string) => void = () => {}): Promise<string | undefined> {
  const { node, script } = gitlabCiLocalPaths();
  if (!existsSync(node)) return `${node} is missing: run \`npm ci\` (devDependency \`node\` provides Node 22 for gitlab-ci-local)`;
  if (!existsSync(script)) return `${script} is missing: run \`npm ci\` (devDependency \`gitlab-ci-local\`)`;
  if (isRoot()) await ensurePackages(['rsync'], { log });
  const rsync = await execa('rsync', ['--version'], { reject: false, stdin: 'ignore' });
  if (rsync.exitCode !== 0) return 'rsync is not installed (gitlab-ci-local copies artifacts with it): install the Debian package `rsync`';
  const version = await execa(node, [script, '--version'], { reject: false, stdin: 'ignore', extendEnv: false, env: gitlabCiLocalEnv({ PATH: '/usr/bin:/bin' }, '/nonexistent') });
  if (version.exitCode !== 0) return `gitlab-ci-local --version failed (exit ${version.exitCode}): ${tail(String(version.stderr), 5)}`;
  if (String(version.stdout).trim() !== GITLAB_CI_LOCAL_VERSION) {
    return `gitlab-ci-local is ${String(version.stdout).trim()}, expected ${GITLAB_CI_LOCAL_VERSION} (docs/gitlab-ci-local.md describes that version)`;
  }
  return undefined;
}

/** The run's clone of the environment's project, arranged as the module comment describes. */
async function prepareProject(env: Environment, project: string, ref: string, copy: readonly string[]): Promise<void> {
  await checkBranchName(ref);
  await cloneRepository(env.project, project);
  const head = await headSha(project);
  if (head !== env.sha) throw new ToolkitError(`the clone's HEAD is ${head}, not the environment's commit ${env.sha}`);
  // Point HEAD at the branch without a checkout: the work tree already is that commit.
  await updateRef(project, `refs/heads/${ref}`, env.sha);
  await setSymbolicRef(project, 'HEAD', `refs/heads/${ref}`);
  await updateRef(project, `refs/remotes/origin/${SCENARIO_DEFAULT_BRANCH}`, env.sha);
  await setSymbolicRef(project, 'refs/remotes/origin/HEAD', `refs/remotes/origin/${SCENARIO_DEFAULT_BRANCH}`);
  // No `.git` suffix: nothing is ever fetched from it (every component is local).
  await addRemote(project, 'gcl-origin', `https://${SCENARIO_SERVER_FQDN}/${SCENARIO_PROJECT_PATH}`);
  // GITLAB_USER_* come from here; without them gitlab-ci-local prints fallback warnings.
  await setConfig(project, 'user.name', 'Scenario Runner');
  await setConfig(project, 'user.email', 'scenario@example.invalid');
  for (const relative of copy) {
    const source = path.join(env.project, relative);
    if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..') || !existsSync(source)) {
      throw new ToolkitError(`copy: ${relative} is not a path inside ${env.project}`);
    }
    cpSync(source, path.join(project, relative), { recursive: true });
  }
}

/**
 * gitlab-ci-local's project variables file: JSON (a subset of the YAML it reads). Every value is
 * spelled `{type, values: {'*': value}}`: a bare string starting with `/` or `~` would be taken
 * for a file path to read (`VariablesFromFiles.init`).
 */
function variablesFile(variables: readonly ExtraVariable[]): string {
  const entries = variables.map((v) => {
    if (v.raw === true) throw new ToolkitError(`variable ${v.key}: gitlab-ci-local expands every variable (no \`expand: false\`)`);
    return [v.key, { type: v.file === true ? 'file' : 'variable', values: { '*': v.value } }] as const;
  });
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}

/** A job as `--list-json` lists it. */
export interface ListedJob {
  readonly name: string;
  readonly stage: string;
  readonly when: string;
}

/**
 * Project variables may override predefined ones (GitLab ranks project variables above predefined
 * variables), e.g. CI_REGISTRY for a stand-in of the project's container registry. gitlab-ci-local
 * then warns on stdout, before --list-json's JSON, unless the names are listed in
 * --ignore-predefined-vars.
 */
function predefinedOverrides(variables: readonly ExtraVariable[]): string[] {
  const names = variables.map((v) => v.key).filter((key) => /^(CI|GITLAB)_/.test(key));
  return names.length === 0 ? [] : ['--ignore-predefined-vars', names.join(',')];
}

function parseJobList(stdout: string): ListedJob[] {
  const list = JSON.parse(stdout) as unknown;
  if (!Array.isArray(list)) throw new ToolkitError('gitlab-ci-local --list-json printed no array');
  return list.map((item: { name?: unknown; stage?: unknown; when?: unknown }) => ({
    name: String(item.name),
    stage: String(item.stage),
    when: String(item.when),
  }));
}

export interface GitlabCiLocalReport {
  readonly status: Map<string, 'success' | 'warning' | 'failed'>;
  readonly afterScriptFailed: Set<string>;
}

/**
 * The report gitlab-ci-local prints after the run (`Commander.printReport`, colours off):
 * ` PASS  <name>`, ` WARN  <name>  pre_script` (failed, allowed to), ` WARN  <name>  after_script`,
 * ` FAIL  <name>`, each followed by log lines of its own. Names are matched against the job list.
 */
export function parseReport(stdout: string, names: readonly string[]): GitlabCiLocalReport {
  const status = new Map<string, 'success' | 'warning' | 'failed'>();
  const afterScriptFailed = new Set<string>();
  const known = new Set(names);
  for (const line of stdout.split('\n')) {
    const match = /^ (PASS|WARN|FAIL) +(.*?)(?: +(pre_script|after_script))?\s*$/.exec(line);
    if (match === null) continue;
    const [, word, name = '', part] = match;
    if (!known.has(name)) continue;
    if (word === 'WARN' && part === 'after_script') afterScriptFailed.add(name);
    else if (word === 'PASS') status.set(name, 'success');
    else if (word === 'WARN') status.set(name, 'warning');
    else if (word === 'FAIL') status.set(name, 'failed');
  }
  return { status, afterScriptFailed };
}

/** NAME_MAX less the room gitlab-ci-local keeps for what it adds around the name (`Utils.MAX_FILENAME_LENGTH`). */
const MAX_FILE_NAME_LENGTH = 255 - 17;

/**
 * gitlab-ci-local's file name for a job (`Utils.safeDockerString`): each run of characters other
 * than ASCII letters, digits, `_` and `-` base64url-encoded (`build: [linux/amd64,x]`, a
 * parallel:matrix job, is `buildOiBblinuxLwamd64LAxXQ`); a name longer than that keeps its start
 * and ends in `-` and 16 hex digits of the name's SHA-256.
 */
function safeJobName(name: string): string {
  const encoded = name.replace(/[^\w-]+/g, (run) => Buffer.from(run, 'utf8').toString('base64url'));
  if (encoded.length <= MAX_FILE_NAME_LENGTH) return encoded;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${encoded.slice(0, MAX_FILE_NAME_LENGTH - 1 - hash.length)}-${hash}`;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The job's dotenv reports as gitlab-ci-local stored them, parsed with GitLab's rules (dotenv.ts). */
function jobDotenv(project: string, safeName: string): { dotenv: Record<string, string>; error?: string } {
  const dotenv: Record<string, string> = {};
  for (const file of filesUnder(path.join(project, STATE_DIR, 'artifacts', safeName, '.gitlab-ci-reports', 'dotenv'))) {
    const parsed = parseDotenv(readFileSync(file));
    if (!parsed.ok) return { dotenv, error: `${path.basename(file)}: ${parsed.error}` };
    for (const [key, value] of parsed.variables) dotenv[key] = value;
  }
  return { dotenv };
}

/**
 * A listed job as the runners report it: PASS is `success`, WARN `failed` with `allowedFailure`, FAIL
 * `failed`; a job that never started is `manual` when it is one (gitlab-ci-local runs none unless
 * asked), else `skipped` (e.g. after a failed stage).
 */
export function gitlabCiLocalJobResult(project: string, listed: ListedJob, report: GitlabCiLocalReport): JobResult {
  const reported = report.status.get(listed.name);
  const status: JobStatus = reported === 'success' ? 'success' : reported !== undefined ? 'failed' : listed.when === 'manual' ? 'manual' : 'skipped';
  const safeName = safeJobName(listed.name);
  const logFile = path.join(project, STATE_DIR, 'output', `${safeName}.log`);
  const started = reported !== undefined && existsSync(logFile);
  const { dotenv, error } = jobDotenv(project, safeName);
  const warnings = [
    ...(report.afterScriptFailed.has(listed.name) ? ['after_script failed (the job\'s status is not affected, as in GitLab)'] : []),
    ...(error === undefined ? [] : [`dotenv report ${error}: GitLab would reject it`]),
  ];
  return {
    name: listed.name,
    stage: listed.stage,
    status,
    allowedFailure: reported === 'warning',
    ...(started ? { logFile } : {}),
    dotenv,
    reason: reported === undefined ? (status === 'manual' ? 'when: manual (not run)' : 'not started') : `gitlab-ci-local: ${REPORT_WORDS[reported]}`,
    ...(started && reported !== 'success' ? { logTail: tail(readFileSync(logFile, 'utf8'), LOG_TAIL_LINES).split('\n') } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

const REPORT_WORDS = { success: 'PASS', warning: 'WARN (failed, allowed to fail)', failed: 'FAIL' } as const;

/** Where and how one gitlab-ci-local process runs (see `GitlabCiLocalMode`). */
interface GitlabCiLocalWhere {
  readonly project: string;
  readonly home: string;
  /** The process's environment (gitlabCiLocalEnv adds HOME, colours off, confined git). */
  readonly env: Readonly<Record<string, string>>;
  /** Rewrites the argv, e.g. to enter the environment's namespace; must keep `cd` first (see below). */
  readonly wrap: (argv: [string, ...string[]]) => [string, ...string[]];
}

/**
 * Runs gitlab-ci-local with `args` in `where.project`, wrapped by `where.wrap`: `cd` first, since
 * entering a mount namespace resets the working directory (see environment.ts), and gitlab-ci-local
 * takes only a relative `--cwd`.
 */
async function gitlabCiLocal(
  where: GitlabCiLocalWhere,
  args: readonly string[],
  onLine?: (line: string) => void,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { node, script } = gitlabCiLocalPaths();
  const [command, ...rest] = dieWithParent(where.wrap(['/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', where.project, node, script, ...args]));
  const child = execa(command, rest, {
    reject: false,
    stdin: 'ignore',
    extendEnv: false,
    env: gitlabCiLocalEnv(where.env, where.home),
    encoding: 'utf8',
  });
  if (onLine !== undefined) {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
  const result = await child;
  if (result.exitCode === undefined) throw new ToolkitError(`gitlab-ci-local: ${result.originalMessage ?? result.shortMessage}`);
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * What differs between gitlab-ci-local's shell executor (this module's runner) and its docker
 * executor (gitlab-ci-local-docker.ts): everything else (the project clone, the variables file,
 * the job list, the report, the dotenv reports) is the same code.
 */
export interface GitlabCiLocalMode {
  readonly runner: RunnerName;
  /** The group of the run directories (`<workDir>/<group>/<name>`). */
  readonly group: string;
  /** AWS_API_ENDPOINT as the jobs reach moto. */
  readonly awsApiEndpoint: string;
  /** The options of the mode, for a run whose project clone is `project`. */
  args(project: string): string[];
  /** The base environment of the gitlab-ci-local process (before `RunOptions.env`). */
  readonly env: Readonly<Record<string, string>>;
  readonly wrap: (argv: [string, ...string[]]) => [string, ...string[]];
}

/** The shell executor in the environment's namespace, as the module comment describes. */
function shellMode(env: Environment): GitlabCiLocalMode {
  return {
    runner: 'gitlab-ci-local',
    group: 'gcl-runs',
    // Read when a run starts: a run refused before it starts (a tag pipeline) needs no moto.
    get awsApiEndpoint() {
      return env.moto.endpoint;
    },
    args: (project) => [
      '--force-shell-executor',
      '--shell-executor-no-image',
      // gitlab-ci-local sets CI_PROJECT_DIR and CI_BUILDS_DIR to /builds/<project path> for every job
      // with an `image:`, even when --force-shell-executor runs it in the project directory
      // (`Job._predefinedVariables` reads `image:`, not the executor). As project variables they
      // override its predefined values; --ignore-predefined-vars only silences its warning about that.
      '--variable', `CI_PROJECT_DIR=${project}`,
      '--variable', `CI_BUILDS_DIR=${project}`,
      '--ignore-predefined-vars', 'CI_PROJECT_DIR,CI_BUILDS_DIR',
    ],
    env: env.jobEnv,
    wrap: (argv) => env.namespace.wrap(argv),
  };
}

/** gitlab-ci-local as the environment's runner: each run as the module comment describes. */
export function gitlabCiLocalRunner(env: Environment): Runner {
  return {
    name: 'gitlab-ci-local',
    capabilities: { idTokens: false, tagPipelines: false, rawVariables: false, renderedPipeline: false, jobContainers: false },
    run: (pipelineText, options) => runWithGitlabCiLocal(env, shellMode(env), pipelineText, options),
  };
}

/**
 * Per job, from gitlab-ci-local's progress lines (colours off): the image it started the job in
 * (`<job> starting <image> (<stage>)`, `shell` without one), the services it started
 * (`<job> started service image: <image> with aliases: …`) and its wall time (`<job> finished in
 * <pretty-hrtime>`: `850 ms`, `4.2 s`, `1.5 min`).
 */
export function parseProgress(stdout: string, names: readonly string[]): Map<string, { image?: string; services: string[]; durationMs?: number }> {
  const progress = new Map(names.map((n) => [n, { services: [] as string[] } as { image?: string; services: string[]; durationMs?: number }]));
  const byLength = [...names].sort((a, b) => b.length - a.length);
  const units: Record<string, number> = { ns: 1e-6, 'μs': 1e-3, ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
  for (const line of stdout.split('\n')) {
    const name = byLength.find((n) => line.startsWith(`${n} `));
    const job = name === undefined ? undefined : progress.get(name);
    if (name === undefined || job === undefined) continue;
    const rest = line.slice(name.length).trim();
    const starting = /^starting (\S+) \(/.exec(rest);
    if (starting?.[1] !== undefined && starting[1] !== 'shell') job.image = starting[1];
    const service = /^started service image: (\S+) with aliases: (.*?) in /.exec(rest);
    if (service?.[1] !== undefined) job.services.push(`${service[1]} (${service[2] ?? ''})`);
    const finished = /^finished in ([\d.]+) (\S+)/.exec(rest);
    if (finished?.[1] !== undefined && finished[2] !== undefined && units[finished[2]] !== undefined) {
      job.durationMs = Math.round(Number(finished[1]) * (units[finished[2]] ?? 0));
    }
  }
  return progress;
}

/** One pipeline run by gitlab-ci-local in `mode`: the steps the module comment describes. */
export async function runWithGitlabCiLocal(env: Environment, mode: GitlabCiLocalMode, pipelineText: string, options: RunOptions): Promise<PipelineRun> {
  if (options.tag === true) throw new ToolkitError(`${options.name}: gitlab-ci-local has no tag pipelines (it runs the checked-out branch)`);
  const dir = env.runDir(mode.group, options.name);
  const ref = options.ref ?? SCENARIO_DEFAULT_BRANCH;
  const project = path.join(dir, 'project');
  await env.step(`${mode.runner} project ${options.name}`, () => prepareProject(env, project, ref, options.copy ?? []));
  writeFileSync(path.join(project, PIPELINE_FILE), pipelineText);

  const idTokens = options.idTokens ?? { AWS_ID_TOKEN: env.idToken(ref, false) };
  const variables: ExtraVariable[] = [...Object.entries(idTokens).map(([key, value]) => ({ key, value, masked: true })), ...(options.variables ?? [])];
  const variablesPath = path.join(dir, 'variables.yml');
  writeFileSync(variablesPath, variablesFile(variables), { mode: 0o600 });
  chmodSync(variablesPath, 0o600);
  const home = path.join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });

  const common = [
    '--file', PIPELINE_FILE,
    '--variables-file', variablesPath,
    '--variable', `AWS_API_ENDPOINT=${mode.awsApiEndpoint}`,
    ...predefinedOverrides(variables),
    ...mode.args(project),
    ...(options.ignoreSchemaPaths ?? []).flatMap((p) => ['--ignore-schema-paths', p]),
  ];
  const where: GitlabCiLocalWhere = { project, home, env: { ...mode.env, ...(options.env ?? {}) }, wrap: mode.wrap };
  const listed = await gitlabCiLocal(where, [...common, '--list-json']);
  if (listed.exitCode !== 0) throw new ToolkitError(`gitlab-ci-local --list-json failed (exit ${listed.exitCode}):\n${tail(listed.stderr || listed.stdout, 30)}`);
  const jobs = parseJobList(listed.stdout).filter((j) => j.when !== 'never');

  const log = (options.verbose ?? env.verbose) ? (line: string) => env.log(`[gcl] ${line}`) : undefined;
  const result = await env.step(`${mode.runner} pipeline ${options.name}`, () => gitlabCiLocal(where, common, log));
  writeFileSync(path.join(dir, 'gitlab-ci-local.out'), result.stdout);
  writeFileSync(path.join(dir, 'gitlab-ci-local.err'), result.stderr);
  const report = parseReport(result.stdout, jobs.map((j) => j.name));
  const progress = parseProgress(result.stdout, jobs.map((j) => j.name));
  return {
    runner: mode.runner,
    pipeline: {
      status: result.exitCode === 0 ? 'success' : 'failed',
      jobs: jobs.map((j) => {
        const seen = progress.get(j.name);
        return {
          ...gitlabCiLocalJobResult(project, j, report),
          ...(seen?.image === undefined ? {} : { image: seen.image }),
          ...(seen === undefined || seen.services.length === 0 ? {} : { services: seen.services }),
          ...(seen?.durationMs === undefined ? {} : { durationMs: seen.durationMs }),
        };
      }),
      errors: result.exitCode === 0 ? [] : [`gitlab-ci-local exited ${result.exitCode} (${dir})\n${tail(result.stderr, 15)}`],
    },
    dir,
    project,
    jobOutput: ['output', 'artifacts'].map((sub) => path.join(project, STATE_DIR, sub)),
    secrets: Object.values(idTokens),
    output: { stdout: result.stdout, stderr: result.stderr },
  };
}
