/**
 * The only module that runs git. One small function per git command, each with an argv array
 * (never a shell string). Expected "no such thing" answers (an unknown ref, a missing path, no
 * remote) come back as `undefined`; every other failure throws a `GitError` carrying the first
 * line of git's stderr.
 *
 * git is started with node:child_process, not execa: importing execa made `catalog render` 56-68 ms
 * slower in wall time, 64-67 ms in CPU (2026-12-07, the bench's parity-fixture render, medians of 41
 * runs alternating with a build that imports execa, NODE_EXTRA_CA_CERTS set and unset).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GitError } from './errors.js';
import { decodeUtf8 } from './utf8.js';

interface GitOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface RawOutput {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/**
 * Variables added to git's environment for one call: the harness keeps the machine's git
 * configuration away from the scratch repositories it makes (`GIT_CONFIG_GLOBAL=/dev/null`, …) and
 * fixes their commits' identity and dates.
 */
export type GitEnvironment = Readonly<Record<string, string | undefined>>;

/** Never waits for a credential or pager prompt. */
const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' });

/**
 * Runs git with an argv array (and `input` on its standard input) and collects its output. Plain
 * node:child_process: git needs nothing execa adds, and importing execa is costly (header).
 */
function spawnGit(repo: string, args: readonly string[], env: GitEnvironment = {}, input?: Buffer): Promise<RawOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd: repo, env: { ...gitEnv(), ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    // git could not be started at all (not installed, or `repo` is not a directory).
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new GitError(error.code === 'ENOENT' && existsSync(repo) ? 'git is not installed (or not on PATH)' : `git ${args[0] ?? ''}: ${error.message}`)),
    );
    child.on('close', (code, signal) =>
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }),
    );
    // Writing to a git that has already exited: 'close' reports how it ended.
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function runGit(repo: string, args: readonly string[], keepTrailingNewline = false, env: GitEnvironment = {}): Promise<GitOutput> {
  const result = await spawnGit(repo, args, env);
  const stdout = result.stdout.toString('utf8');
  return {
    exitCode: result.exitCode,
    stdout: keepTrailingNewline ? stdout : stdout.replace(/\r?\n$/, ''),
    stderr: result.stderr.toString('utf8').replace(/\r?\n$/, ''),
  };
}

function failure(args: readonly string[], output: GitOutput): GitError {
  const line = output.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${output.exitCode}`;
  return new GitError(`git ${args[0] ?? ''}: ${line.trim()}`);
}

/**
 * `git cat-file --batch` over `names` (one object name a line): one process for all of them,
 * binary-safe. Answers come in query order: `<oid> <type> <size>\n<content>\n`, or
 * `<name> missing\n` (or `ambiguous`), which is `undefined` here.
 */
async function catFile(repo: string, names: readonly string[]): Promise<(BatchObject | undefined)[]> {
  const args = ['cat-file', '--batch'];
  const result = await spawnGit(repo, args, {}, Buffer.from(names.map((name) => `${name}\n`).join(''), 'utf8'));
  if (result.exitCode !== 0) throw failure(args, { exitCode: result.exitCode, stdout: '', stderr: result.stderr.toString('utf8') });
  const stdout = result.stdout;
  const objects: (BatchObject | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const eol = stdout.indexOf(0x0a, at);
    if (eol < 0) throw new GitError('git cat-file: unexpected end of output');
    const header = stdout.toString('utf8', at, eol);
    at = eol + 1;
    const found = /^[0-9a-f]+ ([a-z]+) (\d+)$/.exec(header);
    if (!found) {
      objects.push(undefined);
      continue;
    }
    const size = Number(found[2]);
    if (at + size > stdout.length) throw new GitError('git cat-file: unexpected end of output');
    objects.push({ type: found[1] ?? '', content: stdout.subarray(at, at + size) });
    at += size + 1; // the content is followed by a newline
  }
  return objects;
}

const FULL_HEX = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * Names that git resolves without ever dying: `<full hex>^{commit}` and `<full hex>:<path>` (a path
 * that is not relative to the working directory, without line breaks). `@{u}`, `./x` outside a work
 * tree and the like make git exit instead of answering "missing", which would fail every name
 * batched with them; they are asked one process each.
 */
const batchSafeCommit = (rev: string): boolean => FULL_HEX.test(rev);
const batchSafePath = (path: string): boolean => !/[\n\r]/.test(path) && !/^\.\.?(?:\/|$)/.test(path);

interface BatchObject {
  readonly type: string;
  readonly content: Buffer;
}

async function gitOk(repo: string, args: readonly string[], env: GitEnvironment = {}): Promise<string> {
  const output = await runGit(repo, args, false, env);
  if (output.exitCode !== 0) throw failure(args, output);
  return output.stdout;
}

/** The top directory of the work tree that contains `dir`; GitError when `dir` is not in a repository. */
export async function repoRoot(dir: string): Promise<string> {
  return (await gitOk(dir, ['rev-parse', '--show-toplevel'])).trim();
}

/**
 * The commit a revision names (`git rev-parse --verify <rev>^{commit}`): a full or abbreviated SHA,
 * `refs/tags/x`, a branch, `HEAD~1`… Git's own precedence applies (a full SHA first, then refs,
 * then abbreviated SHAs). `undefined` when it names no commit.
 */
export async function resolveRef(repo: string, rev: string): Promise<string | undefined> {
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`];
  const output = await runGit(repo, args);
  if (output.exitCode === 0) return output.stdout.trim();
  if (output.exitCode === 1) return undefined;
  // Some malformed revisions (`@{u}` without an upstream) still make git die; that is "no such
  // commit" as long as the repository itself is usable.
  if ((await runGit(repo, ['rev-parse', '--git-dir'])).exitCode === 0) return undefined;
  throw failure(args, output);
}

