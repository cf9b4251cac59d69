/**
 * The CHANGELOG section: groups by type with breaking changes first, per component when the scope
 * names one, links with a project URL; its insertion under Unreleased and the lookup check-tag uses.
 */
import { describe, expect, it } from 'vitest';
import { changelogSection, CHANGELOG_PREAMBLE, insertSection, sectionFor, unreleasedNotes } from '../../../scripts/catalog/release/changelog.js';
import { changeLevel, parseConventionalCommit, type ConventionalCommit } from '../../../scripts/catalog/release/conventional-commit.js';

const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const commit = (n: number, message: string): ConventionalCommit => {
  const parsed = parseConventionalCommit(sha(n), message);
  if (!parsed) throw new Error(`not conventional: ${message}`);
  return parsed;
};

describe('parseConventionalCommit', () => {
  it('reads type, scope, ! and the BREAKING CHANGE footer', () => {
    expect(parseConventionalCommit('a', 'feat(buildx-ecr)!: drop the cache input')).toMatchObject({ type: 'feat', scope: 'buildx-ecr', breaking: true, subject: 'drop the cache input' });
    expect(parseConventionalCommit('a', 'Fix: spacing\n\nBREAKING CHANGE: stage defaults to build\n\nRefs: #3')).toMatchObject({
      type: 'fix',
      scope: undefined,
      breaking: true,
      breakingNote: 'stage defaults to build',
    });
    expect(parseConventionalCommit('a', 'docs: typo\n\nBREAKING-CHANGE: yes')?.breaking).toBe(true);
  });

  it('leaves out messages of another shape', () => {
    expect(parseConventionalCommit('a', 'Merge branch main')).toBeUndefined();
    expect(parseConventionalCommit('a', 'feat:no space')).toBeUndefined();
    expect(parseConventionalCommit('a', 'Failing test: x breaks')).toBeUndefined();
  });

  it('gives the largest level among commits', () => {
    expect(changeLevel([commit(1, 'fix: a'), commit(2, 'feat: b')])).toBe('feature');
    expect(changeLevel([commit(1, 'chore: a'), commit(2, 'docs(x)!: b')])).toBe('breaking');
    expect(changeLevel([commit(1, 'perf: a')])).toBe('fix');
    expect(changeLevel([commit(1, 'chore: a'), commit(2, 'ci: b')])).toBe('none');
  });
});

describe('changelogSection', () => {
  const components = new Set(['buildx-ecr', 'ecr-login']);
  const commits = [
    commit(1, 'fix(ecr-login): retry the STS call'),
    commit(2, 'feat: a catalog-wide input'),
    commit(3, 'chore: bump dev dependencies'),
    commit(4, 'feat(buildx-ecr): ppc64le'),
    commit(5, 'feat(ecr-login)!: drop aws-profile\n\nBREAKING CHANGE: use credentials: profile instead'),
    commit(6, 'fix(ci): not a component scope'),
    commit(7, 'perf(buildx-ecr): cache mounts'),
  ];

  it('groups by type, breaking first, per component, without links when no project URL is set', () => {
    expect(changelogSection({ tag: '2.0.0', previousTag: '1.4.0', date: '2026-12-07', commits, components, projectUrl: undefined })).toBe(
      [
        '## 2.0.0 - 2026-12-07',
        '',
        '### Breaking changes',
        '',
        '#### ecr-login',
        '',
        '- drop aws-profile (55555555)',
        '  use credentials: profile instead',
        '',
        '### Features',
        '',
        '- a catalog-wide input (22222222)',
        '',
        '#### buildx-ecr',
        '',
        '- ppc64le (44444444)',
        '',
        '### Bug fixes',
        '',
        '- not a component scope (66666666)',
        '',
        '#### ecr-login',
        '',
        '- retry the STS call (11111111)',
        '',
        '### Performance',
        '',
        '#### buildx-ecr',
        '',
        '- cache mounts (77777777)',
        '',
      ].join('\n'),
    );
  });

  it('links the heading to the comparison (or the tag) and each commit when a project URL is set', () => {
    const url = 'https://gitlab.example.com/platform/catalog';
    const section = changelogSection({ tag: 'v1.1.0', previousTag: 'v1.0.0', date: '2026-12-07', commits: [commit(2, 'feat: x')], components, projectUrl: url });
    expect(section.split('\n')[0]).toBe(`## [v1.1.0](${url}/-/compare/v1.0.0...v1.1.0) - 2026-12-07`);
    expect(section).toContain(`- x ([22222222](${url}/-/commit/${sha(2)}))`);
    const first = changelogSection({ tag: '1.0.0', previousTag: undefined, date: '2026-12-07', commits: [], components, projectUrl: url });
    expect(first.split('\n')[0]).toBe(`## [1.0.0](${url}/-/tags/1.0.0) - 2026-12-07`);
  });

  it('puts hand-written notes first, and says so when nothing is listed', () => {
    const withNotes = changelogSection({ tag: '1.0.1', previousTag: '1.0.0', date: 'd', commits: [commit(1, 'fix: y')], components, projectUrl: undefined, notes: 'Read the upgrade guide.\n' });
    expect(withNotes).toBe('## 1.0.1 - d\n\nRead the upgrade guide.\n\n### Bug fixes\n\n- y (11111111)\n');
    const empty = changelogSection({ tag: '1.0.2', previousTag: '1.0.1', date: 'd', commits: [commit(3, 'chore: z')], components, projectUrl: undefined });
    expect(empty).toBe('## 1.0.2 - d\n\nNo user-facing changes (no feat, fix, perf, revert or breaking-change commit).\n');
  });
});

describe('insertSection, unreleasedNotes and sectionFor', () => {
  const section = '## 1.1.0 - d\n\n### Features\n\n- x (11111111)\n';

  it('starts a missing CHANGELOG from the preamble and an empty Unreleased', () => {
    expect(insertSection(undefined, section)).toBe(`${CHANGELOG_PREAMBLE}\n## Unreleased\n\n${section}`);
  });

  it('empties Unreleased (its notes went into the section) and keeps the older sections below', () => {
    const current = '# Changelog\n\nIntro.\n\n## Unreleased\n\nHand notes.\n\n## 1.0.0 - c\n\n- old\n';
    expect(unreleasedNotes(current)).toBe('Hand notes.');
    expect(insertSection(current, section)).toBe(`# Changelog\n\nIntro.\n\n## Unreleased\n\n${section}\n## 1.0.0 - c\n\n- old\n`);
    expect(unreleasedNotes(insertSection(current, section))).toBeUndefined();
  });

  it('without Unreleased, adds one above the newest section', () => {
    expect(insertSection('# Changelog\n\n## 1.0.0 - c\n', section)).toBe(`# Changelog\n\n## Unreleased\n\n${section}\n## 1.0.0 - c\n`);
  });

  it('finds a version section by its tag, linked or not, and no other', () => {
    const text = insertSection(`${CHANGELOG_PREAMBLE}\n## Unreleased\n\n## [1.0.0](https://x/y/-/tags/1.0.0) - c\n\n- old\n`, section);
    expect(sectionFor(text, '1.1.0')).toBe('### Features\n\n- x (11111111)\n');
    expect(sectionFor(text, '1.0.0')).toBe('- old\n');
    expect(sectionFor(text, '1.0')).toBeUndefined();
    expect(sectionFor(text, 'v1.1.0')).toBeUndefined();
  });
});
