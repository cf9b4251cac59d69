/**
 * Where a YAML syntax error is reported. Something left open (a flow sequence or mapping, a quoted
 * scalar) is reported where it was opened, as libyaml reports it (its context mark): Psych says
 * "did not find expected ',' or ']' while parsing a flow sequence at line 1 column 4" for
 * `a: [a, b` and "found unexpected end of stream while scanning a quoted scalar at line 1 column 4"
 * for `a: "abc` (checked with Ruby 3.1 / Psych 4.0.3 / libyaml 0.2.5). The end of the file, where the
 * yaml library notices it, says nothing about which bracket or quote was left open.
 */
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';

const positions = (text: string) =>
  parseYamlDocuments(text, 't.yml')
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.start.line}:${d.start.column}`);

describe('something left open is reported where it opens', () => {
  it.each([
    ['a flow sequence in a block mapping', 'a: [a, b\n', ['1:4']],
    ['a nested one, with lines after it', 'a:\n  b: [a, b\nc: 1\n', ['2:6']],
    ['a flow sequence at the top', '[a, b\n', ['1:1']],
    ['a flow mapping', 'a: {x: 1\n', ['1:4']],
    ['a flow mapping inside a flow sequence', 'x: [a, {b: 1\n', ['1:4', '1:8']],
    ['a double-quoted scalar', 'a: "abc\nb: 1\n', ['1:4']],
    ['a single-quoted scalar', "a: 'abc\n", ['1:4']],
  ])('%s', (_name, text, expected) => {
    expect(positions(text).sort()).toEqual(expected);
  });

  it('a closed one does not draw another mistake to it', () => {
    const found = positions('a: [a, b]\nb: c: d\n');
    expect(found).not.toContain('1:4');
    expect(found.every((at) => at.startsWith('2:'))).toBe(true);
  });
});
