import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../scripts/core/errors.js';
import {
  commitsWithPrefix,
  currentBranch,
  headSha,
  listTags,
  objectType,
  remoteUrl,
  repoRoot,
  resolveRef,
  showFile,
  showFiles,
} from '../../scripts/core/git.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

let repo: FixtureRepo;
let first: string;
let second: string;
let featureSha: string;

beforeAll(async () => {
  repo = await createRepo('catalog-git-');
  await repo.write('templates/build.yml', 'one: 1\n');
  await repo.write('templates/dir/template.yml', 'dir: true\n');
  await repo.write('empty.yml', '');
  first = await repo.commit('first');
  repo.git('tag', '1.0.0');
  repo.git('tag', '-a', 'v2.0.0', '-m', 'annotated release');
  await repo.write('templates/build.yml', 'two: 2\n');
  second = await repo.commit('second');
  repo.git('checkout', '--quiet', '-b', 'feature');
  await repo.write('templates/build.yml', 'feature: true\n');
  featureSha = await repo.commit('on feature');
  repo.git('checkout', '--quiet', 'main');
  // A tag that points at a tree, not a commit.
  repo.git('tag', 'tree-tag', `${first}^{tree}`);
});

afterAll(async () => {
  await repo.cleanup();
});

describe('repoRoot', () => {
  it('finds the top of the work tree from a subdirectory', async () => {
    const root = await repoRoot(path.join(repo.dir, 'templates'));
    expect(root).toBe(repo.git('rev-parse', '--show-toplevel'));
  });

  it("throws a GitError with git's first stderr line outside a repository", async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'catalog-not-git-'));
    try {
      const error = await repoRoot(outside).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).message).toMatch(/^git rev-parse: fatal: not a git repository/);
      expect((error as GitError).message).not.toContain('\n');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('throws a GitError when the directory does not exist', async () => {
    await expect(repoRoot(path.join(repo.dir, 'no-such-dir'))).rejects.toBeInstanceOf(GitError);
  });
});

describe('resolveRef / headSha', () => {
  it('resolves HEAD, branches, lightweight and annotated tags to commits', async () => {
    expect(await headSha(repo.dir)).toBe(second);
    expect(await resolveRef(repo.dir, 'main')).toBe(second);
    expect(await resolveRef(repo.dir, 'feature')).toBe(featureSha);
    expect(await resolveRef(repo.dir, '1.0.0')).toBe(first);
    // The annotated tag object is peeled to its commit.
    expect(await resolveRef(repo.dir, 'v2.0.0')).toBe(first);
    expect(await resolveRef(repo.dir, 'refs/tags/v2.0.0')).toBe(first);
  });

  it('resolves full and abbreviated SHAs', async () => {
    expect(await resolveRef(repo.dir, first)).toBe(first);
    expect(await resolveRef(repo.dir, first.slice(0, 10))).toBe(first);
  });

  it('answers undefined for names that are not commits', async () => {
    expect(await resolveRef(repo.dir, 'no-such-branch')).toBeUndefined();
    expect(await resolveRef(repo.dir, '~latest')).toBeUndefined();
    expect(await resolveRef(repo.dir, 'tree-tag')).toBeUndefined();
    expect(await resolveRef(repo.dir, '--output=x')).toBeUndefined();
    // git dies on this one ("no upstream configured"), but the repository is fine.
    expect(await resolveRef(repo.dir, '@{u}')).toBeUndefined();
  });
});

