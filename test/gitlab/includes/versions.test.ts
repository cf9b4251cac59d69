import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canSelectVersion,
  catalogVersions,
  findCatalogVersion,
  latestVersion,
  listCatalogVersions,
  nearestVersions,
  resolveReference,
  resolveVersion,
  SEMVER_TAG_PATTERN,
} from '../../../scripts/gitlab/includes/versions.js';
import { createRepo, type FixtureRepo } from '../../helpers/fixture-repo.js';

describe('SEMVER_TAG_PATTERN (Gitlab::Regex::SemVer.optional_prefixed)', () => {
  it.each(['1.0.0', 'v1.0.0', '0.0.0', '10.20.30', '1.2.0-rc.1', '1.0.0-alpha-beta.1', '1.0.0+build.5', 'v1.0.0-rc1+sha.abc', '1.0.0-0'])(
    'accepts %s',
    (tag) => expect(SEMVER_TAG_PATTERN.test(tag)).toBe(true),
  );
  it.each(['1', '1.2', '01.0.0', '1.01.0', '1.0.0-01', 'V1.0.0', 'vv1.0.0', 'v1.0.0.0', 'release-1.0.0', '1.0.0-', '1.0.0+', 'latest'])(
    'rejects %s',
    (tag) => expect(SEMVER_TAG_PATTERN.test(tag)).toBe(false),
  );
});

const sha = (n: number) => String(n).repeat(40).slice(0, 40);

describe('canSelectVersion', () => {
  it.each(['~latest', '1', '1.2', '1.2.3', 'v1.2.3', '1.2.0-rc.1'])('is true for %s', (reference) => expect(canSelectVersion(reference)).toBe(true));
  // A SHA, a branch or any other name is no catalog version's tag: the tags need not be listed.
  it.each(['a'.repeat(40), 'abc1234', 'main', 'feature/x', 'HEAD~1', 'latest', '1.2.3.4'])('is false for %s', (reference) =>
    expect(canSelectVersion(reference)).toBe(false),
  );

  it('makes resolveVersion list the versions only when they can matter', async () => {
    const listed: string[] = [];
    const versions = (reference: string) => async () => {
      listed.push(reference);
      return catalogVersions([{ name: '1.0.0', sha: sha(1) }]);
    };
    expect(await resolveVersion('/nonexistent', '1', versions('1'))).toEqual({ sha: sha(1), version: '1.0.0', reference: '1' });
    // Not a version: straight to the repository (which here does not exist).
    await expect(resolveVersion('/nonexistent', 'main', versions('main'))).rejects.toThrow();
    expect(listed).toEqual(['1']);
  });
});

describe('catalogVersions / latestVersion / findCatalogVersion', () => {
  const versions = catalogVersions([
    { name: '0.9.0', sha: sha(1) },
    { name: '1.0.0', sha: sha(2) },
    { name: '1.1.0', sha: sha(3) },
    { name: '1.10.0', sha: sha(4) },
    { name: '1.2.0-rc.1', sha: sha(5) },
    { name: 'v2.0.0', sha: sha(6) },
    { name: '3.0.0-beta', sha: sha(7) },
    { name: '2.1.0+build.7', sha: sha(8) },
    { name: 'not-a-version', sha: sha(9) },
    { name: '1.2', sha: sha(9) },
  ]);

  it('keeps only semver tags; version is semver.to_s (prefix kept, build metadata dropped)', () => {
    expect(versions.map((v) => [v.tag, v.version, v.prerelease])).toEqual([
      ['0.9.0', '0.9.0', null],
      ['1.0.0', '1.0.0', null],
      ['1.1.0', '1.1.0', null],
      ['1.10.0', '1.10.0', null],
      ['1.2.0-rc.1', '1.2.0-rc.1', 'rc.1'],
      ['v2.0.0', 'v2.0.0', null],
      ['3.0.0-beta', '3.0.0-beta', 'beta'],
      ['2.1.0+build.7', '2.1.0', null],
    ]);
  });

  it('orders by semantic version, not by name, and never picks a pre-release', () => {
    expect(latestVersion(versions)?.tag).toBe('2.1.0+build.7');
    expect(latestVersion(versions, 1)?.tag).toBe('1.10.0');
    expect(latestVersion(versions, 1, 1)?.tag).toBe('1.1.0');
    expect(latestVersion(versions, 1, 2)).toBeUndefined();
    expect(latestVersion(versions, 3)).toBeUndefined();
    expect(latestVersion(versions, 2, 0)?.tag).toBe('v2.0.0');
  });

  it('maps ~latest, partial versions and exact tag names', () => {
    expect(findCatalogVersion(versions, '~latest')?.tag).toBe('2.1.0+build.7');
    expect(findCatalogVersion(versions, '1')?.tag).toBe('1.10.0');
    expect(findCatalogVersion(versions, '1.0')?.tag).toBe('1.0.0');
    // "01" is the major version 1 (the database compares integers).
    expect(findCatalogVersion(versions, '01')?.tag).toBe('1.10.0');
    expect(findCatalogVersion(versions, '1.2.0-rc.1')?.tag).toBe('1.2.0-rc.1');
    expect(findCatalogVersion(versions, 'v2.0.0')?.tag).toBe('v2.0.0');
    // by_name is the exact release tag: the unprefixed name of a prefixed tag is not a version.
    expect(findCatalogVersion(versions, '2.0.0')).toBeUndefined();
    expect(findCatalogVersion(versions, '2.1.0')).toBeUndefined();
    expect(findCatalogVersion(versions, 'main')).toBeUndefined();
  });

  it('has no latest version without a released semver tag', () => {
    expect(findCatalogVersion(catalogVersions([{ name: '1.0.0-rc.1', sha: sha(1) }]), '~latest')).toBeUndefined();
    expect(findCatalogVersion([], '~latest')).toBeUndefined();
  });
});

