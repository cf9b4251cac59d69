/**
 * Commit messages read as Conventional Commits 1.0.0 (https://www.conventionalcommits.org):
 * `<type>[(<scope>)][!]: <subject>`, and a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer. A
 * message of another shape is not conventional: it counts for no bump and no CHANGELOG entry.
 */

export interface ConventionalCommit {
  readonly sha: string;
  /** Lower-cased: `feat`, `fix`, `docs`… */
  readonly type: string;
  readonly scope: string | undefined;
  readonly subject: string;
  /** `!` after the type or scope, or a BREAKING CHANGE footer. */
  readonly breaking: boolean;
  /** The footer's text, when there is one (else the subject says what broke). */
  readonly breakingNote: string | undefined;
}

const HEADER = /^(?<type>[A-Za-z]+)(?:\((?<scope>[^()\r\n]+)\))?(?<bang>!)?: (?<subject>\S.*)$/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: ?([\s\S]*)$/m;

export function parseConventionalCommit(sha: string, message: string): ConventionalCommit | undefined {
  const [header = '', ...rest] = message.split('\n');
  const match = HEADER.exec(header.trim());
  if (!match?.groups) return undefined;
  const body = rest.join('\n');
  const footer = BREAKING_FOOTER.exec(body);
  // The footer's paragraph: up to the next blank line.
  const note = footer?.[1]?.split(/\n\s*\n/)[0]?.trim();
  return {
    sha,
    type: (match.groups['type'] ?? '').toLowerCase(),
    scope: match.groups['scope']?.trim(),
    subject: (match.groups['subject'] ?? '').trim(),
    breaking: match.groups['bang'] === '!' || footer !== null,
    breakingNote: note === '' ? undefined : note,
  };
}

/** What a set of commits asks for: the largest change among them. */
export type ChangeLevel = 'breaking' | 'feature' | 'fix' | 'none';

export function changeLevel(commits: readonly ConventionalCommit[]): ChangeLevel {
  if (commits.some((c) => c.breaking)) return 'breaking';
  if (commits.some((c) => c.type === 'feat')) return 'feature';
  if (commits.some((c) => c.type === 'fix' || c.type === 'perf')) return 'fix';
  return 'none';
}
