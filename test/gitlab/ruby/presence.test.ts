/**
 * ActiveSupport `Object#present?` (activesupport lib/active_support/core_ext/object/blank.rb):
 * nil and false are blank, a String is blank when it matches `/\A[[:space:]]*\z/` (Onigmo's
 * Unicode `[[:space:]]`: the White_Space characters, NEL U+0085 included, BOM U+FEFF not), an
 * Array or Hash when it is empty; numbers and true are present.
 */
import { describe, expect, it } from 'vitest';

import { isPresent } from '../../../scripts/gitlab/ruby/presence.js';
import { RubyFloat, type Value } from '../../../scripts/gitlab/ruby/value.js';

describe('isPresent (Object#present?)', () => {
  it.each<[string, Value | undefined, boolean]>([
    ['nil', null, false],
    ['absent', undefined, false],
    ['false', false, false],
    ['true', true, true],
    ['0', 0, true],
    ['0.0', new RubyFloat(0), true],
    ['empty string', '', false],
    ['spaces, tabs and newlines', ' \t\r\n\f\v', false],
    ['no-break and ideographic spaces', '\u00a0\u3000\u2028', false],
    ['NEL (White_Space, not JavaScript \\s)', '\u0085', false],
    ['BOM (JavaScript \\s, not White_Space)', '\ufeff', true],
    ['text', ' x ', true],
    ['empty array', [], false],
    ['array of nil', [null], true],
    ['empty hash', new Map(), false],
    ['hash', new Map([['a', null]]), true],
  ])('%s', (_name, value, expected) => {
    expect(isPresent(value)).toBe(expected);
  });
});
