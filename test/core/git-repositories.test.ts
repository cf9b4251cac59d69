/**
 * The git commands that make and arrange repositories (scripts/core/git.ts): the integration
 * harness's project clones, the parity tests' and the bench's scratch repositories.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitError } from '../../scripts/core/errors.js';
import {
  addRemote,
  checkBranchName,
  cloneRepository,
  commitStaged,
  currentBranch,
  headSha,
  initRepository,
  listFiles,
  remoteUrl,
  resolveRef,
  setConfig,
  setSymbolicRef,
  stageAll,
  updateRef,
} from '../../scripts/core/git.js';

/** No machine configuration (a global hook or signing setup), as the harness's scratch repositories. */
const ISOLATED = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const IDENTITY = { name: 'Scratch', email: 'scratch@example.invalid' };

const root = mkdtempSync(path.join(tmpdir(), 'catalog-git-repos-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const read = (repo: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd: repo, env: { ...process.env, ...ISOLATED }, encoding: 'utf8' }).trim();

async function scratch(name: string, files: Readonly<Record<string, string>>): Promise<{ dir: string; sha: string }> {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  await initRepository(dir, 'main', ISOLATED);
  await stageAll(dir, ISOLATED);
  return { dir, sha: await commitStaged(dir, 'first', IDENTITY, ISOLATED) };
}

describe('initRepository, stageAll, commitStaged', () => {
  it('make a repository on the branch with one commit by the identity, the dates from the environment', async () => {
    const dates = { GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' };
    const dir = path.join(root, 'dated');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    await initRepository(dir, 'trunk', ISOLATED);
    await stageAll(dir, ISOLATED);
    const sha = await commitStaged(dir, 'dated', IDENTITY, { ...ISOLATED, ...dates });
    expect(sha).toBe(await headSha(dir));
    expect(await currentBranch(dir)).toBe('trunk');
    expect(read(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%aI|%s')).toBe(
      'Scratch <scratch@example.invalid>|Scratch <scratch@example.invalid>|2024-01-01T00:00:00+00:00|dated',
    );
    expect(read(dir, 'ls-files')).toBe('a.txt');
  });

  it('commits an unchanged index too (--allow-empty)', async () => {
    const { dir, sha } = await scratch('empty-commit', { 'a.txt': 'a\n' });
    const next = await commitStaged(dir, 'again', IDENTITY, ISOLATED);
    expect(next).not.toBe(sha);
    expect(await resolveRef(dir, `${next}~1`)).toBe(sha);
  });
});

describe('listFiles', () => {
  it('lists tracked, untracked (with or without the ignored ones) and deleted files', async () => {
    const { dir } = await scratch('listing', { 'kept.txt': 'k\n', 'gone.txt': 'g\n', '.gitignore': 'ignored.txt\n' });
    writeFileSync(path.join(dir, 'new.txt'), 'n\n');
    writeFileSync(path.join(dir, 'ignored.txt'), 'i\n');
    rmSync(path.join(dir, 'gone.txt'));
    expect(await listFiles(dir, ['cached'])).toEqual(['.gitignore', 'gone.txt', 'kept.txt']);
    expect(await listFiles(dir, ['deleted'])).toEqual(['gone.txt']);
    expect((await listFiles(dir, ['others'])).sort()).toEqual(['ignored.txt', 'new.txt']);
    expect((await listFiles(dir, ['cached', 'others'], { excludeStandard: true })).sort()).toEqual(['.gitignore', 'gone.txt', 'kept.txt', 'new.txt']);
  });
});

describe('cloneRepository, updateRef, setSymbolicRef, addRemote, setConfig', () => {
  it('clone a local repository and point HEAD at a new branch without a checkout', async () => {
    const source = await scratch('clone-source', { 'a.txt': 'a\n' });
    const dest = path.join(root, 'clone-dest');
    await cloneRepository(source.dir, dest);
    expect(await headSha(dest)).toBe(source.sha);
    await updateRef(dest, 'refs/heads/feature/x', source.sha);
    await setSymbolicRef(dest, 'HEAD', 'refs/heads/feature/x');
    expect(await currentBranch(dest)).toBe('feature/x');
    await addRemote(dest, 'gcl-origin', 'https://gitlab.example.com/group/project');
    expect(await remoteUrl(dest, 'gcl-origin')).toBe('https://gitlab.example.com/group/project');
    await setConfig(dest, 'user.name', 'Scenario Runner');
    expect(read(dest, 'config', '--local', 'user.name')).toBe('Scenario Runner');
  });

  it('fail with a GitError carrying git\'s message', async () => {
    await expect(cloneRepository(path.join(root, 'no-such-repository'), path.join(root, 'never'))).rejects.toBeInstanceOf(GitError);
  });
});

describe('checkBranchName', () => {
  it('accepts a branch name and refuses what cannot be one', async () => {
    await expect(checkBranchName('feature/gcl-probe')).resolves.toBeUndefined();
    await expect(checkBranchName('bad..name')).rejects.toBeInstanceOf(GitError);
    await expect(checkBranchName('-leading-dash')).rejects.toBeInstanceOf(GitError);
  });
});
