/** Problems in a user's files are returned as diagnostics; they are data, never thrown. */
export interface Position {
  readonly line: number; // 1-based
  readonly column: number; // 1-based
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly ruleId: string; // a rule id, or 'syntax' / 'header' / 'inputs' / 'interpolation' / 'include'
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly start: Position;
  readonly end?: Position | undefined;
}

export const formatDiagnostic = (d: Diagnostic): string =>
  `${d.file}:${d.start.line}:${d.start.column}: ${d.message} [${d.ruleId}]`;

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.file.localeCompare(b.file) ||
    a.start.line - b.start.line ||
    a.start.column - b.start.column ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/** Sorted, with exact repeats removed (aliases and shared blocks can report the same thing twice). */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const sorted = [...list].sort(compareDiagnostics);
  return sorted.filter((d, i) => i === 0 || compareDiagnostics(d, sorted[i - 1] as Diagnostic) !== 0);
}