describe('resolveVersion in a git repository', () => {
  let repo: FixtureRepo;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    repo = await createRepo('catalog-versions-');
    for (const [tag, annotated] of [
      ['1.0.0', false],
      ['1.1.0', true],
      ['1.2.0-rc.1', false],
      ['v2.0.0', true],
    ] as const) {
      await repo.write('templates/build.yml', `version: ${tag}\n`);
      commits[tag] = await repo.commit(`release ${tag}`);
      if (annotated) repo.git('tag', '-a', tag, '-m', `Release ${tag}`);
      else repo.git('tag', tag);
    }
    await repo.write('templates/build.yml', 'version: main\n');
    commits['main'] = await repo.commit('unreleased work');
    repo.git('checkout', '--quiet', '-b', 'feature', commits['1.0.0'] as string);
    await repo.write('templates/build.yml', 'version: feature\n');
    commits['feature'] = await repo.commit('feature work');
    repo.git('checkout', '--quiet', 'main');
    // A non-semver tag named like a partial version, and a branch with the same name as a tag.
    repo.git('tag', '3', commits['1.1.0'] as string);
    repo.git('branch', '1.1.0', commits['feature'] as string);
    // A branch that exists only as a remote-tracking ref (as in a CI clone).
    repo.git('update-ref', 'refs/remotes/origin/remote-only', commits['1.2.0-rc.1'] as string);
  });

  afterAll(async () => {
    await repo.cleanup();
  });

  const resolve = (reference: string) => resolveVersion(repo.dir, reference);

  it('lists the published versions from the tags', async () => {
    expect((await listCatalogVersions(repo.dir)).map((v) => v.tag)).toEqual(['1.0.0', '1.1.0', '1.2.0-rc.1', 'v2.0.0']);
  });

  it('full semver: that tag, with the version set', async () => {
    expect(await resolve('1.0.0')).toEqual({ sha: commits['1.0.0'], version: '1.0.0', reference: '1.0.0' });
    expect(await resolve('1.2.0-rc.1')).toEqual({ sha: commits['1.2.0-rc.1'], version: '1.2.0-rc.1', reference: '1.2.0-rc.1' });
    expect(await resolve('v2.0.0')).toEqual({ sha: commits['v2.0.0'], version: 'v2.0.0', reference: 'v2.0.0' });
  });

  it('a catalog version wins over a branch of the same name', async () => {
    expect(await resolve('1.1.0')).toEqual({ sha: commits['1.1.0'], version: '1.1.0', reference: '1.1.0' });
  });

  it('full semver that is no tag: nothing (content not found)', async () => {
    expect(await resolve('2.0.0')).toBeUndefined();
    expect(await resolve('1.3.0')).toBeUndefined();
  });

  it('partial versions: the highest non-prerelease version of that major (and minor)', async () => {
    expect(await resolve('1')).toEqual({ sha: commits['1.1.0'], version: '1.1.0', reference: '1' });
    expect(await resolve('1.0')).toEqual({ sha: commits['1.0.0'], version: '1.0.0', reference: '1.0' });
    expect(await resolve('2')).toEqual({ sha: commits['v2.0.0'], version: 'v2.0.0', reference: '2' });
  });

  it('partial versions without a match fall through to a tag or branch of that name', async () => {
    // 1.2 has only a pre-release, and there is no ref named "1.2".
    expect(await resolve('1.2')).toBeUndefined();
    // No version 3.x, but a tag named "3": it is used, and it is not a catalog version.
    expect(await resolve('3')).toEqual({ sha: commits['1.1.0'], version: null, reference: '3' });
  });

  it('~latest: the highest released version, pre-releases excluded', async () => {
    expect(await resolve('~latest')).toEqual({ sha: commits['v2.0.0'], version: 'v2.0.0', reference: '~latest' });
  });

  it('branches and SHAs resolve to commits without a version', async () => {
    expect(await resolve('main')).toEqual({ sha: commits['main'], version: null, reference: 'main' });
    expect(await resolve('feature')).toEqual({ sha: commits['feature'], version: null, reference: 'feature' });
    expect(await resolve('remote-only')).toEqual({ sha: commits['1.2.0-rc.1'], version: null, reference: 'remote-only' });
    // The SHA of a released commit is still not a version (component.version is nil).
    expect(await resolve(commits['1.0.0'] as string)).toEqual({ sha: commits['1.0.0'], version: null, reference: commits['1.0.0'] });
    const short = (commits['feature'] as string).slice(0, 8);
    expect(await resolve(short)).toEqual({ sha: commits['feature'], version: null, reference: short });
  });

  it('unknown references resolve to nothing', async () => {
    expect(await resolve('no-such-ref')).toBeUndefined();
    expect(await resolve('')).toBeUndefined();
  });
});

