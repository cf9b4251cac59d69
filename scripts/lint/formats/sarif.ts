/**
 * SARIF 2.1.0: one run whose `tool.driver` lists every rule (the registered ones, then every other rule id
 * that has a finding: GitLab's own checks `syntax`, `header`, `inputs`, `interpolation`, `include`, and
 * `ci-schema`, `layout` or whatever else reports), and one result per finding.
 *
 * - Every result has `ruleId` + `ruleIndex` and a `physicalLocation` (repository-relative `uri`, `/`-separated
 *   and percent-encoded, with `uriBaseId: %SRCROOT%`; a region from the finding's start and, when it spans
 *   something, its end). GitLab's SARIF ingestion fails a scan when most results lack either.
 * - `level`: error → error, warning → warning, info → note (also each rule's `defaultConfiguration.level`).
 * - `partialFingerprints["catalogLint/v1"]` is the Code Quality fingerprint of the same finding (no line in
 *   it: see `fingerprintFindings`), so both reports identify a finding the same way.
 * - `helpUri` is `docs/rules/<id>.md` and `informationUri` is `README.md`, resolved against
 *   `FormatContext.docsBaseUri` (SARIF requires absolute URIs there). GitLab's own checks have no page
 *   under docs/rules/, so their rule entries carry no `helpUri`.
 * - Columns are UTF-16 code units (`columnKind`), which is what the toolkit's positions count.
 */
import { pathToFileURL } from 'node:url';
import type { Log, Region, ReportingDescriptor, Result } from 'sarif';
import type { Diagnostic, Severity } from '../../core/diagnostic.js';
import { fingerprintFindings, reportPath } from './codequality.js';
import type { FormatContext } from './index.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** The `partialFingerprints` key: bump the version if the fingerprint's recipe ever changes. */
export const FINGERPRINT_KEY = 'catalogLint/v1';

type Level = 'error' | 'warning' | 'note';
const LEVEL: Readonly<Record<Severity, Level>> = { error: 'error', warning: 'warning', info: 'note' };

/** Checks that are not rules in the registry but report findings under their own id. */
const BUILT_IN: Readonly<Record<string, { readonly description: string; readonly severity: Severity }>> = {
  syntax: { description: 'The file is YAML GitLab can parse, with the documents a component or pipeline needs', severity: 'error' },
  header: { description: "The component's spec: header is one GitLab accepts", severity: 'error' },
  inputs: { description: 'Inputs are declared, given and typed the way GitLab requires', severity: 'error' },
  interpolation: { description: 'Every $[[ ]] block is one GitLab can interpolate', severity: 'error' },
  include: { description: 'include: entries are ones GitLab can resolve', severity: 'error' },
  'ci-schema': { description: "The rendered configuration matches GitLab's CI JSON Schema (ci.json)", severity: 'error' },
  layout: { description: 'Component files are laid out the way the CI/CD catalog finds them', severity: 'warning' },
};

function baseUri(ctx: FormatContext): string {
  if (ctx.docsBaseUri !== undefined) return ctx.docsBaseUri.endsWith('/') ? ctx.docsBaseUri : `${ctx.docsBaseUri}/`;
  return pathToFileURL(ctx.root.endsWith('/') ? ctx.root : `${ctx.root}/`).href;
}

/** A repository-relative path as a relative URI reference: each segment percent-encoded. */
export function artifactUri(reportFile: string): string {
  return reportFile.split('/').map((s) => (s === '.' || s === '..' ? s : encodeURIComponent(s))).join('/');
}

function region(d: Diagnostic): Region {
  const startLine = Math.max(1, d.start.line);
  const startColumn = Math.max(1, d.start.column);
  const end = d.end;
  const spans = end !== undefined && (end.line > startLine || (end.line === startLine && end.column > startColumn));
  return spans ? { startLine, startColumn, endLine: end.line, endColumn: Math.max(1, end.column) } : { startLine, startColumn };
}

export function sarifLog(diagnostics: readonly Diagnostic[], ctx: FormatContext): Log {
  const base = baseUri(ctx);
  const rules: ReportingDescriptor[] = ctx.rules.map((rule) => ({
    id: rule.id,
    shortDescription: { text: rule.description },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    helpUri: new URL(`docs/rules/${encodeURIComponent(rule.id)}.md`, base).href,
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const extra = [...new Set(diagnostics.map((d) => d.ruleId).filter((id) => !index.has(id)))].sort();
  for (const id of extra) {
    const builtIn = BUILT_IN[id];
    const severity = builtIn?.severity ?? (diagnostics.find((d) => d.ruleId === id) as Diagnostic).severity;
    index.set(id, rules.length);
    rules.push({
      id,
      shortDescription: { text: builtIn?.description ?? `Findings reported as ${id}` },
      defaultConfiguration: { level: LEVEL[severity] },
    });
  }

  const fingerprints = fingerprintFindings(diagnostics, ctx);
  const results: Result[] = diagnostics.map((d, i) => ({
    ruleId: d.ruleId,
    ruleIndex: index.get(d.ruleId) as number,
    level: LEVEL[d.severity],
    message: { text: d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(reportPath(d.file, ctx.root)), uriBaseId: '%SRCROOT%' },
          region: region(d),
        },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprints[i] as string },
  }));

  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: ctx.toolName,
            version: ctx.toolVersion,
            informationUri: new URL('README.md', base).href,
            rules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

export function formatSarif(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  return `${JSON.stringify(sarifLog(diagnostics, ctx), null, 2)}\n`;
}
