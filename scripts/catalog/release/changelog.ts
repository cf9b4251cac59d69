/**
 * CHANGELOG.md as `catalog release` writes it: a title and preamble, an `## Unreleased` section for
 * notes written by hand, then one section per version, newest first:
 *
 *     ## [1.3.0](<project-url>/-/compare/1.2.0...1.3.0) - 2026-12-07
 *
 *     <the notes that were under Unreleased>
 *
 *     ### Breaking changes
 *     - change without a component scope (abc1234)
 *     #### buildx-ecr
 *     - `feat(buildx-ecr)!: …` (abc1234)
 *
 *     ### Features / ### Bug fixes / ### Performance / ### Reverts
 *
 * Breaking changes come first (whatever their type); each group lists the commits without a
 * component scope, then one `####` list per component a scope names. Other types (docs, chore,
 * ci, test, build, refactor, style) and commits that are not conventional are left out. With a
 * project URL the heading links to the comparison with the previous version (or to the tag) and
 * each commit to its page; without one, commits show their short SHA.
 */
import type { ConventionalCommit } from './conventional-commit.js';

export const CHANGELOG_FILE = 'CHANGELOG.md';
export const UNRELEASED = '## Unreleased';

export const CHANGELOG_PREAMBLE = `# Changelog

All notable changes to this catalog, newest first. Versions follow semantic versioning: see
CONTRIBUTING.md for what a major, minor and patch release mean for a component's inputs.
\`catalog release\` writes each version's section from the conventional commits since the previous
version; notes written by hand under "Unreleased" move into the next version's section.
`;

const GROUPS: readonly { readonly title: string; readonly types: readonly string[] }[] = [
  { title: 'Features', types: ['feat'] },
  { title: 'Bug fixes', types: ['fix'] },
  { title: 'Performance', types: ['perf'] },
  { title: 'Reverts', types: ['revert'] },
];

export interface SectionInput {
  /** The new tag (`1.3.0`, `v1.3.0`). */
  readonly tag: string;
  /** The previous semver tag, for the comparison link. */
  readonly previousTag: string | undefined;
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly commits: readonly ConventionalCommit[];
  /** The catalog's component names: a scope that is one of them groups its commits. */
  readonly components: ReadonlySet<string>;
  readonly projectUrl: string | undefined;
  /** Hand-written notes (what was under Unreleased), placed first. */
  readonly notes?: string | undefined;
}

/** The `## <tag>` section for a release, ending with a newline. */
export function changelogSection(input: SectionInput): string {
  const { tag, previousTag, projectUrl } = input;
  const target = projectUrl === undefined ? undefined : previousTag === undefined ? `${projectUrl}/-/tags/${tag}` : `${projectUrl}/-/compare/${previousTag}...${tag}`;
  const lines = [`## ${target === undefined ? tag : `[${tag}](${target})`} - ${input.date}`, ''];
  const notes = input.notes?.trim();
  if (notes) lines.push(notes, '');
  const groups: [string, ConventionalCommit[]][] = [['Breaking changes', input.commits.filter((c) => c.breaking)]];
  for (const group of GROUPS) groups.push([group.title, input.commits.filter((c) => !c.breaking && group.types.includes(c.type))]);
  let listed = 0;
  for (const [title, commits] of groups) {
    if (commits.length === 0) continue;
    listed += commits.length;
    lines.push(`### ${title}`, '');
    const general = commits.filter((c) => !isComponentScope(c, input.components));
    for (const commit of general) lines.push(entry(commit, projectUrl));
    if (general.length > 0) lines.push('');
    const byComponent = new Map<string, ConventionalCommit[]>();
    for (const commit of commits) if (isComponentScope(commit, input.components)) byComponent.set(commit.scope as string, [...(byComponent.get(commit.scope as string) ?? []), commit]);
    for (const component of [...byComponent.keys()].sort()) {
      lines.push(`#### ${component}`, '');
      for (const commit of byComponent.get(component) ?? []) lines.push(entry(commit, projectUrl));
      lines.push('');
    }
  }
  if (listed === 0 && !notes) lines.push('No user-facing changes (no feat, fix, perf, revert or breaking-change commit).', '');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

const isComponentScope = (commit: ConventionalCommit, components: ReadonlySet<string>): boolean => commit.scope !== undefined && components.has(commit.scope);

function entry(commit: ConventionalCommit, projectUrl: string | undefined): string {
  const short = commit.sha.slice(0, 8);
  const ref = projectUrl === undefined ? short : `[${short}](${projectUrl}/-/commit/${commit.sha})`;
  const note = commit.breaking && commit.breakingNote !== undefined ? `\n  ${commit.breakingNote.split('\n').join('\n  ')}` : '';
  return `- ${commit.subject} (${ref})${note}`;
}

const HEADING = /^## /;

/**
 * The CHANGELOG with `section` added: right after an emptied `## Unreleased` (whose notes the
 * caller put into the section), else before the first version section, else at the end. A missing
 * file (`current` undefined) starts from the preamble.
 */
export function insertSection(current: string | undefined, section: string): string {
  const text = current ?? `${CHANGELOG_PREAMBLE}\n${UNRELEASED}\n`;
  const lines = text.split('\n');
  const unreleased = lines.findIndex((line) => line.trim() === UNRELEASED);
  const at = unreleased >= 0 ? unreleased : lines.findIndex((line) => HEADING.test(line));
  if (at < 0) return `${text.replace(/\n*$/, '\n\n')}${UNRELEASED}\n\n${section}`;
  const next = unreleased >= 0 ? nextHeading(lines, unreleased + 1) : at;
  const before = lines.slice(0, unreleased >= 0 ? unreleased : at).join('\n').replace(/\n*$/, '\n\n');
  const after = lines.slice(next).join('\n').replace(/\n*$/, '\n');
  return `${before}${UNRELEASED}\n\n${section}${next < lines.length ? `\n${after}` : ''}`;
}

/** The hand-written notes under `## Unreleased`, if any. */
export function unreleasedNotes(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.trim() === UNRELEASED);
  if (at < 0) return undefined;
  const notes = lines.slice(at + 1, nextHeading(lines, at + 1)).join('\n').trim();
  return notes === '' ? undefined : notes;
}

/** The body of the section for `tag` (without its heading), or undefined when there is none. */
export function sectionFor(text: string, tag: string): string | undefined {
  const lines = text.split('\n');
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const heading = new RegExp(`^## (?:\\[${escaped}\\]\\(|${escaped}(?:\\s|$))`);
  const at = lines.findIndex((line) => heading.test(line));
  if (at < 0) return undefined;
  return `${lines.slice(at + 1, nextHeading(lines, at + 1)).join('\n').trim()}\n`;
}

const nextHeading = (lines: readonly string[], from: number): number => {
  const found = lines.findIndex((line, i) => i >= from && HEADING.test(line));
  return found < 0 ? lines.length : found;
};
