/**
 * Generated sections inside a hand-written README. Each component owns the lines between
 *
 *     <!-- catalog-docs:begin <name> -->
 *     <!-- catalog-docs:end <name> -->
 *
 * (each marker alone on its line, outside code fences). Everything else is the author's and is
 * kept byte for byte. Sections for components that have none are created inside a
 * `## Components` section (added at the end of the file when missing), in name order; sections of
 * components that no longer exist are removed. Pure: text in, text out.
 */

export const beginMarker = (name: string): string => `<!-- catalog-docs:begin ${name} -->`;
export const endMarker = (name: string): string => `<!-- catalog-docs:end ${name} -->`;

const MARKER = /^<!--\s*catalog-docs:(begin|end)\s+([\w-]+)\s*-->\s*$/;
const COMPONENTS_HEADING = /^##\s+Components\s*#*\s*$/;
const SECTION_BREAK = /^#{1,2}(\s|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The paragraph written under a `## Components` heading the tool creates. */
export const COMPONENTS_INTRO = [
  'The tables between the `catalog-docs` markers are generated from each component\'s `spec:inputs`',
  'by `catalog docs`, and `catalog docs --check` fails when they are stale: edit the templates, not',
  'the tables. Text outside the markers is kept as written.',
];

export interface MarkedSection {
  readonly name: string;
  /** Line index (0-based) of the begin marker. */
  readonly begin: number;
  /** Line index of the end marker. */
  readonly end: number;
  readonly body: readonly string[];
}

export interface ReadmeProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

export type ChangeKind = 'added' | 'updated' | 'removed';

export interface ReadmeChange {
  readonly name: string;
  readonly kind: ChangeKind;
}

export interface ReadmeUpdate {
  /** The README with every generated section current (the input when there are problems). */
  readonly text: string;
  readonly changes: readonly ReadmeChange[];
  /** Marker structure the tool cannot safely edit; when present nothing is changed. */
  readonly problems: readonly ReadmeProblem[];
}

/** Which lines are inside fenced code blocks (markers and headings there are only text). */
function fencedLines(lines: readonly string[]): boolean[] {
  const inside: boolean[] = [];
  let open: { char: string; length: number } | undefined;
  for (const line of lines) {
    const fence = FENCE.exec(line);
    if (open) {
      inside.push(true);
      const run = fence?.[1];
      if (run && run[0] === open.char && run.length >= open.length && line.trim() === run) open = undefined;
    } else if (fence?.[1]) {
      inside.push(true);
      open = { char: fence[1][0] as string, length: fence[1].length };
    } else inside.push(false);
  }
  return inside;
}

export function findSections(lines: readonly string[]): { sections: MarkedSection[]; problems: ReadmeProblem[] } {
  const fenced = fencedLines(lines);
  const sections: MarkedSection[] = [];
  const problems: ReadmeProblem[] = [];
  const seen = new Set<string>();
  let open: { name: string; begin: number } | undefined;
  lines.forEach((line, index) => {
    const match = fenced[index] ? null : MARKER.exec(line);
    if (!match) return;
    const [, kind, name] = match as unknown as [string, 'begin' | 'end', string];
    if (kind === 'begin') {
      if (open) {
        problems.push({ line: open.begin + 1, message: `section for "${open.name}" has no end marker before the next begin marker (line ${index + 1})` });
      }
      if (seen.has(name)) problems.push({ line: index + 1, message: `section for "${name}" appears more than once` });
      seen.add(name);
      open = { name, begin: index };
    } else if (!open) {
      problems.push({ line: index + 1, message: `end marker for "${name}" without a begin marker` });
    } else if (open.name !== name) {
      problems.push({ line: index + 1, message: `end marker for "${name}" closes the section for "${open.name}" (line ${open.begin + 1})` });
      open = undefined;
    } else {
      sections.push({ name, begin: open.begin, end: index, body: lines.slice(open.begin + 1, index) });
      open = undefined;
    }
  });
  if (open) problems.push({ line: open.begin + 1, message: `section for "${open.name}" has no end marker` });
  return { sections, problems };
}

