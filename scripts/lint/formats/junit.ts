/**
 * JUnit XML for GitLab's test report (`artifacts:reports:junit`): the merge request widget and the
 * pipeline's Tests tab.
 *
 * How GitLab reads it (lib/gitlab/ci/parsers/test/junit.rb, lib/gitlab/ci/reports/test_case.rb): every
 * `<testcase>` under a `<testsuite>` becomes a test with `classname`, `name`, `file`, and a status from its
 * `<failure>`/`<error>`/`<skipped>` child; the UI's "Suite" column shows `classname`, not the testsuite's
 * name; a test's identity is `testsuite name + classname + name` (a duplicate is dropped), and that identity
 * is what the merge request widget compares with the target branch to list new and fixed failures.
 *
 * Choices:
 * - One `<testsuite>` per file, and `classname` = the file, so GitLab groups findings by file (the unit a
 *   reader fixes); the rule is in each test's name.
 * - One `<testcase>` per finding, named `<rule>: <message>` — without the line, for the same reason the
 *   Code Quality fingerprint has none: moving code must not turn an old failure into a "new" one. Identical
 *   findings in one file get ` #2`, ` #3`, … (by position) so none is dropped. The position is in the
 *   failure's text (`file:line:col: severity: message [rule]`) and the file in `file`.
 * - Errors and warnings are `<failure message="…" type="error|warning">`. Info findings do not fail
 *   `catalog lint`, so they are passing test cases whose `<system-out>` holds the finding: visible, but not
 *   counted as failures.
 * - A checked file without findings (from `FormatContext.files`) gets one passing test case, `no findings`,
 *   so the widget shows what was checked. With no files and no findings at all, one passing test case for
 *   the run keeps the report from being empty.
 * - Everything is XML-escaped; characters XML 1.0 cannot carry even as character references (C0 controls
 *   other than tab, LF, CR; U+FFFE/U+FFFF; lone surrogates) are written as the text `\uXXXX`. Tab, LF and CR
 *   in attributes are written as character references so attribute normalisation keeps them.
 */
import { compareDiagnostics, formatDiagnostic, type Diagnostic } from '../../core/diagnostic.js';
import { reportPath } from './codequality.js';
import type { FormatContext } from './index.js';

const NOT_XML_10 = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const visible = (text: string): string =>
  text.replace(NOT_XML_10, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);

/** Escapes character data. */
export function xmlText(text: string): string {
  return visible(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (written between double quotes). */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

interface Case {
  readonly name: string;
  readonly finding?: Diagnostic | undefined;
}

const attrs = (pairs: ReadonlyArray<readonly [string, string | number]>): string =>
  pairs.map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');

export function formatJunit(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  const byFile = new Map<string, Diagnostic[]>();
  for (const file of ctx.files ?? []) byFile.set(reportPath(file, ctx.root), []);
  for (const d of [...diagnostics].sort(compareDiagnostics)) {
    const file = reportPath(d.file, ctx.root);
    const list = byFile.get(file) ?? [];
    list.push(d);
    byFile.set(file, list);
  }

  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const file of [...byFile.keys()].sort()) {
    const findings = byFile.get(file) ?? [];
    const seen = new Map<string, number>();
    const cases: Case[] = findings.map((d) => {
      const base = `${d.ruleId}: ${d.message}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { name: n === 1 ? base : `${base} #${n}`, finding: d };
    });
    if (cases.length === 0) cases.push({ name: 'no findings' });
    const failed = cases.filter((c) => c.finding && c.finding.severity !== 'info').length;
    tests += cases.length;
    failures += failed;
    const body = cases.map((c) => testcase(file, c, ctx.root));
    suites.push(`  <testsuite${attrs([['name', file], ['tests', cases.length], ['failures', failed], ['errors', 0], ['skipped', 0]])}>\n${body.join('')}  </testsuite>\n`);
  }
  if (suites.length === 0) {
    tests = 1;
    suites.push(
      `  <testsuite${attrs([['name', ctx.toolName], ['tests', 1], ['failures', 0], ['errors', 0], ['skipped', 0]])}>\n` +
        `    <testcase${attrs([['classname', ctx.toolName], ['name', 'no findings']])}/>\n  </testsuite>\n`,
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs([['name', `${ctx.toolName} ${ctx.toolVersion}`], ['tests', tests], ['failures', failures], ['errors', 0]])}>\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

function testcase(file: string, c: Case, root: string): string {
  const open = `    <testcase${attrs([['classname', file], ['name', c.name], ['file', file]])}`;
  const d = c.finding;
  if (!d) return `${open}/>\n`;
  const where = formatDiagnostic({ ...d, file: reportPath(d.file, root), message: `${d.severity}: ${d.message}` });
  if (d.severity === 'info') return `${open}>\n      <system-out>${xmlText(where)}</system-out>\n    </testcase>\n`;
  return `${open}>\n      <failure${attrs([['message', d.message], ['type', d.severity]])}>${xmlText(where)}</failure>\n    </testcase>\n`;
}
