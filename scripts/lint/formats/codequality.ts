/**
 * GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of issues with exactly the
 * fields GitLab documents and reads (doc/ci/testing/code_quality.md, "Code Quality report format"):
 * `description`, `check_name`, `fingerprint`, `severity`, `location.path` and `location.lines.begin`.
 * The Code Climate fields GitLab does not process (`type: issue`, `categories`, `content`, …) are left out:
 * GitLab's docs say Code Quality "only processes the fields listed above".
 *
 * This module also holds the two things the SARIF report must agree on with this one, so both import them
 * from here: the repository-relative report path and the fingerprint.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { compareDiagnostics, type Diagnostic, type Severity } from '../../core/diagnostic.js';
import type { FormatContext } from './index.js';

/** One entry of the report, as GitLab documents it. */
export interface CodeQualityIssue {
  readonly description: string;
  readonly check_name: string;
  readonly fingerprint: string;
  readonly severity: CodeQualitySeverity;
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

/**
 * - `error` → `critical`: an error fails `catalog lint` and so the job, and most errors are configuration
 *   GitLab itself would reject (syntax, header, inputs, interpolation, include), i.e. a pipeline that is not
 *   created at all. `major` is what linters use for ordinary bugs that do not stop anything.
 * - `warning` → `minor`: it does not fail the run (unless `--max-warnings`), like ESLint warnings in
 *   eslint-formatter-gitlab.
 * - `info` → `info`.
 * `blocker` is never used: nothing a lint finds is worse than "GitLab rejects this", and leaving it free keeps
 * it meaningful for other tools whose reports GitLab merges with this one.
 */
export const CODE_QUALITY_SEVERITY: Readonly<Record<Severity, CodeQualitySeverity>> = {
  error: 'critical',
  warning: 'minor',
  info: 'info',
};

/** A finding's file as reports name it: relative to the catalog root, `/`-separated, no leading `./`. */
export function reportPath(file: string, root: string): string {
  const relative = path.isAbsolute(file) ? path.relative(root, file) : file;
  const slashed = relative.split(path.sep).join('/').replaceAll('\\', '/');
  return slashed.replace(/^(?:\.\/)+/, '') || '.';
}

/**
 * One fingerprint per finding, in the order given: the SHA-256 (hex) of the tool name, rule id, report path,
 * message and an occurrence counter that numbers identical findings (same rule, file and message) in the
 * order of their positions.
 *
 * The line is deliberately NOT part of it: GitLab compares fingerprints between the merge request's pipeline
 * and the target branch's to tell new findings from old ones, and a finding must not count as "fixed" plus
 * "new" just because lines were added above it. The counter keeps identical findings apart (GitLab shows
 * only one of several issues that share a fingerprint); moving one of them past another identical one swaps
 * their counters, which changes nothing visible since the two are indistinguishable. The severity is not
 * part of it either, so re-configuring a rule from warning to error keeps its findings' identity.
 */
export function fingerprintFindings(diagnostics: readonly Diagnostic[], ctx: Pick<FormatContext, 'root' | 'toolName'>): string[] {
  const keys = diagnostics.map((d) => JSON.stringify([ctx.toolName, d.ruleId, reportPath(d.file, ctx.root), d.message]));
  const order = diagnostics.map((_, i) => i).sort((a, b) => compareDiagnostics(diagnostics[a] as Diagnostic, diagnostics[b] as Diagnostic) || a - b);
  const seen = new Map<string, number>();
  const fingerprints: string[] = new Array<string>(diagnostics.length);
  for (const i of order) {
    const key = keys[i] as string;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    fingerprints[i] = createHash('sha256').update(`${key}\n${occurrence}`).digest('hex');
  }
  return fingerprints;
}

export function codeQualityIssues(diagnostics: readonly Diagnostic[], ctx: FormatContext): CodeQualityIssue[] {
  const fingerprints = fingerprintFindings(diagnostics, ctx);
  return diagnostics.map((d, i) => ({
    description: d.message,
    check_name: d.ruleId,
    fingerprint: fingerprints[i] as string,
    severity: CODE_QUALITY_SEVERITY[d.severity],
    location: { path: reportPath(d.file, ctx.root), lines: { begin: Math.max(1, d.start.line) } },
  }));
}

/** The report text: a JSON array (no byte order mark: GitLab's parser rejects one). */
export function formatCodeQuality(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  return `${JSON.stringify(codeQualityIssues(diagnostics, ctx), null, 2)}\n`;
}