const isBlank = (line: string | undefined): boolean => line !== undefined && line.trim() === '';

/** `[start, end)` of the `## Components` section (heading included), or undefined. */
function componentsSection(lines: readonly string[]): { heading: number; end: number } | undefined {
  const fenced = fencedLines(lines);
  const heading = lines.findIndex((line, index) => !fenced[index] && COMPONENTS_HEADING.test(line));
  if (heading < 0) return undefined;
  let end = heading + 1;
  while (end < lines.length && (fenced[end] || !SECTION_BREAK.test(lines[end] as string))) end += 1;
  return { heading, end };
}

const sameLines = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((line, i) => line === b[i]);

/**
 * Brings every generated section up to date.
 * - `generated`: component name → the lines between its markers;
 * - `untouchable`: components that exist but could not be documented (an invalid header): their
 *   sections are left as they are, and none is created.
 */
export function updateReadme(text: string | undefined, generated: ReadonlyMap<string, readonly string[]>, untouchable: ReadonlySet<string> = new Set()): ReadmeUpdate {
  const original = text ?? '';
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const lines = original === '' ? [] : original.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const parsed = findSections(lines);
  if (parsed.problems.length > 0) return { text: original, changes: [], problems: parsed.problems };

  const changes: ReadmeChange[] = [];
  // Existing sections, last first so earlier line indexes stay valid.
  for (const section of [...parsed.sections].reverse()) {
    const body = generated.get(section.name);
    if (body) {
      if (!sameLines(section.body, body)) {
        lines.splice(section.begin + 1, section.end - section.begin - 1, ...body);
        changes.push({ name: section.name, kind: 'updated' });
      }
    } else if (!untouchable.has(section.name)) {
      lines.splice(section.begin, section.end - section.begin + 1);
      // Keep one blank line where the section was, not two.
      if (isBlank(lines[section.begin]) && (section.begin === 0 || isBlank(lines[section.begin - 1]))) lines.splice(section.begin, 1);
      if (section.begin >= lines.length) while (lines.length > 0 && isBlank(lines[lines.length - 1])) lines.pop();
      changes.push({ name: section.name, kind: 'removed' });
    }
  }

  const present = new Set(parsed.sections.map((s) => s.name));
  for (const name of [...generated.keys()].filter((n) => !present.has(n)).sort()) {
    insertSection(lines, name, generated.get(name) as readonly string[]);
    changes.push({ name, kind: 'added' });
  }

  changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const updated = changes.length === 0 ? original : `${lines.join(eol)}${eol}`;
  return { text: updated, changes, problems: [] };
}

/** A new section inside `## Components`, before the first section with a later name, else at the end. */
function insertSection(lines: string[], name: string, body: readonly string[]): void {
  const block = [beginMarker(name), ...body, endMarker(name)];
  let section = componentsSection(lines);
  if (!section) {
    while (lines.length > 0 && isBlank(lines[lines.length - 1])) lines.pop();
    if (lines.length > 0) lines.push('');
    lines.push('## Components', '', ...COMPONENTS_INTRO);
    section = { heading: lines.length - 2 - COMPONENTS_INTRO.length, end: lines.length };
  }
  const { heading, end } = section;
  const later = findSections(lines).sections.find((s) => s.begin > heading && s.begin < end && s.name > name);
  if (later) {
    const at = later.begin;
    lines.splice(at, 0, ...block, '');
    if (at > 0 && !isBlank(lines[at - 1])) lines.splice(at, 0, '');
    return;
  }
  let at = end;
  while (at > heading + 1 && isBlank(lines[at - 1])) at -= 1;
  const trailing = at === end && end < lines.length ? [''] : [];
  lines.splice(at, 0, '', ...block, ...trailing);
}
