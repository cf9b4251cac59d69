import type { Diagnostic } from '../../core/diagnostic.js';
import type { FormatContext } from './index.js';

/** The findings as a JSON array of `{ruleId, severity, message, file, line, column, endLine, endColumn}`. */
export function formatJson(diagnostics: readonly Diagnostic[], _ctx: FormatContext): string {
  const rows = diagnostics.map((d) => ({
    ruleId: d.ruleId,
    severity: d.severity,
    message: d.message,
    file: d.file,
    line: d.start.line,
    column: d.start.column,
    ...(d.end ? { endLine: d.end.line, endColumn: d.end.column } : {}),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
