// The engine with a test-local rule (a fixture, not a stand-in for anything real): positions
// through rendering, inline disables, configuration, ignores, ordering.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../scripts/core/diagnostic.js';
import { isValueMap } from '../../scripts/gitlab/ruby/value.js';
import { globToRegExp, parseConfig, type LintConfig } from '../../scripts/lint/config.js';
import { defineRule } from '../../scripts/lint/rule.js';
import { lintProject } from '../../scripts/lint/run.js';
import { componentTarget } from '../../scripts/lint/target.js';

/** Reports every job (top-level key) of every rendered variant whose `stage` is "forbidden". */
const forbiddenStage = defineRule({
  id: 'forbidden-stage',
  description: 'test rule',
  severity: 'warning',
  messages: { found: 'job {{job}} uses the forbidden stage ({{variant}})' },
  check(ctx) {
    for (const variant of ctx.target.variants) {
      if (!isValueMap(variant.content)) continue;
      for (const [job, body] of variant.content) {
        if (isValueMap(body) && body.get('stage') === 'forbidden') {
          ctx.report({ messageId: 'found', data: { job: JSON.stringify(job), variant: variant.label }, at: variant.locate([job, 'stage']) });
        }
      }
    }
  },
});

const TEMPLATE = `spec:
  inputs:
    as:
      default: build
    stage:
      default: forbidden
---
"$[[ inputs.as ]]":
  stage: $[[ inputs.stage ]]
  script: echo hi
other:
  # catalog-lint-disable-next-line forbidden-stage
  stage: forbidden
  script: echo hi
`;

const noConfig: LintConfig = { rules: new Map(), ignores: [] };
const run = (text: string, config = noConfig, examples: { component: string; label: string; inputs: Map<string, never> }[] = []) =>
  lintProject({ root: '.', targets: [componentTarget('templates/c.yml', 'c', text, examples)] }, [forbiddenStage], { shellcheck: false }, config).then((d) =>
    d.map(formatDiagnostic),
  );

describe('lint engine', () => {
  it('maps findings in rendered content back to the template line, honouring disable comments', async () => {
    expect(await run(TEMPLATE)).toEqual(['templates/c.yml:9:10: job "build" uses the forbidden stage (defaults) [forbidden-stage]']);
  });

  it('renders each example input set as its own variant', async () => {
    const examples = [{ component: 'c', label: 'examples/x.yml:3:5', inputs: new Map([['as', 'second']]) as Map<string, never> }];
    expect(await run(TEMPLATE, noConfig, examples)).toEqual([
      'templates/c.yml:9:10: job "build" uses the forbidden stage (defaults) [forbidden-stage]',
      'templates/c.yml:9:10: job "second" uses the forbidden stage (examples/x.yml:3:5) [forbidden-stage]',
    ]);
  });

  it('applies severities and off from the configuration', async () => {
    const asError = parseConfig('rules:\n  forbidden-stage: error\n', '.catalog-lint.yml', ['forbidden-stage']);
    expect((await run(TEMPLATE, asError))[0]).toContain('[forbidden-stage]');
    const off = parseConfig('rules:\n  forbidden-stage: off\n', '.catalog-lint.yml', ['forbidden-stage']);
    expect(await run(TEMPLATE, off)).toEqual([]);
  });

  it('drops findings in ignored paths', async () => {
    const ignore = parseConfig('ignores:\n  - "templates/**"\n', '.catalog-lint.yml', ['forbidden-stage']);
    expect(await run(TEMPLATE, ignore)).toEqual([]);
  });

  it("reports GitLab's own findings (unknown input) with the rules' findings", async () => {
    const broken = TEMPLATE.replace('$[[ inputs.stage ]]', '$[[ inputs.stgae ]]');
    expect(await run(broken)).toEqual(['templates/c.yml:9:10: unknown interpolation provided: `stgae` in `inputs.stgae` [interpolation]']);
  });
});

describe('lint configuration', () => {
  it('rejects unknown rules and settings with the file position', () => {
    expect(() => parseConfig('rules:\n  nope: error\n', '.catalog-lint.yml', ['a'])).toThrow('.catalog-lint.yml:2:3: unknown rule "nope"');
    expect(() => parseConfig('rules:\n  a: loud\n', '.catalog-lint.yml', ['a'])).toThrow('.catalog-lint.yml:2:6: "a" must be one of off, info, warning, error');
    expect(() => parseConfig('rulez: {}\n', '.catalog-lint.yml', ['a'])).toThrow('.catalog-lint.yml:1:1: unknown key "rulez"');
  });

  it('matches globs: * within a segment, ** across', () => {
    expect(globToRegExp('examples/**').test('examples/a/b.yml')).toBe(true);
    expect(globToRegExp('templates/*.yml').test('templates/a.yml')).toBe(true);
    expect(globToRegExp('templates/*.yml').test('templates/a/template.yml')).toBe(false);
    expect(globToRegExp('**/x.yml').test('x.yml')).toBe(true);
  });
});
