/**
 * Where and how a rule reports: a source position inside a multi-line string, one finding per
 * position, and values quoted in messages.
 */
import type { Position } from '../core/diagnostic.js';
import type { ReportDescriptor, RuleContext } from './rule.js';

/**
 * The source position of the character at `offset` in a rendered string that starts at `at`.
 * A string on several lines (a `|` block, or a plain or quoted scalar folded over lines) is
 * searched line by line within its indentation; the rendered line is matched verbatim, or up to
 * the offset when interpolation changed the rest of it. Falls back to the string's own position.
 */
export function positionInString(sourceText: string, at: Position, value: string, offset: number): Position {
  const lines = sourceText.split('\n');
  const lineStart = value.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = value.indexOf('\n', offset);
  const rendered = value.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const lead = rendered.length - rendered.trimStart().length;
  const body = rendered.trim();
  const column = offset - lineStart;
  const prefix = rendered.slice(lead, column);
  const renderedIndex = value.slice(0, lineStart).split('\n').length - 1;

  const first = lines[at.line - 1] ?? '';
  const indent = first.length - first.trimStart().length;
  const isBlock = /^[|>]/.test(first.slice(at.column - 1));
  const candidates: number[] = [];
  if (isBlock && first.startsWith('|', at.column - 1)) candidates.push(at.line + 1 + renderedIndex);
  for (let line = at.line; line <= lines.length; line++) {
    const text = lines[line - 1] ?? '';
    if (line > at.line && text.trim() !== '' && text.length - text.trimStart().length <= indent) break;
    candidates.push(line);
  }
  const search = (needle: string, shift: number): Position | undefined => {
    if (needle === '') return undefined;
    for (const line of candidates) {
      const text = lines[line - 1] ?? '';
      const from = line === at.line ? at.column - 1 : 0;
      const index = text.indexOf(needle, from);
      if (index >= 0) return { line, column: index + shift + 1 };
    }
    return undefined;
  };
  return (
    search(body, column - lead) ??
    (prefix.trim().length >= 2 ? search(prefix, prefix.length) : undefined) ??
    (prefix === '' ? search(value.slice(offset, offset + Math.max(1, Math.min(8, rendered.length - column))), 0) : undefined) ??
    at
  );
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** A `report` that keeps one finding per source position (variants render the same node again). */
export function reportOncePerPosition<M extends string>(ctx: RuleContext<M>): (descriptor: ReportDescriptor<M>) => void {
  const seen = new Set<string>();
  return (descriptor) => {
    const start = 'start' in descriptor.at ? descriptor.at.start : descriptor.at;
    const key = `${start.line}:${start.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    ctx.report(descriptor);
  };
}

/** JSON quoting for values in messages. */
export const q = (value: string): string => JSON.stringify(value);
