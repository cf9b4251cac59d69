/**
 * The report formats, checked against what reads them:
 * - Code Quality against a JSON Schema written from GitLab's documented format (below), plus fingerprint
 *   uniqueness and stability;
 * - JUnit parsed back with fast-xml-parser: counts, classnames, escaping;
 * - SARIF against the SARIF 2.1.0 JSON Schema as Microsoft's SARIF SDK ships it (npm
 *   `@microsoft/jest-sarif`, `lib/schemas/sarif-2.1.0-rtm.5.json`, draft-04, with formats checked).
 * The diagnostics are built here, so nothing depends on which rules exist.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../scripts/core/diagnostic.js';
import { codeQualityIssues, fingerprintFindings, formatCodeQuality, reportPath } from '../../scripts/lint/formats/codequality.js';
import { FORMATS, type FormatContext } from '../../scripts/lint/formats/index.js';
import { formatJunit, xmlAttr, xmlText } from '../../scripts/lint/formats/junit.js';
import { FINGERPRINT_KEY, formatSarif, sarifLog } from '../../scripts/lint/formats/sarif.js';
import { defineRule, type Rule } from '../../scripts/lint/rule.js';
import { compileDraft04JsonSchema, compileJsonSchema, type SchemaValidator } from '../../scripts/core/json-schema.js';

const ROOT = '/work/catalog';

const rule = (id: string, severity: Rule['severity'], description: string): Rule =>
  defineRule({ id, severity, description, messages: { m: 'x' }, check: () => undefined });

const RULES: readonly Rule[] = [
  rule('unused-input', 'warning', 'Inputs declared in spec:inputs should be used in the template body'),
  rule('image-pinned', 'error', 'Job images are pinned by digest or tag'),
  rule('job-name-prefix', 'info', 'Job names start with the component name'),
];

const CTX: FormatContext = { root: ROOT, rules: RULES, toolName: 'catalog-lint', toolVersion: '0.1.0' };

const d = (ruleId: string, severity: Diagnostic['severity'], file: string, line: number, column: number, message: string, end?: [number, number]): Diagnostic => ({
  ruleId,
  severity,
  message,
  file,
  start: { line, column },
  ...(end ? { end: { line: end[0], column: end[1] } } : {}),
});

/** A realistic run: rule findings, GitLab's own checks, a pipeline given by absolute path, repeats. */
const FINDINGS: readonly Diagnostic[] = [
  d('ci-schema', 'warning', 'templates/buildx-ecr.yml', 1, 1, 'no GitLab CI schema available: the rendered configuration was not validated against ci.json'),
  d('header', 'error', 'templates/ecr-login.yml', 4, 7, 'spec:inputs:region: unknown keyword "defualt"', [4, 14]),
  d('image-pinned', 'error', 'templates/buildx-ecr.yml', 22, 12, 'image "docker:latest" is not pinned', [22, 25]),
  d('image-pinned', 'error', 'templates/buildx-ecr.yml', 40, 12, 'image "docker:latest" is not pinned', [40, 25]),
  d('include', 'error', `${ROOT}/examples/multi arch.yml`, 3, 5, 'component "acme/catalog/nope@1.0.0" does not exist in templates/'),
  d('inputs', 'error', 'examples/basic.yml', 9, 9, 'input "platforms": expected an array, got a string'),
  d('interpolation', 'error', 'templates/manifest-merge.yml', 12, 18, 'unknown interpolation key "input"', [12, 40]),
  d('job-name-prefix', 'info', 'templates/podman-arch-build.yml', 15, 1, 'job "build" does not start with "podman-arch-build"'),
  d('syntax', 'error', 'templates/broken.yml', 7, 3, 'Nested mappings are not allowed in compact mappings'),
  d('unused-input', 'warning', 'templates/buildx-ecr.yml', 8, 5, 'input "cache_ref" is declared in spec:inputs but never used', [8, 14]),
];

const CHECKED = [
  'templates/buildx-ecr.yml',
  'templates/ecr-login.yml',
  'templates/manifest-merge.yml',
  'templates/podman-arch-build.yml',
  'templates/broken.yml',
  'templates/clean.yml',
  `${ROOT}/examples/multi arch.yml`,
  'examples/basic.yml',
];