/** The commit HEAD points at. */
export async function headSha(repo: string): Promise<string> {
  const sha = await resolveRef(repo, 'HEAD');
  if (sha === undefined) throw new GitError('git rev-parse: HEAD does not point at a commit (empty repository?)');
  return sha;
}

/**
 * A commit of the work tree as `git add -A` would stage it (untracked files too, ignored ones not),
 * child of HEAD, or undefined when the work tree is HEAD's. It is made through an index of its own
 * (`GIT_INDEX_FILE`): the repository's index, refs and files stay as they are, and the objects it
 * writes belong to no ref (git's gc removes them in time), as those of `git stash create` do.
 */
export async function workTreeCommit(repo: string): Promise<string | undefined> {
  const head = await headSha(repo);
  const scratch = await mkdtemp(join(tmpdir(), 'catalog-index-'));
  const env: GitEnvironment = { GIT_INDEX_FILE: join(scratch, 'index') };
  try {
    await gitOk(repo, ['read-tree', head], env);
    await gitOk(repo, ['add', '--all'], env);
    const tree = await gitOk(repo, ['write-tree'], env);
    if (tree === (await gitOk(repo, ['rev-parse', `${head}^{tree}`]))) return undefined;
    // A fixed identity: the commit is never shown as anyone's, and git's configuration may have none.
    const who: GitEnvironment = { GIT_AUTHOR_NAME: 'catalog', GIT_AUTHOR_EMAIL: 'catalog@localhost', GIT_COMMITTER_NAME: 'catalog', GIT_COMMITTER_EMAIL: 'catalog@localhost' };
    return await gitOk(repo, ['commit-tree', tree, '-p', head, '-m', 'catalog: the work tree'], who);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The current branch name, or `undefined` when HEAD is detached. */
export async function currentBranch(repo: string): Promise<string | undefined> {
  const output = await runGit(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return output.exitCode === 0 ? output.stdout.trim() : undefined;
}

export interface Tag {
  /** The tag name without `refs/tags/`. */
  readonly name: string;
  /** The commit the tag points at (annotated tags are peeled). */
  readonly sha: string;
}

/** Every tag that points at a commit, sorted by name. Tags of trees or blobs are left out. */
export async function listTags(repo: string): Promise<Tag[]> {
  const format = '%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)';
  const out = await gitOk(repo, ['for-each-ref', '--sort=refname', `--format=${format}`, 'refs/tags/']);
  const tags: Tag[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [ref = '', type, sha = '', peeledType, peeledSha = ''] = line.split('\0');
    const name = ref.replace(/^refs\/tags\//, '');
    if (type === 'commit') tags.push({ name, sha });
    else if (type === 'tag' && peeledType === 'commit') tags.push({ name, sha: peeledSha });
  }
  return tags;
}

/**
 * The commits whose SHA starts with `prefix` (`git rev-parse --disambiguate`): only objects, never
 * refs. Needs at least 4 hex digits; anything else gives an empty list.
 */
export async function commitsWithPrefix(repo: string, prefix: string): Promise<string[]> {
  if (!/^[0-9a-f]{4,64}$/i.test(prefix)) return [];
  const out = await gitOk(repo, ['rev-parse', `--disambiguate=${prefix.toLowerCase()}`]);
  const objects = out.split('\n').filter((l) => l !== '');
  const types = await Promise.all(objects.map((object) => objectType(repo, object)));
  return objects.filter((_, i) => types[i] === 'commit');
}

/** `git cat-file -t <object>`: the object's type, or `undefined` when there is no such object. */
export async function objectType(repo: string, object: string): Promise<string | undefined> {
  const output = await runGit(repo, ['cat-file', '-t', object]);
  return output.exitCode === 0 ? output.stdout.trim() : undefined;
}

/**
 * A file's text at a revision (`git show <commit>:<path>`), never the work tree. `undefined` when
 * the path does not exist at that revision or is not a file; GitError when the revision itself is
 * unknown or git fails otherwise.
 */
export async function showFile(repo: string, rev: string, path: string): Promise<string | undefined> {
  const commit = await resolveRef(repo, rev);
  if (commit === undefined) throw new GitError(`git show: unknown revision '${rev}'`);
  const object = `${commit}:${path.replace(/^\/+/, '')}`;
  if ((await objectType(repo, object)) !== 'blob') return undefined;
  const args = ['show', '--no-textconv', object];
  const output = await spawnGit(repo, args);
  if (output.exitCode !== 0) throw failure(args, { exitCode: output.exitCode, stdout: '', stderr: output.stderr.toString('utf8').replace(/\r?\n$/, '') });
  return decodeUtf8(output.stdout);
}

/**
 * `showFile` for several paths at one revision, in one `git cat-file --batch` when `rev` is a full
 * SHA (as `resolveRef` returns it); other revisions go through `showFile`. Same answers as
 * `showFile`, path by path: the text, `undefined` when the path is not a file at that revision,
 * GitError when the revision names no commit.
 */
export async function showFiles(repo: string, rev: string, paths: readonly string[]): Promise<(string | undefined)[]> {
  const clean = paths.map((path) => path.replace(/^\/+/, ''));
  if (!batchSafeCommit(rev) || !clean.every(batchSafePath)) {
    const texts: (string | undefined)[] = [];
    for (const path of paths) texts.push(await showFile(repo, rev, path));
    return texts;
  }
  const [commit, ...files] = await catFile(repo, [`${rev}^{commit}`, ...clean.map((path) => `${rev}:${path}`)]);
  if (commit?.type !== 'commit') throw new GitError(`git show: unknown revision '${rev}'`);
  // Decoded as `showFile`'s output is (./utf8.ts: a leading BOM kept, bytes that are not UTF-8 kept visible).
  return files.map((file) => (file?.type === 'blob' ? decodeUtf8(file.content) : undefined));
}

/** The URL of a remote (`git remote get-url`), or `undefined` when there is no such remote. */
export async function remoteUrl(repo: string, remote = 'origin'): Promise<string | undefined> {
  const output = await runGit(repo, ['remote', 'get-url', '--', remote]);
  return output.exitCode === 0 ? output.stdout.trim() : undefined;
}

/**
 * The files under `dir` at a revision (`git ls-tree -r --name-only <rev> -- <dir>`), as paths from
 * the top of the repository. An empty list when nothing is there; GitError when the revision is unknown.
 */
export async function listTreeFiles(repo: string, rev: string, dir: string): Promise<string[]> {
  const out = await gitOk(repo, ['ls-tree', '-r', '--name-only', '--end-of-options', rev, '--', dir]);
  return out.split('\n').filter((line) => line !== '');
}

/**
 * A bare copy of the repository at `url` (`git clone --bare --quiet`): its branches as
 * `refs/heads/*` and its tags, no work tree. Cloned beside `dest` and moved into place, so that an
 * interrupted clone never leaves a half repository where a later run would take it for a copy.
 */
export async function cloneBare(url: string, dest: string): Promise<void> {
  const target = resolve(dest);
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(dirname(target), { recursive: true });
  try {
    await gitOk(dirname(target), ['clone', '--bare', '--quiet', '--', url, partial]);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    // Another run put its copy in place meanwhile: that one is as good.
    if ((await objectType(target, 'HEAD').catch(() => undefined)) !== undefined) return;
    throw error;
  }
}

/**
 * Brings a bare copy up to date with its origin: branches and tags replaced as they are there
 * (forced: a rewritten branch or a moved tag is taken as it now is), and those it no longer has
 * removed. Both refspecs are spelt out: with refspecs on the command line, `--prune` prunes only
 * under their destinations (and `--prune-tags` prunes nothing).
 */
export async function fetchBranchesAndTags(repo: string): Promise<void> {
  await gitOk(repo, ['fetch', '--quiet', '--prune', '--force', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
}

// ---------------------------------------------------------------------------------------------
// Making and arranging repositories: the integration harness's project clones, the parity tests'
// and the bench's scratch repositories. Each fails with a GitError carrying git's message.
// ---------------------------------------------------------------------------------------------

/** `git init -q -b <branch>` in `dir` (an existing directory). */
export async function initRepository(dir: string, branch: string, env: GitEnvironment = {}): Promise<void> {
  await gitOk(dir, ['init', '-q', '-b', branch], env);
}

/**
 * `git clone --quiet --no-hardlinks <source> <dest>`: a clone of a local repository that shares no
 * file with it (the clone's jobs may write anywhere in it). Run in `dest`'s parent directory.
 */
export async function cloneRepository(source: string, dest: string, env: GitEnvironment = {}): Promise<void> {
  const target = resolve(dest);
  await gitOk(dirname(target), ['clone', '--quiet', '--no-hardlinks', '--', resolve(source), target], env);
}

/** Which files `git ls-files` lists: `--cached`, `--others` (untracked), `--deleted`. */
export type FileListing = 'cached' | 'others' | 'deleted';

/**
 * `git ls-files -z` of the listings asked for, as paths relative to `repo`; `excludeStandard`
 * leaves out what .gitignore and .git/info/exclude ignore (`--exclude-standard`).
 */
export async function listFiles(repo: string, listings: readonly FileListing[], options: { excludeStandard?: boolean } = {}): Promise<string[]> {
  const args = ['ls-files', '-z', ...listings.map((listing) => `--${listing}`), ...(options.excludeStandard === true ? ['--exclude-standard'] : [])];
  return (await gitOk(repo, args)).split('\0').filter((file) => file !== '');
}

/** `git add -A`: every change of the work tree into the index. */
export async function stageAll(repo: string, env: GitEnvironment = {}): Promise<void> {
  await gitOk(repo, ['add', '-A'], env);
}

/** Who a scratch commit is by (author and committer). */
export interface CommitIdentity {
  readonly name: string;
  readonly email: string;
}

/**
 * Commits the index (`git commit --quiet --allow-empty --no-verify -m <message>`, never signed):
 * a scratch commit that no hook or signing setup of the machine may stop. `identity`: author and
 * committer, else git's own (configuration, `GIT_AUTHOR_*` in `env`). Returns the new commit.
 */
export async function commitStaged(repo: string, message: string, identity?: CommitIdentity, env: GitEnvironment = {}): Promise<string> {
  const who: GitEnvironment =
    identity === undefined
      ? {}
      : { GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email };
  await gitOk(repo, ['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], { ...env, ...who });
  return headSha(repo);
}

/** `git update-ref <ref> <sha>`: creates or moves a ref. */
export async function updateRef(repo: string, ref: string, sha: string): Promise<void> {
  await gitOk(repo, ['update-ref', ref, sha]);
}

/** `git symbolic-ref <name> <target>`: points HEAD (or `refs/remotes/<remote>/HEAD`) at a ref, without a checkout. */
export async function setSymbolicRef(repo: string, name: string, target: string): Promise<void> {
  await gitOk(repo, ['symbolic-ref', name, target]);
}

/** `git remote add <name> <url>`. */
export async function addRemote(repo: string, name: string, url: string, env: GitEnvironment = {}): Promise<void> {
  await gitOk(repo, ['remote', 'add', '--', name, url], env);
}

/** `git config <key> <value>` in the repository's own configuration. */
export async function setConfig(repo: string, key: string, value: string): Promise<void> {
  await gitOk(repo, ['config', '--', key, value]);
}

/** `git check-ref-format --branch <name>`: GitError when `name` cannot be a branch. */
export async function checkBranchName(name: string): Promise<void> {
  await gitOk(process.cwd(), ['check-ref-format', '--branch', name]);
}

// ---------------------------------------------------------------------------------------------
// Releasing (`catalog release`): the state of the work tree, the history since a tag, the
// release commit, its annotated tag and the push.
// ---------------------------------------------------------------------------------------------

/**
 * What `git status --porcelain` lists: changed, staged and untracked paths (ignored files are not
 * listed). Empty when the work tree is clean.
 */
export async function workTreeChanges(repo: string): Promise<string[]> {
  const out = await runGit(repo, ['status', '--porcelain=v1', '--untracked-files=normal'], true);
  if (out.exitCode !== 0) throw failure(['status'], out);
  return out.stdout.split('\n').filter((line) => line !== '');
}

export interface LogEntry {
  readonly sha: string;
  /** The whole message: subject, blank line, body and trailers. */
  readonly message: string;
}

/**
 * The commits reachable from `to` and not from `from` (`git log <from>..<to>`; every commit
 * reachable from `to` without `from`), newest first, merges included.
 */
export async function commitsBetween(repo: string, from: string | undefined, to = 'HEAD'): Promise<LogEntry[]> {
  const range = from === undefined ? to : `${from}..${to}`;
  // %x1e ends a record and %x1f ends the SHA: neither byte can be part of a commit message git accepts as text.
  const out = await gitOk(repo, ['log', '--format=%H%x1f%B%x1e', '--end-of-options', range, '--']);
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record !== '')
    .map((record) => {
      const [sha = '', message = ''] = record.split('\x1f');
      return { sha, message: message.replace(/\n+$/, '') };
    });
}

/** The committer date of a revision as `YYYY-MM-DD` in UTC (`git show -s --format=%cI`). */
export async function commitDay(repo: string, rev: string): Promise<string> {
  const iso = await gitOk(repo, ['show', '-s', '--format=%cI', '--end-of-options', rev, '--']);
  return new Date(iso.trim()).toISOString().slice(0, 10);
}

/** `git add -- <paths>`. */
export async function stagePaths(repo: string, paths: readonly string[]): Promise<void> {
  await gitOk(repo, ['add', '--', ...paths]);
}

/**
 * Commits the index (`git commit --quiet -m <message>`) as the maintainer's own commit: their
 * identity, hooks and signing configuration apply. Returns the new commit.
 */
export async function commitIndex(repo: string, message: string): Promise<string> {
  await gitOk(repo, ['commit', '--quiet', '-m', message]);
  return headSha(repo);
}

/**
 * `git tag --annotate <name> -m <message> <commit>`: an annotated tag (a tag object, with the
 * tagger and date), which `git push --follow-tags` and GitLab's release both expect of a release.
 */
export async function createAnnotatedTag(repo: string, name: string, message: string, commit: string): Promise<void> {
  await gitOk(repo, ['tag', '--annotate', '-m', message, '--end-of-options', name, commit]);
}

/** The `git push` argv that publishes `branch` and `tag` together (`--atomic`: both or neither). */
export const pushArguments = (remote: string, branch: string, tag: string): string[] => [
  'push',
  '--atomic',
  remote,
  `refs/heads/${branch}`,
  `refs/tags/${tag}`,
];

/** Runs `git push` with `pushArguments`. */
export async function pushBranchAndTag(repo: string, remote: string, branch: string, tag: string): Promise<void> {
  await gitOk(repo, pushArguments(remote, branch, tag));
}
