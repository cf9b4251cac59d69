/**
 * Real git repositories in temporary directories, built with plain `git` commands (no user or
 * system config, fixed identity) and removed after each test file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** git with no user or system configuration and a fixed identity and date. */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

export interface FixtureRepo {
  readonly dir: string;
  git(...args: string[]): string;
  write(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  /** Stages everything and commits; returns the new commit's SHA. */
  commit(message: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createRepo(prefix = 'catalog-render-'): Promise<FixtureRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '--quiet', '--initial-branch=main');
  return {
    dir,
    git,
    async write(file, text) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    },
    async remove(file) {
      await rm(path.join(dir, file), { force: true, recursive: true });
    },
    async commit(message) {
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