describe('registry', () => {
  it('offers text, json, codequality, junit and sarif', () => {
    expect(Object.keys(FORMATS)).toEqual(['text', 'json', 'codequality', 'junit', 'sarif']);
  });

  it('reportPath makes paths repository-relative with /', () => {
    expect(reportPath(`${ROOT}/templates/a.yml`, ROOT)).toBe('templates/a.yml');
    expect(reportPath('./templates/a.yml', ROOT)).toBe('templates/a.yml');
    expect(reportPath('templates\\a.yml', ROOT)).toBe('templates/a.yml');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Code Quality
// ---------------------------------------------------------------------------------------------------------

/**
 * GitLab's "Code Quality report format" (docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format;
 * doc/ci/testing/code_quality.md in gitlab-org/gitlab): "a single JSON array. Each object in that array must
 * have at least the following properties": `description` (string), `check_name` (string), `fingerprint`
 * (string, unique), `severity` (one of info, minor, major, critical, blocker), `location.path` (a relative
 * path in the repository), and `location.lines.begin` or `location.positions.begin.line` (integer). Other
 * Code Climate properties are allowed but not processed.
 */
const CODE_QUALITY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path'],
        properties: {
          // relative to the repository: no leading '/', './', drive letter or backslash
          path: { type: 'string', minLength: 1, pattern: '^(?!/|\\./|[A-Za-z]:)[^\\\\]+$' },
          lines: { type: 'object', required: ['begin'], properties: { begin: { type: 'integer', minimum: 1 }, end: { type: 'integer', minimum: 1 } } },
          positions: {
            type: 'object',
            required: ['begin'],
            properties: { begin: { type: 'object', required: ['line'], properties: { line: { type: 'integer', minimum: 1 } } } },
          },
        },
        anyOf: [{ required: ['lines'] }, { required: ['positions'] }],
      },
    },
  },
};

describe('codequality', () => {
  const validate = compileJsonSchema(CODE_QUALITY_SCHEMA);

  it('matches the documented format', () => {
    const text = formatCodeQuality(FINDINGS, CTX);
    expect(text.charCodeAt(0)).not.toBe(0xfeff); // GitLab's parser rejects a byte order mark
    const report: unknown = JSON.parse(text);
    expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(report).toHaveLength(FINDINGS.length);
    expect(formatCodeQuality([], CTX)).toBe('[]\n');
  });

  it('the schema catches what GitLab would not read', () => {
    const good = codeQualityIssues(FINDINGS.slice(0, 1), CTX)[0]!;
    expect(validate([good])).toBe(true);
    expect(validate([{ ...good, severity: 'error' }])).toBe(false);
    expect(validate([{ ...good, location: { path: '/abs/file.yml', lines: { begin: 1 } } }])).toBe(false);
    expect(validate([{ ...good, location: { path: 'a.yml' } }])).toBe(false);
    const { check_name: _omitted, ...noCheckName } = good;
    expect(validate([noCheckName])).toBe(false);
  });

  it('maps fields, severities and paths', () => {
    const issues = codeQualityIssues(FINDINGS, CTX);
    for (const issue of issues) expect(Object.keys(issue).sort()).toEqual(['check_name', 'description', 'fingerprint', 'location', 'severity']);
    expect(issues[1]).toMatchObject({
      description: 'spec:inputs:region: unknown keyword "defualt"',
      check_name: 'header',
      severity: 'critical',
      location: { path: 'templates/ecr-login.yml', lines: { begin: 4 } },
    });
    expect(issues.map((i) => i.severity)).toEqual(['minor', 'critical', 'critical', 'critical', 'critical', 'critical', 'critical', 'info', 'critical', 'minor']);
    expect(issues[4]!.location.path).toBe('examples/multi arch.yml');
    expect(issues.every((i) => /^[0-9a-f]{64}$/.test(i.fingerprint))).toBe(true);
  });

  it('fingerprints are unique, also for identical findings', () => {
    const fps = fingerprintFindings(FINDINGS, CTX);
    expect(new Set(fps).size).toBe(FINDINGS.length);
    // the two `image-pinned` findings differ only in their line
    expect(fps[2]).not.toBe(fps[3]);
    const twins = [d('r', 'error', 'a.yml', 3, 1, 'same'), d('r', 'error', 'a.yml', 3, 9, 'same'), d('r', 'error', 'a.yml', 5, 1, 'same')];
    expect(new Set(fingerprintFindings(twins, CTX)).size).toBe(3);
  });

  it('fingerprints survive lines moving, reordering and severity changes', () => {
    const before = fingerprintFindings(FINDINGS, CTX);
    // three lines inserted at the top of every file
    const moved = FINDINGS.map((f) => ({ ...f, start: { ...f.start, line: f.start.line + 3 }, ...(f.end ? { end: { ...f.end, line: f.end.line + 3 } } : {}) }));
    expect(fingerprintFindings(moved, CTX)).toEqual(before);
    // one finding moved down a line on its own
    const one = FINDINGS.map((f, i) => (i === 9 ? { ...f, start: { line: 9, column: 5 } } : f));
    expect(fingerprintFindings(one, CTX)).toEqual(before);
    // input order does not matter
    expect(fingerprintFindings([...FINDINGS].reverse(), CTX)).toEqual([...before].reverse());
    // a rule re-configured from warning to error keeps its findings' identity
    expect(fingerprintFindings(FINDINGS.map((f) => ({ ...f, severity: 'error' as const })), CTX)).toEqual(before);
    // the repeated finding: both keep their fingerprints when the code between them grows
    const gap = FINDINGS.map((f, i) => (i === 3 ? { ...f, start: { line: 60, column: 12 } } : f));
    expect(fingerprintFindings(gap, CTX)).toEqual(before);
  });

  it('fingerprints change with what the finding is', () => {
    const [base] = fingerprintFindings([FINDINGS[9]!], CTX);
    const other = (f: Diagnostic) => fingerprintFindings([f], CTX)[0];
    expect(other({ ...FINDINGS[9]!, message: 'input "cache_to" is declared in spec:inputs but never used' })).not.toBe(base);
    expect(other({ ...FINDINGS[9]!, file: 'templates/ecr-login.yml' })).not.toBe(base);
    expect(other({ ...FINDINGS[9]!, ruleId: 'other-rule' })).not.toBe(base);
    // the same file named absolutely or relatively is the same finding
    expect(other({ ...FINDINGS[9]!, file: `${ROOT}/templates/buildx-ecr.yml` })).toBe(base);
  });
});

