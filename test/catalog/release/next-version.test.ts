/**
 * The next version across tag histories: parts, conventional-commit levels (1.x and the 0.x
 * rules), pre-releases, the `v` prefix, tags that are not semver, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import type { Tag } from '../../../scripts/core/git.js';
import { nextVersion, partForCommits, type VersionRequest } from '../../../scripts/catalog/release/next-version.js';

const tags = (...names: string[]): Tag[] => names.map((name, i) => ({ name, sha: `${i}`.padStart(40, '0') }));
const part = (p: 'major' | 'minor' | 'patch'): VersionRequest => ({ kind: 'part', part: p });
const version = (history: Tag[], request: VersionRequest, pre?: string) => {
  const next = nextVersion(history, request, pre);
  return next.ok ? next.version : `refused: ${next.refusal}`;
};

describe('nextVersion by part', () => {
  it.each([
    [[], 'patch', '0.0.1'],
    [[], 'minor', '0.1.0'],
    [[], 'major', '1.0.0'],
    [['1.2.3'], 'patch', '1.2.4'],
    [['1.2.3'], 'minor', '1.3.0'],
    [['1.2.3'], 'major', '2.0.0'],
    // The highest by precedence, not by name or order: 1.10.0 > 1.9.0.
    [['1.9.0', '1.10.0', '1.2.0'], 'patch', '1.10.1'],
    // Tags that are not semver (GitLab does not publish them) do not count.
    [['1.2.3', 'latest', 'release-9', '9.9', 'v-2.0.0'], 'minor', '1.3.0'],
  ] as const)('%j + %s = %s', (history, p, expected) => {
    expect(version(tags(...history), part(p))).toBe(expected);
  });

  it('counts v-prefixed tags as versions ("v" is GitLab\'s optional prefix)', () => {
    expect(version(tags('v1.4.0'), part('minor'))).toBe('1.5.0');
    expect(version(tags('1.4.0', 'v2.0.0'), part('patch'))).toBe('2.0.1');
  });

  it('completes a pre-release of the version the part gives', () => {
    expect(version(tags('1.2.0', '1.3.0-rc.2'), part('minor'))).toBe('1.3.0');
    expect(version(tags('0.9.0', '1.0.0-beta.1'), part('major'))).toBe('1.0.0');
  });

  it('refuses a part whose version is below a pre-release already tagged', () => {
    expect(version(tags('1.2.0', '1.3.0-rc.2'), part('patch'))).toBe(
      'refused: 1.2.1 is not greater than the highest semver tag, 1.3.0-rc.2: choose a higher version (catalog release patch|minor|major, or <x.y.z> above 1.3.0-rc.2)',
    );
  });
});

describe('nextVersion with --pre', () => {
  it('starts a pre-release of the next version at <id>.0', () => {
    expect(version(tags('1.2.0'), part('minor'), 'rc')).toBe('1.3.0-rc.0');
    expect(version(tags(), part('major'), 'beta')).toBe('1.0.0-beta.0');
  });

  it('counts on from a pre-release of the same version and id', () => {
    expect(version(tags('1.2.0', '1.3.0-rc.0'), part('minor'), 'rc')).toBe('1.3.0-rc.1');
    expect(version(tags('1.2.0', 'v1.3.0-rc.4'), part('minor'), 'rc')).toBe('1.3.0-rc.5');
  });

  it('starts over for another id, if that one sorts higher', () => {
    expect(version(tags('1.2.0', '1.3.0-beta.3'), part('minor'), 'rc')).toBe('1.3.0-rc.0');
    expect(version(tags('1.2.0', '1.3.0-rc.3'), part('minor'), 'beta')).toMatch(/^refused: 1\.3\.0-beta\.0 is not greater than the highest semver tag, 1\.3\.0-rc\.3/);
  });
});

describe('nextVersion from conventional commits', () => {
  const commits = (level: 'breaking' | 'feature' | 'fix' | 'none'): VersionRequest => ({ kind: 'commits', level });

  it('from 1.0.0 on: breaking -> major, feat -> minor, fix -> patch', () => {
    expect(version(tags('1.4.2'), commits('breaking'))).toBe('2.0.0');
    expect(version(tags('1.4.2'), commits('feature'))).toBe('1.5.0');
    expect(version(tags('1.4.2'), commits('fix'))).toBe('1.4.3');
  });

  it('in 0.x: breaking -> minor, feat -> minor, fix -> patch (1.0.0 only when asked for)', () => {
    expect(version(tags('0.3.1'), commits('breaking'))).toBe('0.4.0');
    expect(version(tags('0.3.1'), commits('feature'))).toBe('0.4.0');
    expect(version(tags('0.3.1'), commits('fix'))).toBe('0.3.2');
    expect(version(tags(), commits('breaking'))).toBe('0.1.0');
    expect(partForCommits('breaking', 0)).toBe('minor');
    expect(partForCommits('breaking', 1)).toBe('major');
  });

  it('takes 0.x from the highest release, not from a 1.0.0 pre-release', () => {
    expect(version(tags('0.3.1', '1.0.0-rc.0'), commits('breaking'), 'rc')).toBe('refused: 0.4.0-rc.0 is not greater than the highest semver tag, 1.0.0-rc.0: choose a higher version (catalog release patch|minor|major, or <x.y.z> above 1.0.0-rc.0)');
  });

  it('refuses when no commit calls for a release, naming the highest tag', () => {
    expect(version(tags('1.0.0'), commits('none'))).toBe(
      'refused: no feat, fix, perf or breaking-change commit since 1.0.0: nothing calls for a release; name the part to release anyway (catalog release patch|minor|major)',
    );
    expect(version(tags(), commits('none'))).toMatch(/^refused: no feat, fix, perf or breaking-change commit in the history:/);
  });
});

describe('nextVersion with an explicit version', () => {
  it('takes it as given (a leading v dropped: the prefix is configured)', () => {
    expect(version(tags('1.2.0'), { kind: 'explicit', version: '2.0.0-rc.1' })).toBe('2.0.0-rc.1');
    expect(version(tags('1.2.0'), { kind: 'explicit', version: 'v1.2.1' })).toBe('1.2.1');
  });

  it('refuses what is not semver, in GitLab\'s words', () => {
    expect(version(tags(), { kind: 'explicit', version: '1.2' })).toBe(
      'refused: 1.2: must follow semantic version: give the version as <major>.<minor>.<patch>, e.g. 1.4.0 or 2.0.0-rc.0',
    );
    expect(version(tags(), { kind: 'explicit', version: '01.2.3' })).toMatch(/^refused: 01\.2\.3: must follow semantic version/);
  });

  it('refuses a version not greater than every semver tag, equal ones and v-prefixed ones included', () => {
    expect(version(tags('1.2.0'), { kind: 'explicit', version: '1.2.0' })).toMatch(/^refused: 1\.2\.0 is not greater than the highest semver tag, 1\.2\.0:/);
    expect(version(tags('v1.2.0'), { kind: 'explicit', version: '1.1.9' })).toMatch(/^refused: 1\.1\.9 is not greater than the highest semver tag, v1\.2\.0:/);
    expect(version(tags('1.2.0'), { kind: 'explicit', version: '1.2.0-rc.9' })).toMatch(/^refused: 1\.2\.0-rc\.9 is not greater/);
  });
});
