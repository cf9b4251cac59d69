/**
 * ESLint-style rule tester: `valid` component texts must give no finding of the rule; each
 * `invalid` case must give exactly the listed findings (message id, line, column, data).
 * Like ESLint's, it refuses invalid cases without errors and duplicate cases.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../scripts/core/diagnostic.js';
import { formatMessage, type LintSettings, type Rule } from '../../scripts/lint/rule.js';
import { lintProject } from '../../scripts/lint/run.js';
import { componentTarget, pipelineTarget } from '../../scripts/lint/target.js';

export interface ExpectedFinding {
  readonly messageId: string;
  readonly line: number;
  readonly column: number;
  readonly data?: Readonly<Record<string, string | number>>;
}

export interface InvalidCase {
  readonly code: string;
  readonly errors: readonly ExpectedFinding[];
  /** Lint the text as a pipeline instead of a component. */
  readonly pipeline?: boolean;
  readonly name?: string;
}

export interface RuleTests {
  readonly valid: readonly (string | { code: string; pipeline?: boolean; name?: string })[];
  readonly invalid: readonly InvalidCase[];
}

const SETTINGS: LintSettings = { shellcheck: true };

export async function lintText(rule: Rule, code: string, pipeline = false, settings: LintSettings = SETTINGS): Promise<Diagnostic[]> {
  const target = pipeline ? pipelineTarget('pipeline.yml', code) : componentTarget('templates/component.yml', 'component', code);
  const all = await lintProject({ root: '.', targets: [target] }, [rule], settings, { rules: new Map(), ignores: [] });
  return all.filter((d) => d.ruleId === rule.id);
}

export function ruleTester(rule: Rule, tests: RuleTests, settings: LintSettings = SETTINGS): void {
  const codes = [...tests.valid.map((v) => (typeof v === 'string' ? v : v.code)), ...tests.invalid.map((c) => c.code)];
  const duplicate = codes.find((code, i) => codes.indexOf(code) !== i);
  describe(rule.id, () => {
    it('has no duplicate test cases', () => expect(duplicate).toBeUndefined());
    tests.valid.forEach((valid, i) => {
      const { code, pipeline, name } = typeof valid === 'string' ? { code: valid, pipeline: false, name: undefined } : valid;
      it(`valid #${i + 1}${name ? `: ${name}` : ''}`, async () => {
        expect((await lintText(rule, code, pipeline, settings)).map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([]);
      });
    });
    tests.invalid.forEach((invalid, i) => {
      it(`invalid #${i + 1}${invalid.name ? `: ${invalid.name}` : ''}`, async () => {
        expect(invalid.errors.length, 'Invalid cases must have at least one error').toBeGreaterThan(0);
        const found = await lintText(rule, invalid.code, invalid.pipeline ?? false, settings);
        const expected = invalid.errors.map((e) => ({
          line: e.line,
          column: e.column,
          message: formatMessage(rule.messages[e.messageId] ?? `unknown messageId ${e.messageId}`, e.data),
        }));
        expect(found.map((d) => ({ line: d.start.line, column: d.start.column, message: d.message }))).toEqual(expected);
      });
    });
  });
}
