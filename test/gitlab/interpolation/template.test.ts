// Expected values follow gitlab-semantics.md §3 (template.rb, config.rb) and the typed example of
// doc/ci/inputs/_index.md; splicing follows spec/lib/gitlab/ci/config/interpolation/config_spec.rb.
import { describe, expect, it } from 'vitest';
import { fromPlain, toPlain, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { interpolateTemplate, MAX_BLOCKS, MAX_NODES } from '../../../scripts/gitlab/interpolation/template.js';

const run = (content: unknown, inputs: Record<string, unknown>) =>
  interpolateTemplate(fromPlain(content), {
    context: fromPlain({ inputs, component: {} }) as ValueMap,
    variables: [],
  });
const ok = (content: unknown, inputs: Record<string, unknown>): unknown => {
  const result = run(content, inputs);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join(', '));
  return toPlain(result.value);
};
const messages = (content: unknown, inputs: Record<string, unknown>) => {
  const result = run(content, inputs);
  return result.ok ? [] : result.errors.map((e) => e.message);
};

describe('interpolateTemplate', () => {
  const typed = { array_input: ['a', 'b'], boolean_input: true, number_input: 3, string_input: 'echo hi' };

  it('inserts typed values when a string is exactly one block (docs example)', () => {
    expect(
      ok(
        {
          test_job: {
            allow_failure: '$[[ inputs.boolean_input ]]',
            needs: '$[[ inputs.array_input ]]',
            parallel: '$[[ inputs.number_input ]]',
            script: '$[[ inputs.string_input ]]',
            after_script: 'curl "https://x:$[[ inputs.number_input ]]"',
          },
        },
        typed,
      ),
    ).toEqual({
      test_job: { allow_failure: true, needs: ['a', 'b'], parallel: 3, script: 'echo hi', after_script: 'curl "https://x:3"' },
    });
  });

  it('uses Array#inspect and to_s inside larger strings', () => {
    expect(ok({ a: 'list: $[[ inputs.array_input ]]', b: 'flag=$[[ inputs.boolean_input ]]' }, typed)).toEqual({
      a: 'list: ["a", "b"]',
      b: 'flag=true',
    });
  });

  it('treats two blocks making up the whole string as string interpolation', () => {
    expect(ok({ a: '$[[ inputs.number_input ]]$[[ inputs.number_input ]]' }, typed)).toEqual({ a: '33' });
  });

  it('keeps the string "true" a string', () => {
    expect(ok({ a: '$[[ inputs.s ]]' }, { s: 'true' })).toEqual({ a: 'true' });
  });

  it('splices an array item that becomes an array (config_spec)', () => {
    expect(ok({ rules: ['rule 1', '$[[ inputs.r ]]', 'rule 3'] }, { r: ['rule 2'] })).toEqual({ rules: ['rule 1', 'rule 2', 'rule 3'] });
    expect(ok({ rules: '$[[ inputs.r ]]' }, { r: ['test'] })).toEqual({ rules: ['test'] });
  });

  it('interpolates keys as well as values', () => {
    expect(ok({ '$[[ inputs.job ]]': { script: 'echo $[[ inputs.job ]]' } }, { job: 'build' })).toEqual({ build: { script: 'echo build' } });
  });

  it('leaves matrix blocks and strings without a valid block untouched', () => {
    expect(ok({ a: 'x $[[ matrix.ARCH ]] y', b: '$[[ a ]]', c: '$[ inputs.x ]' }, {})).toEqual({
      a: 'x $[[ matrix.ARCH ]] y',
      b: '$[[ a ]]',
      c: '$[ inputs.x ]',
    });
  });

  it('accepts blocks without inner spaces', () => {
    expect(ok({ a: '$[[inputs.s]]' }, { s: 'v' })).toEqual({ a: 'v' });
  });

  it('never touches numbers, booleans or null', () => {
    expect(ok({ a: 1, b: true, c: null }, {})).toEqual({ a: 1, b: true, c: null });
  });

  it('stops a node at its first invalid block (interpolator_spec "multiple interpolation blocks are invalid")', () => {
    expect(messages({ test: 'deploy $[[ inputs.something.abc ]] $[[ inputs.cde ]] $[[ efg ]]' }, { website: 'x' })).toEqual([
      'unknown interpolation provided: `something` in `inputs.something.abc`',
    ]);
  });

  it('stops the whole walk at the first invalid block (template.rb: `break` inside replace!)', () => {
    expect(messages({ a: '$[[ inputs.x ]]', b: '$[[ inputs.y ]]' }, {})).toEqual(['unknown interpolation provided: `x` in `inputs.x`']);
  });

  it('collects every invalid block with its path when asked to go on (catalog validate)', () => {
    const result = interpolateTemplate(fromPlain({ a: '$[[ inputs.x ]]', b: ['$[[ inputs.y ]]'] }), {
      context: fromPlain({ inputs: {}, component: {} }) as ValueMap,
      variables: [],
      stopAtFirstInvalid: false,
    });
    expect(result.ok ? [] : result.errors).toEqual([
      { message: 'unknown interpolation provided: `x` in `inputs.x`', path: ['a'], block: '$[[ inputs.x ]]' },
      { message: 'unknown interpolation provided: `y` in `inputs.y`', path: ['b', 0], block: '$[[ inputs.y ]]' },
    ]);
  });

  it("reads backslash sequences in a value inserted into a longer string as Ruby's gsub does (derived)", () => {
    // posix_escape("it's") is `it\'s`; inside a longer string `\'` is gsub's post-match, here " done".
    expect(ok({ a: "echo $[[ inputs.s | posix_escape ]] done" }, { s: "it's" })).toEqual({ a: 'echo it dones done' });
  });

  it('rejects more than three functions in a block', () => {
    expect(messages({ a: '$[[ inputs.s | posix_escape | posix_escape | posix_escape | posix_escape ]]' }, { s: 'x' })).toEqual([
      'too many functions in interpolation block',
    ]);
  });

  it('rejects a string node over 1 MB', () => {
    expect(messages({ a: 'x'.repeat(1024 * 1024 + 1) }, {})).toEqual(['config node too large']);
  });

  it(`counts the nodes an inserted value brings, each time it is inserted: an input inserted into many places cannot make more than ${MAX_NODES} nodes`, () => {
    // GitLab's walk does not look into inserted values, and then expands them (deep_symbolize_keys):
    // a 1,000-item array inserted into 1,000 keys is a million nodes GitLab never refuses, but runs out
    // of time on. The toolkit stops at the walk's own limit instead (docs/parity.md).
    const content = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, '$[[ inputs.list ]]']));
    const list = Array.from({ length: 1000 }, (_, i) => `item${i}`);
    expect(messages(content, { list })).toEqual(['config too large']);
    // The same array inserted into 400 keys makes about 400,000 nodes in all: under the limit.
    const fewer = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, '$[[ inputs.list ]]']));
    expect(messages(fewer, { list })).toEqual([]);
  });

  it(`rejects a document of more than ${MAX_NODES} nodes (config.rb: every hash, key, value and item counts)`, () => {
    // The root array and its items: MAX_NODES items make MAX_NODES + 1 visits.
    expect(messages(Array.from({ length: MAX_NODES }, () => 1), {})).toEqual(['config too large']);
    expect(messages(Array.from({ length: MAX_NODES - 1 }, () => 1), {})).toEqual([]);
  });

  it(`rejects more than ${MAX_BLOCKS} distinct blocks`, () => {
    const content = Array.from({ length: MAX_BLOCKS + 1 }, (_, i) => `$[[ inputs.s${i} ]]`);
    const inputs = Object.fromEntries(content.map((_, i) => [`s${i}`, 'v']));
    expect(messages({ a: content }, inputs)).toEqual(['too many interpolation blocks']);
  });

  it('returns the whole value of a hash element inside an array', () => {
    const out = ok({ a: '$[[ inputs.r[0] ]]' }, { r: [{ if: '$CI' }] }) as { a: Value };
    expect(out.a).toEqual({ if: '$CI' });
  });
});