describe('full SHAs', () => {
  it('peels tag objects, and answers undefined for trees and unknown objects', async () => {
    expect(await resolveRef(repo.dir, repo.git('rev-parse', 'v2.0.0'))).toBe(first);
    expect(await resolveRef(repo.dir, first.toUpperCase())).toBe(first);
    expect(await resolveRef(repo.dir, repo.git('rev-parse', `${first}^{tree}`))).toBeUndefined();
    expect(await resolveRef(repo.dir, 'f'.repeat(40))).toBeUndefined();
  });

  it('sees commits made after an earlier lookup', async () => {
    expect(await resolveRef(repo.dir, second)).toBe(second);
    await repo.write('later.yml', 'later: true\n');
    const later = await repo.commit('later');
    try {
      expect(await resolveRef(repo.dir, later)).toBe(later);
      expect(await showFiles(repo.dir, later, ['later.yml'])).toEqual(['later: true\n']);
      expect(await showFiles(repo.dir, later, ['later.yml', 'templates/build.yml'])).toEqual(['later: true\n', 'two: 2\n']);
    } finally {
      repo.git('reset', '--quiet', '--hard', second);
    }
  });

  it('answers queries made together in their order', async () => {
    const shas = [first, second, featureSha, 'f'.repeat(40), first];
    expect(await Promise.all(shas.map((sha) => resolveRef(repo.dir, sha)))).toEqual([first, second, featureSha, undefined, first]);
  });

  it("throws a GitError with git's message outside a repository", async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'catalog-not-git-'));
    try {
      const error = await resolveRef(outside, first).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).message).toMatch(/^git rev-parse: fatal: not a git repository/);
      await expect(showFiles(outside, first, ['a.yml'])).rejects.toBeInstanceOf(GitError);
      await expect(showFiles(outside, first, ['a.yml'])).rejects.toThrow(/^git cat-file: fatal: not a git repository/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('currentBranch', () => {
  it('names the checked-out branch and is undefined on a detached HEAD', async () => {
    expect(await currentBranch(repo.dir)).toBe('main');
    repo.git('checkout', '--quiet', '--detach', 'HEAD');
    try {
      expect(await currentBranch(repo.dir)).toBeUndefined();
    } finally {
      repo.git('checkout', '--quiet', 'main');
    }
  });
});

describe('listTags', () => {
  it('lists commit tags by name with their commits, peeling annotated tags and skipping tree tags', async () => {
    expect(await listTags(repo.dir)).toEqual([
      { name: '1.0.0', sha: first },
      { name: 'v2.0.0', sha: first },
    ]);
  });
});

describe('commitsWithPrefix / objectType', () => {
  it('finds commits by SHA prefix only', async () => {
    expect(await commitsWithPrefix(repo.dir, first.slice(0, 12))).toEqual([first]);
    expect(await commitsWithPrefix(repo.dir, first.slice(0, 12).toUpperCase())).toEqual([first]);
    expect(await commitsWithPrefix(repo.dir, 'abc')).toEqual([]);
    expect(await commitsWithPrefix(repo.dir, 'main')).toEqual([]);
  });

  it('reports object types', async () => {
    expect(await objectType(repo.dir, first)).toBe('commit');
    expect(await objectType(repo.dir, `${first}:templates`)).toBe('tree');
    expect(await objectType(repo.dir, `${first}:nope`)).toBeUndefined();
  });
});

describe('showFile', () => {
  it('reads a file at a revision, keeping its final newline', async () => {
    expect(await showFile(repo.dir, first, 'templates/build.yml')).toBe('one: 1\n');
    expect(await showFile(repo.dir, 'main', 'templates/build.yml')).toBe('two: 2\n');
    expect(await showFile(repo.dir, 'feature', 'templates/build.yml')).toBe('feature: true\n');
    expect(await showFile(repo.dir, '1.0.0', 'empty.yml')).toBe('');
  });

  it('never reads the work tree', async () => {
    await repo.write('templates/build.yml', 'uncommitted: true\n');
    await repo.write('templates/new.yml', 'untracked: true\n');
    try {
      expect(await showFile(repo.dir, 'HEAD', 'templates/build.yml')).toBe('two: 2\n');
      expect(await showFile(repo.dir, 'HEAD', 'templates/new.yml')).toBeUndefined();
    } finally {
      repo.git('checkout', '--quiet', '--', 'templates/build.yml');
      await repo.remove('templates/new.yml');
    }
  });

  it('answers undefined for missing paths and directories', async () => {
    expect(await showFile(repo.dir, first, 'templates/missing.yml')).toBeUndefined();
    expect(await showFile(repo.dir, first, 'templates/dir')).toBeUndefined();
  });

  it('throws a GitError for an unknown revision', async () => {
    await expect(showFile(repo.dir, 'no-such-rev', 'templates/build.yml')).rejects.toBeInstanceOf(GitError);
  });
});

describe('showFiles', () => {
  it('answers as showFile does, path by path, at a full SHA in one round trip', async () => {
    const paths = ['templates/build.yml', 'templates/dir/template.yml', 'templates/dir', 'templates/missing.yml', 'empty.yml', '/templates/build.yml'];
    const one = await Promise.all(paths.map((p) => showFile(repo.dir, first, p)));
    expect(await showFiles(repo.dir, first, paths)).toEqual(one);
    expect(one).toEqual(['one: 1\n', 'dir: true\n', undefined, undefined, '', 'one: 1\n']);
  });

  it('follows showFile for other revisions', async () => {
    expect(await showFiles(repo.dir, 'feature', ['templates/build.yml', 'nope.yml'])).toEqual(['feature: true\n', undefined]);
  });

  it('decodes like showFile (a leading BOM is kept)', async () => {
    await repo.write('templates/bom.yml', '\uFEFFa: "é"\n\n');
    const sha = await repo.commit('bom');
    try {
      expect(await showFiles(repo.dir, sha, ['templates/bom.yml'])).toEqual([await showFile(repo.dir, sha, 'templates/bom.yml')]);
    } finally {
      repo.git('reset', '--quiet', '--hard', second);
    }
  });

  it('throws a GitError for a full SHA that names no commit', async () => {
    await expect(showFiles(repo.dir, '0'.repeat(40), ['templates/build.yml'])).rejects.toBeInstanceOf(GitError);
    const tree = repo.git('rev-parse', `${first}^{tree}`);
    await expect(showFiles(repo.dir, tree, ['build.yml'])).rejects.toBeInstanceOf(GitError);
    await expect(showFile(repo.dir, tree, 'build.yml')).rejects.toBeInstanceOf(GitError);
  });
});

describe('remoteUrl', () => {
  it('is undefined without the remote and the URL with it', async () => {
    expect(await remoteUrl(repo.dir)).toBeUndefined();
    repo.git('remote', 'add', 'origin', 'git@gitlab.example.com:group/catalog.git');
    try {
      expect(await remoteUrl(repo.dir)).toBe('git@gitlab.example.com:group/catalog.git');
      expect(await remoteUrl(repo.dir, 'upstream')).toBeUndefined();
    } finally {
      repo.git('remote', 'remove', 'origin');
    }
  });
});
