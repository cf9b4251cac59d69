/**
 * variable-value-type: `variables:` values (top level, `default:`, jobs, and the `value:` of the
 * hash form) that are booleans, floats or null. ci.json allows booleans and numbers, but GitLab
 * validated a variable's value with `AlphanumericValidator` (String, Symbol or Integer) until the
 * `ScalarValidator` change (gitlab-org/gitlab!146503, GitLab 16.10): on those versions
 * `PUSH: true` fails pipeline creation with "variable definition must be either a string or a
 * hash". In a component it happens silently: `PUSH: $[[ inputs.push ]]` inserts the typed
 * `true` of a boolean input, quoted or not. A null value is not allowed by ci.json, was rejected
 * by the legacy variables validator (and in `value:` by the first hash-form validator), and is
 * an empty string elsewhere. Sources and versions: docs/rules/variable-value-type.md.
 */
import { isRubyFloat, isValueMap, YamlReference, type Value } from '../../gitlab/ruby/value.js';
import { rubyToS } from '../../gitlab/ruby/inspect.js';
import { positionIn, type PathSegment } from '../../gitlab/yaml/psych.js';
import { type Located, variablesOf } from '../../gitlab/jobs/located.js';
import { jobsOf } from '../../gitlab/jobs/model.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule, type Interpolation, type RenderedVariant, type ReportDescriptor, type RuleContext } from '../rule.js';

type MessageId = 'literal' | 'input' | 'nil';

/** GitLab's error for each form, on the versions that reject the value. */
const SIMPLE_ERROR = q('variable definition must be either a string or a hash');
const HASH_ERROR = q('config value must be an alphanumeric string');

/** `boolean`, `float`, `null`, or undefined for the types every GitLab version takes. */
function rejectedType(value: Value): 'boolean' | 'float' | 'null' | undefined {
  if (typeof value === 'boolean') return 'boolean';
  if (isRubyFloat(value)) return 'float';
  if (value === null) return 'null';
  return undefined;
}

/** The `variables:` mappings a rendered document defines: top level, `default:`, every job. */
function variableMaps(content: Value): Located[] {
  if (!isValueMap(content)) return [];
  const maps: Located[] = [];
  const add = (holder: Value | undefined, path: readonly PathSegment[]) => {
    if (isValueMap(holder) && holder.has('variables')) maps.push({ value: holder.get('variables') ?? null, path: [...path, 'variables'] });
  };
  add(content, []);
  add(content.get('default'), ['default']);
  for (const job of jobsOf(content)) add(job.job, job.path);
  return maps;
}

/** The `$[[ inputs.x ]]` block that is the whole source string of the rendered node at `at`, if any. */
function wholeValueInput(ctx: RuleContext<MessageId>, at: { line: number; column: number }): Interpolation | undefined {
  const content = ctx.target.source.content;
  if (!content) return undefined;
  return ctx.target.interpolations.find((block) => {
    if (block.context !== 'inputs' || block.inKey || block.insideString) return false;
    const source = positionIn(content, block.path, 'value');
    return source.line === at.line && source.column === at.column;
  });
}

export const variableValueType = defineRule<MessageId>({
  id: 'variable-value-type',
  description: 'variables: values must be strings or integers: GitLab before 16.10 rejects booleans and floats',
  severity: 'error',
  messages: {
    literal: '{{where}} is the {{type}} {{value}}, which GitLab before 16.10 rejects ({{error}}){{variant}}; quote it: {{fix}}',
    input:
      '{{where}} is the {{type}} input {{input}} inserted as the whole value, which GitLab before 16.10 rejects ({{error}}){{variant}}; ' +
      'quoting the block does not help: put it in a longer string, or assign it in the script ({{assignment}})',
    nil: '{{where}} is null{{variant}}: ci.json does not allow it, older GitLab versions reject it, newer ones make it an empty string; write {{fix}} if empty is meant',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      const suffix = variant.label === 'defaults' || variant.label === 'pipeline' ? '' : ` (with the inputs of ${variant.label})`;
      for (const map of variableMaps(variant.content)) {
        for (const [name, entry] of variablesOf(map)) {
          if (isValueMap(entry.value)) {
            if (entry.value.has('value')) check(ctx, report, variant, suffix, name, { value: entry.value.get('value') ?? null, path: [...entry.path, 'value'] }, true);
          } else if (!(entry.value instanceof YamlReference)) check(ctx, report, variant, suffix, name, entry, false);
        }
      }
    }
  },
});

function check(
  ctx: RuleContext<MessageId>,
  report: (descriptor: ReportDescriptor<MessageId>) => void,
  variant: RenderedVariant,
  suffix: string,
  name: string,
  entry: Located,
  hashForm: boolean,
): void {
  const type = rejectedType(entry.value);
  if (!type) return;
  const at = variant.locate(entry.path);
  const where = hashForm ? `"value:" of variable ${q(name)}` : `variable ${q(name)}`;
  const key = hashForm ? 'value' : name;
  if (type === 'null') {
    // `NAME:` with nothing after it has no value node: the finding points at the name.
    report({ messageId: 'nil', at: variant.locate(entry.path, 'key'), data: { where, variant: suffix, fix: `${key}: ""` } });
    return;
  }
  const value = rubyToS(entry.value);
  const error = hashForm ? HASH_ERROR : SIMPLE_ERROR;
  const block = wholeValueInput(ctx, at);
  if (block) {
    report({
      messageId: 'input',
      at: block.range,
      data: { where, type, input: q(block.name), error, variant: suffix, assignment: `${name}=${block.text}` },
    });
  } else {
    report({ messageId: 'literal', at, data: { where, type, value, error, variant: suffix, fix: `${key}: "${value}"` } });
  }
}
