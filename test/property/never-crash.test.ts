/**
 * Random templates and inputs never crash the toolkit and never make it run away: every case is
 * read, validated (`catalog validate`'s findings), loaded with its inputs (`catalog interpolate`)
 * and, when it loads, written back as YAML and JSON (`catalog render`'s and `interpolate`'s output),
 * in a worker with a time bound per case; a case that throws or runs past the bound fails.
 * Templates are made two ways: from parts of real components (inputs of every kind and shape,
 * `$[[ ]]` blocks with real and wrong functions, anchors, aliases, merge keys, tags, control
 * characters), and as raw text over YAML's own punctuation.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BoundedWorker } from '../helpers/bounded-worker.js';

interface Case {
  readonly text: string;
  readonly inputs: string; // JSON of the include's inputs
}

const worker = new BoundedWorker<Case, { loaded: boolean; findings: number }>(
  ['scripts/gitlab/component/source.js', 'scripts/catalog/validate.js', 'scripts/gitlab/component/load.js', 'scripts/gitlab/ruby/json.js', 'scripts/gitlab/yaml/psych.js'],
  `async ([source, validate, load, json, psych], { text, inputs }) => {
    const findings = validate.validateComponentSource(source.parseComponentSource(text, 't.yml')).length;
    const parsed = json.parseRubyJson(inputs);
    const result = load.loadComponentText(text, 't.yml', { inputs: parsed.ok ? parsed.value : undefined });
    if (result.ok) {
      psych.stringifyYaml(result.content);
      json.toRubyJson(result.content, 2);
    } else if (typeof result.message !== 'string' || result.message === '') {
      throw new Error('a failed load without a message');
    }
    return { loaded: result.ok, findings };
  }`,
  // Far beyond what any of these cases needs (milliseconds); a case past it is running away.
  15_000,
);
afterAll(() => worker.close());

const NAMES = ['a', 'b', 'stage', 'x-y', 'n1'];
const name = fc.constantFrom(...NAMES);
const scalar = fc.oneof(
  fc.constantFrom('yes', '~', 'null', '1e3', '0x1F', '010', '1:20', '.inf', '2024-01-01', '"q"', "'s'", '""', 'a b', '$(id)', '`id`', "it's", '\\\\', 'é', '😀'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
);
const fn = fc.constantFrom('posix_escape', 'expand_vars', 'truncate(0,3)', 'truncate(1, 2', 'truncate(a,1)', "split(',')", "split('')", 'shout', '');
const block = fc
  .tuple(fc.constantFrom('inputs', 'component', 'matrix', 'env', 'inputs.a', ''), name, fc.array(fn, { maxLength: 4 }), fc.constantFrom(' ', '', '  '))
  .map(([context, input, fns, space]) => `$[[${space}${[`${context}.${input}`, ...fns].join(' | ')}${space}]]`);
const value = fc.oneof(
  scalar,
  block.map((b) => JSON.stringify(b)),
  fc.tuple(scalar, block).map(([s, b]) => JSON.stringify(`echo ${s} ${b}`)),
  fc.array(fc.oneof(scalar, block.map((b) => JSON.stringify(b))), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
  fc.constantFrom('*anchor', '{<<: *anchor, k: v}', '!ruby/object:Foo {a: 1}', '!reference [.x, script]', '[', '{a: 1', '"\u0001"', '|\n    literal'),
);
const inputSpec = fc
  .record(
    {
      type: fc.constantFrom('string', 'number', 'boolean', 'array', 'datetime'),
      default: scalar,
      options: fc.array(scalar, { maxLength: 4 }).map((o) => `[${o.join(', ')}]`),
      regex: fc.constantFrom('^a', 'a++', '[', '(?!x)', '^[a-z]+$', '\\d'),
      description: scalar,
      rules: fc.constantFrom('[{if: $[[ inputs.a ]] == "x", options: [x]}, {options: [y]}]', '[{if: "((", options: [a]}]', 'x', '[{default: 1}]'),
      bad: scalar,
    },
    { requiredKeys: [] },
  )
  .map((spec) => Object.entries(spec).map(([k, v]) => `      ${k}: ${v}`).join('\n'));

const structured = fc
  .tuple(
    fc.array(fc.tuple(name, fc.option(inputSpec)), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(name, block), fc.array(fc.tuple(fc.constantFrom('script', 'stage', 'image', 'needs', 'variables', 'rules'), value), { maxLength: 4 })), { maxLength: 4 }),
    fc.boolean(),
  )
  .map(([inputs, jobs, anchor]) => {
    const header = `spec:\n  inputs:\n${inputs.map(([n, spec]) => `    ${n}:${spec ? `\n${spec}` : ''}`).join('\n')}\n`;
    const body = jobs.map(([job, keys]) => `${JSON.stringify(job)}:\n${keys.map(([k, v]) => `  ${k}: ${v}`).join('\n') || '  script: x'}`).join('\n');
    return `${header}---\n${anchor ? 'anchored: &anchor {k: v}\n' : ''}${body}\n`;
  });

const YAML_PUNCTUATION = [...'abc:-?,[]{}#&*!|>\'"%@` \n\t$\\', '$[[', ']]', 'inputs.', '---\n', '<<', '\u0000', '\u00e9', '\uFEFF'];
const raw = fc.array(fc.constantFrom(...YAML_PUNCTUATION), { maxLength: 120 }).map((parts) => parts.join(''));

const inputs = fc.oneof(
  fc.dictionary(name, fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), fc.constant(null)), { maxKeys: 3 }).map((d) => JSON.stringify(d)),
  fc.constantFrom('[]', '"x"', '{"a": {"b": {"c": {"d": 1}}}}'),
);

const survives = async (text: string, given: string) => {
  const answer = await worker.run({ text, inputs: given });
  expect(answer, `template:\n${text}\ninputs: ${given}`).toMatchObject({ kind: 'done' });
};

describe('random templates and inputs', () => {
  it('made from parts of components: read, validated, loaded and written back without a crash or a hang', async () => {
    await fc.assert(fc.asyncProperty(structured, inputs, survives), { numRuns: 300 });
  });

  it('made of YAML punctuation: the same', async () => {
    await fc.assert(fc.asyncProperty(raw, inputs, survives), { numRuns: 300 });
  });
});
