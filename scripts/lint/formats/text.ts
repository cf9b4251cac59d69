import { formatDiagnostic, type Diagnostic } from '../../core/diagnostic.js';
import type { FormatContext } from './index.js';

/** `file:line:col: message [rule]`, warnings and notes marked, then a count. */
export function formatText(diagnostics: readonly Diagnostic[], _ctx: FormatContext): string {
  const lines = diagnostics.map((d) =>
    formatDiagnostic(d.severity === 'error' ? d : { ...d, message: `${d.severity === 'info' ? 'info' : 'warning'}: ${d.message}` }),
  );
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const infos = diagnostics.length - errors - warnings;
  lines.push(`${errors} error(s), ${warnings} warning(s), ${infos} info`);
  return `${lines.join('\n')}\n`;
}