describe('resolveReference precedence (commit SHA, then tag, then branch)', () => {
  let repo: FixtureRepo;
  let a: string;
  let b: string;
  let c: string;

  beforeAll(async () => {
    repo = await createRepo('catalog-precedence-');
    a = await repo.commit('a');
    b = await repo.commit('b');
    c = await repo.commit('c');
    repo.git('tag', 'same', a);
    repo.git('branch', 'same', b);
    // A tag whose name is the abbreviated SHA of another commit.
    repo.git('tag', c.slice(0, 7), a);
  });

  afterAll(async () => {
    await repo.cleanup();
  });

  it('a tag wins over a branch of the same name', async () => {
    expect(await resolveReference(repo.dir, 'same')).toBe(a);
  });

  it('a commit SHA wins over a tag of the same name', async () => {
    expect(await resolveReference(repo.dir, c.slice(0, 7))).toBe(c);
  });

  it('resolves other revisions git understands', async () => {
    expect(await resolveReference(repo.dir, 'HEAD')).toBe(c);
    expect(await resolveReference(repo.dir, 'HEAD~2')).toBe(a);
  });

  it('has no latest version in a repository without semver tags', async () => {
    expect(await resolveVersion(repo.dir, '~latest')).toBeUndefined();
  });
});

describe('nearestVersions', () => {
  const versions = catalogVersions(['1.0.0', '1.1.0', '1.2.0', '1.3.0-rc.1', 'v2.0.0', '2.1.0', 'latest-stuff'].map((name) => ({ name, sha: 'a'.repeat(40) })));
  const order = (reference: string) => nearestVersions(versions, reference).map((v) => v.tag);

  it('places a partial or full version on the version line: what it spans first, then the nearest, highest first on a tie', () => {
    // 1.9 spans 1.9.x: 1.3.0-rc.1 and 1.2.0 are nearest below it, 2.x further above.
    expect(order('1.9')).toEqual(['1.3.0-rc.1', '1.2.0', '1.1.0', '1.0.0', 'v2.0.0', '2.1.0']);
    expect(order('2')).toEqual(['2.1.0', 'v2.0.0', '1.3.0-rc.1', '1.2.0', '1.1.0', '1.0.0']);
    expect(order('1.2.7')).toEqual(['1.2.0', '1.3.0-rc.1', '1.1.0', '1.0.0', 'v2.0.0', '2.1.0']);
    expect(order('v3')).toEqual(['2.1.0', 'v2.0.0', '1.3.0-rc.1', '1.2.0', '1.1.0', '1.0.0']);
  });

  it('orders by spelling for a reference that is not a version', () => {
    // Two edits from both 2.1.0 and v2.0.0: the higher first.
    expect(order('vv2.1.0').slice(0, 2)).toEqual(['2.1.0', 'v2.0.0']);
  });
});
