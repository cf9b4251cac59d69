/**
 * The README section of one component, generated from what GitLab reads: `spec:description`, the
 * inputs table from `spec:inputs` (in declaration order, as GitLab validates them) and the job names
 * of the content document as written (an interpolated name such as `$[[ inputs.as ]]` is shown
 * as it is). Pure: the same component always gives the same text.
 */
import { toRubyJson } from '../../gitlab/ruby/json.js';
import { isValueMap, rubyEquals, type Value, type ValueMap } from '../../gitlab/ruby/value.js';
import type { HeaderSpec } from '../../gitlab/inputs/header.js';
import { isHiddenJobName, isJobEntry } from '../../gitlab/jobs/model.js';
import { inputType } from '../../gitlab/inputs/resolve.js';
import { inlineCode, table } from './markdown.js';

export interface InputDoc {
  readonly name: string;
  readonly type: string;
  /** Markdown for the default column. */
  readonly default: string;
  /** Markdown for the allowed-values column (empty when anything of the type goes). */
  readonly allowed: string;
  /** The description as written (escaped when the table is made). */
  readonly description: string;
}

export interface ComponentDoc {
  readonly name: string;
  readonly relativePath: string;
  readonly description: string | undefined;
  readonly jobs: readonly string[];
  readonly hiddenJobs: readonly string[];
  readonly globalKeywords: readonly string[];
  readonly inputs: readonly InputDoc[];
  readonly hasIncludedInputs: boolean;
}

/**
 * A value as JSON (which is also YAML flow syntax) with a space after each `,` and `:`:
 * `"build"`, `1`, `1.0`, `true`, `null`, `["a", "b"]`, `{"k": 1}`.
 */
export function flowValue(value: Value): string {
  if (Array.isArray(value)) return `[${value.map(flowValue).join(', ')}]`;
  if (isValueMap(value)) return `{${[...value].map(([k, v]) => `${toRubyJson(k)}: ${flowValue(v)}`).join(', ')}}`;
  return toRubyJson(value);
}

export const valueCode = (value: Value): string => inlineCode(flowValue(value));

const get = (spec: Value, key: string): Value | undefined => (isValueMap(spec) ? spec.get(key) : undefined);