// ---------------------------------------------------------------------------------------------------------
// JUnit
// ---------------------------------------------------------------------------------------------------------

interface XCase {
  readonly classname?: string;
  readonly name?: string;
  readonly file?: string;
  readonly failure?: { readonly message?: string; readonly type?: string; readonly '#text'?: string };
  readonly 'system-out'?: string;
}
interface XSuite {
  readonly name?: string;
  readonly tests?: string;
  readonly failures?: string;
  readonly errors?: string;
  readonly testcase: XCase[];
}
interface XDoc {
  readonly testsuites: { readonly name?: string; readonly tests?: string; readonly failures?: string; readonly testsuite: XSuite[] };
}

function parseJunit(xml: string): XDoc {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    htmlEntities: true, // decode numeric character references (&#10;)
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  return parser.parse(xml) as XDoc;
}

/** Characters XML 1.0 does not allow anywhere in a document. */
const NOT_XML_10 = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('junit', () => {
  it('one testsuite per file, one testcase per finding, passing cases for clean files, right counts', () => {
    const xml = formatJunit(FINDINGS, { ...CTX, files: CHECKED });
    const doc = parseJunit(xml);
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s) => s.name)).toEqual([
      'examples/basic.yml',
      'examples/multi arch.yml',
      'templates/broken.yml',
      'templates/buildx-ecr.yml',
      'templates/clean.yml',
      'templates/ecr-login.yml',
      'templates/manifest-merge.yml',
      'templates/podman-arch-build.yml',
    ]);
    let tests = 0;
    let failures = 0;
    for (const suite of suites) {
      const cases = suite.testcase;
      const failed = cases.filter((c) => c.failure !== undefined).length;
      expect(suite.tests).toBe(String(cases.length));
      expect(suite.failures).toBe(String(failed));
      expect(suite.errors).toBe('0');
      // GitLab shows classname as the suite: every case names its file
      for (const c of cases) expect([c.classname, c.file]).toEqual([suite.name, suite.name]);
      // GitLab drops test cases whose suite + classname + name repeat
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
      tests += cases.length;
      failures += failed;
    }
    expect(doc.testsuites.tests).toBe(String(tests));
    expect(doc.testsuites.failures).toBe(String(failures));
    // 10 findings + 1 clean file; errors and warnings fail (9), the info finding passes
    expect([tests, failures]).toEqual([11, 9]);

    const buildx = suites.find((s) => s.name === 'templates/buildx-ecr.yml')!;
    expect(buildx.testcase.map((c) => c.name)).toEqual([
      'ci-schema: no GitLab CI schema available: the rendered configuration was not validated against ci.json',
      'unused-input: input "cache_ref" is declared in spec:inputs but never used',
      'image-pinned: image "docker:latest" is not pinned',
      'image-pinned: image "docker:latest" is not pinned #2',
    ]);
    const unused = buildx.testcase[1]!;
    expect(unused.failure).toMatchObject({ message: 'input "cache_ref" is declared in spec:inputs but never used', type: 'warning' });
    expect(unused.failure!['#text']).toBe('templates/buildx-ecr.yml:8:5: warning: input "cache_ref" is declared in spec:inputs but never used [unused-input]');

    const clean = suites.find((s) => s.name === 'templates/clean.yml')!;
    expect(clean.testcase).toEqual([{ classname: 'templates/clean.yml', name: 'no findings', file: 'templates/clean.yml' }]);

    const podman = suites.find((s) => s.name === 'templates/podman-arch-build.yml')!;
    expect(podman.failures).toBe('0');
    expect(podman.testcase[0]!.failure).toBeUndefined();
    expect(podman.testcase[0]!['system-out']).toBe('templates/podman-arch-build.yml:15:1: info: job "build" does not start with "podman-arch-build" [job-name-prefix]');
  });

  it('test names carry no line numbers, so moving code keeps them', () => {
    const moved = FINDINGS.map((f) => ({ ...f, start: { ...f.start, line: f.start.line + 7 } }));
    const names = (xml: string) => parseJunit(xml).testsuites.testsuite.flatMap((s) => s.testcase.map((c) => `${c.classname} ${c.name}`));
    expect(names(formatJunit(moved, CTX))).toEqual(names(formatJunit(FINDINGS, CTX)));
  });

  it('escapes markup characters and characters XML 1.0 cannot hold', () => {
    const nasty = 'value <b>&amp;</b> "quoted" \'single\' ]]> tab\there\nnewline bell\u0007 esc\u001b[0m nul\u0000 \uFFFF lone\uD800 ok😀';
    const xml = formatJunit([d('shellcheck', 'error', 'templates/a&b <c>.yml', 3, 1, nasty)], CTX);
    expect(NOT_XML_10.test(xml)).toBe(false);
    const doc = parseJunit(xml);
    const suite = doc.testsuites.testsuite[0]!;
    const c = suite.testcase[0]!;
    const shown = nasty
      .replace('\u0007', '\\u0007')
      .replace('\u001b', '\\u001B')
      .replace('\u0000', '\\u0000')
      .replace('\uFFFF', '\\uFFFF')
      .replace('\uD800', '\\uD800');
    expect(suite.name).toBe('templates/a&b <c>.yml');
    expect(c.classname).toBe('templates/a&b <c>.yml');
    expect(c.name).toBe(`shellcheck: ${shown}`);
    // tab and newline survive in attributes (written as character references)
    expect(c.failure!.message).toBe(shown);
    expect(c.failure!['#text']).toBe(`templates/a&b <c>.yml:3:1: error: ${shown} [shellcheck]`);
    expect(xml).toContain('&#9;here&#10;newline');
  });

  it('xmlText and xmlAttr', () => {
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr(`"'<&>\t\r\n`)).toBe('&quot;&apos;&lt;&amp;&gt;&#9;&#13;&#10;');
    expect(xmlText('\u0001\u000B\u000C\uFFFE')).toBe('\\u0001\\u000B\\u000C\\uFFFE');
    expect(xmlText('😀 \uD83D\uDE00')).toBe('😀 😀'); // paired surrogates are fine
  });

  it('a run with nothing checked and nothing found still has one passing test', () => {
    const doc = parseJunit(formatJunit([], CTX));
    expect(doc.testsuites).toMatchObject({ tests: '1', failures: '0' });
    expect(doc.testsuites.testsuite[0]!.testcase).toEqual([{ classname: 'catalog-lint', name: 'no findings' }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------------------------

const SARIF_SCHEMA_FILE = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

describe('sarif', () => {
  let validate: SchemaValidator;
  beforeAll(async () => {
    validate = await compileDraft04JsonSchema(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as Record<string, unknown>);
  });

  it('validates against the SARIF 2.1.0 schema', () => {
    const log: unknown = JSON.parse(formatSarif(FINDINGS, CTX));
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(validate(JSON.parse(formatSarif([], { ...CTX, rules: [] })))).toBe(true);
  });

  it('the schema validator rejects invalid SARIF (formats included)', () => {
    const log = sarifLog(FINDINGS, CTX);
    const broken = structuredClone(log);
    broken.runs[0]!.results![0]!.level = 'info' as never;
    expect(validate(broken)).toBe(false);
    const relativeHelp = structuredClone(log);
    relativeHelp.runs[0]!.tool.driver.rules![0]!.helpUri = 'docs/rules/unused-input.md';
    expect(validate(relativeHelp)).toBe(false);
    expect(validate.errors.map((e) => [e.keyword, e.instancePath])).toContainEqual(['format', '/runs/0/tool/driver/rules/0/helpUri']);
    const badRegion = structuredClone(log);
    badRegion.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startLine = 0;
    expect(validate(badRegion)).toBe(false);
  });

  it('lists every rule, including the checks that are not registered rules', () => {
    const log = sarifLog(FINDINGS, CTX);
    const run = log.runs[0]!;
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(log.runs).toHaveLength(1);
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'catalog-lint', version: '0.1.0', informationUri: 'file:///work/catalog/README.md' });
    const rules = driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(['unused-input', 'image-pinned', 'job-name-prefix', 'ci-schema', 'header', 'include', 'inputs', 'interpolation', 'syntax']);
    expect(rules[0]).toEqual({
      id: 'unused-input',
      shortDescription: { text: 'Inputs declared in spec:inputs should be used in the template body' },
      defaultConfiguration: { level: 'warning' },
      helpUri: 'file:///work/catalog/docs/rules/unused-input.md',
    });
    expect(rules.map((r) => r.defaultConfiguration?.level)).toEqual(['warning', 'error', 'note', 'error', 'error', 'error', 'error', 'error', 'error']);
    for (const r of rules) expect(r.shortDescription?.text).toMatch(/\S/);
  });

  it('every result has its rule, level, message, location and fingerprint', () => {
    const log = sarifLog(FINDINGS, CTX);
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    const results = run.results!;
    expect(results).toHaveLength(FINDINGS.length);
    const fps = fingerprintFindings(FINDINGS, CTX);
    results.forEach((r, i) => {
      const f = FINDINGS[i]!;
      expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.ruleId).toBe(f.ruleId);
      expect(r.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[f.severity]);
      expect(r.message.text).toBe(f.message);
      expect(r.locations).toHaveLength(1);
      const loc = r.locations![0]!.physicalLocation!;
      expect(loc.artifactLocation!.uri).not.toMatch(/^\/|^file:|\\/);
      expect(loc.region).toMatchObject({ startLine: f.start.line, startColumn: f.start.column });
      expect(r.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: fps[i] });
      expect(r.partialFingerprints![FINGERPRINT_KEY]).toBe(codeQualityIssues(FINDINGS, CTX)[i]!.fingerprint);
    });
    // an absolute path becomes repository-relative, percent-encoded
    expect(results[4]!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'examples/multi%20arch.yml', uriBaseId: '%SRCROOT%' });
    // end only when the finding spans something
    expect(results[2]!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 22, startColumn: 12, endLine: 22, endColumn: 25 });
    expect(results[5]!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 9, startColumn: 9 });
    const point = sarifLog([d('r', 'error', 'a.yml', 2, 3, 'm', [2, 3])], CTX).runs[0]!.results![0]!;
    expect(point.locations![0]!.physicalLocation!.region).toEqual({ startLine: 2, startColumn: 3 });
  });

  it('resolves helpUri and informationUri against docsBaseUri', () => {
    const ctx = { ...CTX, docsBaseUri: 'https://gitlab.example.com/acme/catalog/-/blob/0123abc' };
    const log: Log = sarifLog(FINDINGS, ctx);
    const driver = log.runs[0]!.tool.driver;
    expect(driver.informationUri).toBe('https://gitlab.example.com/acme/catalog/-/blob/0123abc/README.md');
    expect(driver.rules![1]!.helpUri).toBe('https://gitlab.example.com/acme/catalog/-/blob/0123abc/docs/rules/image-pinned.md');
    expect(validate(log)).toBe(true);
  });

  it('an unknown rule id gets a rule entry with the level of its findings', () => {
    const log = sarifLog([d('mystery', 'warning', 'a.yml', 1, 1, 'hm')], { ...CTX, rules: [] });
    const run = log.runs[0]!;
    expect(run.tool.driver.rules).toEqual([{ id: 'mystery', shortDescription: { text: 'Findings reported as mystery' }, defaultConfiguration: { level: 'warning' } }]);
    expect(run.results![0]!.ruleIndex).toBe(0);
    expect(validate(log)).toBe(true);
  });
});
