/**
 * GitLab `ExpandVariables` (lib/expand_variables.rb).
 *
 * Where an expected value comes from:
 * - "spec: <file>" is an example ported from gitlabhq/gitlabhq's RSpec files;
 * - "doc" is an example from Ruby's documentation or ruby/ruby's source comments or tests;
 * - "ruby" is the output of running the expression in Ruby (Ruby 3.1.2 with Oj 3.14.2, checked by
 *   hand; the methods involved did not change up to 3.3 unless noted);
 * - "src" is derived by reading the named C/Ruby source where running Ruby was not possible.
 */
import { describe, expect, it } from 'vitest';

import { ToolkitError } from '../../scripts/core/errors.js';
import { interpolateTemplate } from '../../scripts/gitlab/interpolation/template.js';
import { fromPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { expandExisting, sortAndExpandAll } from '../../scripts/gitlab/variables.js';

describe('expandExisting (ExpandVariables.expand_existing)', () => {
  const run = (value: string, variables: { key: string; value: string; masked?: boolean }[], failOnMasked = false) =>
    expandExisting(value, variables, failOnMasked);

  // spec: spec/lib/expand_variables_spec.rb, 'common variable expansion' (for #expand_existing)
  it.each<[string, string, string, { key: string; value: string }[]]>([
    ['no expansion', 'key', 'key', []],
    ['simple expansion', 'key$variable', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['complex expansion', 'key${variable}', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['expansion using %', 'key%variable%', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['multiple simple expansions', 'key$variable$variable2', 'keyvalueresult', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['multiple complex expansions', 'key${variable}${variable2}', 'keyvalueresult', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['nested expansion is not expanded', 'key$variable$variable2', 'keyvalue$variable3', [
      { key: 'variable', value: 'value' }, { key: 'variable2', value: '$variable3' }, { key: 'variable3', value: 'result' },
    ]],
    ['out-of-order expansion', 'key$variable2$variable', 'keyresultvalue', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['out-of-order complex expansion', 'key${variable2}${variable}', 'keyresultvalue', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['review-apps expansion', 'review/$CI_COMMIT_REF_NAME', 'review/feature/add-review-apps', [{ key: 'CI_COMMIT_REF_NAME', value: 'feature/add-review-apps' }]],
    // 'with missing variables' for #expand_existing
    ['missing variable', 'key$variable', 'key$variable', []],
    ['complex expansions with missing variable', 'key${variable}${variable2}', 'keyvalue${variable2}', [{ key: 'variable', value: 'value' }]],
    ['complex expansions with missing variable for Windows', 'key%variable%%variable2%', 'keyvalue%variable2%', [{ key: 'variable', value: 'value' }]],
  ])('expand_variables_spec: %s', (_name, value, expected, variables) => {
    expect(run(value, variables)).toEqual({ ok: true, value: expected });
  });

  describe('masked variables', () => {
    // spec: spec/lib/expand_variables_spec.rb, 'masked variable expansion with fail_on_masked true/false'
    it.each<[string, string, { key: string; value: string; masked: boolean }[], string]>([
      ['simple expansion with a masked variable', 'key$variable', [{ key: 'variable', value: 'value', masked: true }], 'keyvalue'],
      ['complex expansion with a masked variable', 'key${variable}${variable2}', [
        { key: 'variable', value: 'value', masked: true }, { key: 'variable2', value: 'result', masked: false },
      ], 'keyvalueresult'],
      ['expansion using % with a masked variable', 'key%variable%', [{ key: 'variable', value: 'value', masked: true }], 'keyvalue'],
    ])('%s', (_name, value, variables, withoutFailing) => {
      expect(run(value, variables, true)).toEqual({ ok: false, error: 'masked' });
      expect(run(value, variables, false)).toEqual({ ok: true, value: withoutFailing });
    });

    it('expands unmasked variables with fail_on_masked true', () => {
      const variables = [{ key: 'variable', value: 'value', masked: false }, { key: 'variable2', value: 'result', masked: false }];
      expect(run('key$variable${variable2}', variables, true)).toEqual({ ok: true, value: 'keyvalueresult' });
    });

    it('only fails when a masked variable is referenced', () => {
      // src: lib/expand_variables.rb raises inside the gsub block, i.e. only for a matched, known, masked variable
      const variables = [{ key: 'SECRET', value: 's', masked: true }, { key: 'A', value: 'a' }];
      expect(run('$A and $UNKNOWN', variables, true)).toEqual({ ok: true, value: 'a and $UNKNOWN' });
      expect(run('no refs', variables, true)).toEqual({ ok: true, value: 'no refs' });
      expect(run('$A then %SECRET%', variables, true)).toEqual({ ok: false, error: 'masked' });
    });
  });

  // spec: spec/lib/gitlab/ci/config/interpolation/functions/expand_vars_spec.rb
  describe('expand_vars_spec', () => {
    const variables = [
      { key: 'VAR1', value: 'value1', masked: false },
      { key: 'VAR2', value: 'value2', masked: false },
      { key: 'NESTED_VAR', value: '$MY_VAR', masked: false },
      { key: 'MASKED_VAR', value: 'masked', masked: true },
    ];
    it.each([
      ['$VAR1', 'value1'],
      ['$NESTED_VAR', '$MY_VAR'],
      ['$UNKNOWN_VAR', '$UNKNOWN_VAR'],
      ['${VAR1} $VAR2 %VAR1%', 'value1 value2 value1'],
    ])('%s → %s', (value, expected) => {
      expect(expandExisting(value, variables, true)).toEqual({ ok: true, value: expected });
    });
    it('fails on $MASKED_VAR', () => {
      expect(expandExisting('$MASKED_VAR', variables, true)).toEqual({ ok: false, error: 'masked' });
    });
  });

  it('lets the last variable with a repeated key win', () => {
    // src: lib/gitlab/ci/variables/collection.rb `def [](key) all(key)&.last end`
    const variables = [{ key: 'A', value: 'first' }, { key: 'A', value: 'second' }];
    expect(run('$A', variables)).toEqual({ ok: true, value: 'second' });
  });

  it('matches names the way VARIABLES_REGEXP does', () => {
    // ruby: gsub with /\$([a-zA-Z_][a-zA-Z0-9_]*)|\${\g<1>}|%\g<1>%/
    const variables = [{ key: 'x', value: 'X' }, { key: 'x_1', value: 'Y' }];
    expect(run('$$x %%x% ${x $1x $x_1é %x 1%', variables)).toEqual({ ok: true, value: '$X %X ${x $1x Yé %x 1%' });
    expect(run('${x}', variables)).toEqual({ ok: true, value: 'X' });
    expect(run('a%x%x%', variables)).toEqual({ ok: true, value: 'aXx%' });
  });

  it('inserts values literally (no backslash or $ processing)', () => {
    // src: gsub with a block inserts the block's value as is
    expect(run('$A', [{ key: 'A', value: '\\0 $& $1 ${B}' }, { key: 'B', value: 'b' }])).toEqual({ ok: true, value: '\\0 $& $1 ${B}' });
  });
});

describe('expansion that would make text without end', () => {
  const refs = '$A'.repeat(500_000);
  const big = { key: 'A', value: 'y'.repeat(1000) };

  it('expand_vars stops with the interpolation walk\'s own "config too large", without building the text', () => {
    const result = interpolateTemplate(fromPlain({ job: { script: '$[[ inputs.x | expand_vars ]]' } }), {
      context: fromPlain({ inputs: { x: refs }, component: {} }) as ValueMap,
      variables: [big],
    });
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual(['config too large']);
  });

  it('variables that expand each other nine times over stop with a plain error, not a crash', () => {
    const levels = Array.from({ length: 12 }, (_, i) => ({ key: `L${i}`, value: i === 0 ? 'lol'.repeat(10) : `$L${i - 1}`.repeat(9) }));
    expect(() => sortAndExpandAll(levels)).toThrow(ToolkitError);
    expect(() => sortAndExpandAll(levels)).toThrow('variable expansion would make more than 64 MiB of text');
  });
});
