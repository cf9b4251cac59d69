/**
 * The few Markdown building blocks the generated README sections need. Everything here is pure and
 * deterministic: the same values always give the same text.
 */

/** Inline code that survives any content: the fence is longer than any run of backticks inside. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space on each side when both are present, so pad when the content
  // starts or ends with a backtick (or is only spaces, which would otherwise be read as empty).
  const pad = text.startsWith('`') || text.endsWith('`') || (text.length > 0 && text.trim() === '') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Text for one cell of a GFM table: `|` is escaped (GFM splits cells on it even inside code spans),
 * line breaks become `<br>` (a table row is one line), surrounding blank space is dropped.
 */
export function tableCell(text: string): string {
  return text
    .trim()
    .replace(/\r\n?/g, '\n')
    .replace(/\|/g, '\\|')
    .split('\n')
    .map((line) => line.trim())
    .join('<br>');
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`.replace(/ {2,}\|/g, ' |');
  return [line(header), line(header.map(() => '---')), ...rows.map((row) => line(row.map(tableCell)))];
}