/** Input names an `if:` expression reads (`$[[ inputs.name ]]`), in order of first use. */
export function ruleDependencies(rules: readonly Value[]): string[] {
  const names: string[] = [];
  for (const rule of rules) {
    const condition = get(rule, 'if');
    if (typeof condition !== 'string') continue;
    for (const match of condition.matchAll(/\$\[\[\s*inputs\.([\w-]+)\s*\]\]/g)) {
      const name = match[1] as string;
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Values in first-seen order without repeats (Ruby `==`, so `1` and `1.0` are one value). */
function distinct(values: readonly Value[]): Value[] {
  const out: Value[] = [];
  for (const value of values) if (!out.some((seen) => rubyEquals(seen, value))) out.push(value);
  return out;
}

/**
 * The default column. Without rules: the `default` value, or "required" when there is no `default`
 * key. With rules: what each rule gives (its `default`, else its first option, as GitLab does), in
 * rule order; "required" when GitLab treats the input as required (no rule has a `default` and
 * none is a fallback without `if`).
 */
function defaultCell(spec: Value, rules: readonly Value[] | undefined): string {
  if (!rules) return isValueMap(spec) && spec.has('default') ? valueCode(spec.get('default') ?? null) : 'required';
  const required = !rules.some((rule) => isValueMap(rule) && (rule.has('default') || !rule.has('if')));
  if (required) return 'required';
  const defaults: Value[] = [];
  for (const rule of rules) {
    if (!isValueMap(rule)) continue;
    if (rule.has('default')) defaults.push(rule.get('default') ?? null);
    else {
      const options = rule.get('options');
      if (Array.isArray(options) && options.length > 0) defaults.push(options[0] as Value);
    }
  }
  const shown = distinct(defaults);
  return shown.length === 1 ? valueCode(shown[0] as Value) : `${shown.map(valueCode).join(' or ')} (by rule)`;
}

function allowedCell(spec: Value, rules: readonly Value[] | undefined): string {
  const parts: string[] = [];
  const options = rules
    ? distinct(rules.flatMap((rule) => {
        const list = get(rule, 'options');
        return Array.isArray(list) ? list : [];
      }))
    : get(spec, 'options');
  if (Array.isArray(options) && options.length > 0) parts.push(options.map(valueCode).join(', '));
  const regex = get(spec, 'regex');
  if (typeof regex === 'string') parts.push(`matches ${inlineCode(regex)}`);
  const lines = [parts.join('; ')].filter((p) => p !== '');
  if (rules) {
    const dependencies = ruleDependencies(rules);
    if (dependencies.length > 0) lines.push(`depends on: ${dependencies.map(inlineCode).join(', ')}`);
  }
  return lines.join('\n');
}

function describeInput(name: string, spec: Value): InputDoc {
  const rulesValue = get(spec, 'rules');
  const rules = Array.isArray(rulesValue) ? rulesValue : undefined;
  const description = get(spec, 'description');
  return {
    name,
    type: inputType(spec) ?? String(get(spec, 'type')),
    default: defaultCell(spec, rules),
    allowed: allowedCell(spec, rules),
    description: description === undefined || description === null ? '' : String(description),
  };
}

/** The documentation model of a component whose header GitLab accepts. */
export function describeComponent(name: string, relativePath: string, spec: HeaderSpec, content: Value | undefined): ComponentDoc {
  const entries = isValueMap(content) ? [...(content as ValueMap)] : [];
  const keys = entries.map(([key]) => key);
  const jobKeys = entries.filter(([key, value]) => isJobEntry(key, value)).map(([key]) => key);
  return {
    name,
    relativePath,
    description: spec.description?.trim() || undefined,
    jobs: jobKeys.filter((k) => !isHiddenJobName(k)),
    hiddenJobs: keys.filter((k) => isHiddenJobName(k)),
    globalKeywords: keys.filter((k) => !jobKeys.includes(k)),
    inputs: [...spec.inputs].map(([inputName, inputSpec]) => describeInput(inputName, inputSpec)),
    hasIncludedInputs: spec.hasIncludedInputs,
  };
}

const codeList = (items: readonly string[]) => items.map(inlineCode).join(', ');

/**
 * The lines between the markers: a heading, the description, what the component defines, and the
 * inputs table. No trailing blank line; nothing that varies between runs.
 */
export function renderComponentSection(doc: ComponentDoc): string[] {
  const lines: string[] = [`### ${inlineCode(doc.name)}`, ''];
  if (doc.description) {
    // A description is one paragraph: blank lines inside it would end the section's structure.
    // `<!--` is escaped so a description can never be read as a marker or hide the rest.
    const paragraph = doc.description.split(/\r?\n/).map((line) => line.trimEnd().replace(/<!--/g, '&lt;!--'));
    lines.push(...paragraph.filter((line) => line !== ''), '');
  }
  const defines = [`Source: [${inlineCode(doc.relativePath)}](${doc.relativePath}).`];
  defines.push(doc.jobs.length > 0 ? `Jobs: ${codeList(doc.jobs)}.` : 'Jobs: none.');
  if (doc.hiddenJobs.length > 0) defines.push(`Hidden jobs (for \`extends:\`): ${codeList(doc.hiddenJobs)}.`);
  if (doc.globalKeywords.length > 0) defines.push(`Also sets the global keywords ${codeList(doc.globalKeywords)}.`);
  lines.push(defines.join(' '), '');
  if (doc.inputs.length === 0) lines.push('This component has no inputs.');
  else {
    lines.push(
      ...table(
        ['Input', 'Type', 'Default', 'Allowed values', 'Description'],
        doc.inputs.map((input) => [inlineCode(input.name), input.type, input.default, input.allowed, input.description]),
      ),
    );
  }
  if (doc.hasIncludedInputs) {
    lines.push('', 'More inputs come from the files under `spec:include`, which this table does not list.');
  }
  return lines;
}
