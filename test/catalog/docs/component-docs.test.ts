import { describe, expect, it } from 'vitest';
import type { ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { describeComponent, flowValue, renderComponentSection, ruleDependencies } from '../../../scripts/catalog/docs/component-docs.js';
import { inlineCode, tableCell } from '../../../scripts/catalog/docs/markdown.js';
import { validateHeader } from '../../../scripts/gitlab/inputs/header.js';
import { parseComponentSource } from '../../../scripts/gitlab/component/source.js';

function section(text: string, name = 'c'): string[] {
  const source = parseComponentSource(text, `templates/${name}.yml`);
  if (!source.header) throw new Error('no header');
  const header = validateHeader(source.header.value as ValueMap);
  expect(header.errors).toEqual([]);
  return renderComponentSection(describeComponent(name, `templates/${name}.yml`, header.spec, source.content?.value));
}

const rows = (lines: readonly string[]) => lines.filter((line) => line.startsWith('| `'));

describe('markdown helpers', () => {
  it('inline code picks a fence longer than any backtick run and pads when needed', () => {
    expect(inlineCode('a')).toBe('`a`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('a``b')).toBe('```a``b```');
  });

  it('table cells escape pipes and turn line breaks into <br>', () => {
    expect(tableCell('a | b')).toBe('a \\| b');
    expect(tableCell('`a|b`')).toBe('`a\\|b`');
    expect(tableCell('one\ntwo\r\nthree\n')).toBe('one<br>two<br>three');
    expect(tableCell('  ')).toBe('');
  });

  it('values are JSON, which YAML reads the same way', () => {
    const doc = parseComponentSource('spec:\n  inputs:\n    x:\n      default: {a: [1, 2.0, "s", null, true]}\n---\nj: {}\n', 't.yml');
    const spec = validateHeader(doc.header?.value as ValueMap).spec;
    const x = spec.inputs.get('x') as ValueMap;
    expect(flowValue(x.get('default') ?? null)).toBe('{"a": [1, 2.0, "s", null, true]}');
  });
});

describe('component section', () => {
  it('documents every kind of input', () => {
    const lines = section(
      [
        'spec:',
        '  inputs:',
        '    bare:',
        '    flag:',
        '      type: boolean',
        '      default: false',
        '      description: "Turns | things\\non"',
        '    count:',
        '      type: number',
        '      default: 1.0',
        '      options: [1, 2]',
        '    version:',
        '      default: v1',
        '      regex: ^v[0-9]+(\\|x)?$',
        '      options: [v1, v2]',
        '    empty:',
        '      default: ""',
        '      description: required only in spirit',
        '    nothing:',
        '      default: null',
        '    tick:',
        '      default: "`"',
        '---',
        'j: {script: x}',
      ].join('\n'),
    );
    expect(rows(lines)).toEqual([
      '| `bare` | string | required | | |',
      '| `flag` | boolean | `false` | | Turns \\| things<br>on |',
      '| `count` | number | `1.0` | `1`, `2` | |',
      '| `version` | string | `"v1"` | `"v1"`, `"v2"`; matches `^v[0-9]+(\\\\|x)?$` | |',
      '| `empty` | string | `""` | | required only in spirit |',
      '| `nothing` | string | `null` | | |',
      '| `tick` | string | ``"`"`` | | |',
    ]);
  });

  it('documents rules-based inputs: per-rule defaults, the union of rule options and what they depend on', () => {
    const lines = section(
      [
        'spec:',
        '  inputs:',
        '    engine:',
        '      options: [docker, podman]',
        '      default: docker',
        '    tier:',
        '      default: dev',
        '    driver:',
        '      description: Builder driver.',
        '      rules:',
        '        - if: $[[ inputs.engine ]] == "docker" && $[[ inputs.tier ]] == "prod"',
        '          options: [docker-container, remote]',
        '        - if: $[[ inputs.engine ]] == "podman"',
        '          options: [native]',
        '          default: native',
        '        - options: [docker-container]',
        '    strict:',
        '      rules:',
        '        - if: $[[ inputs.tier ]] == "prod"',
        '          options: ["yes"]',
        '---',
        'j: {script: x}',
      ].join('\n'),
    );
    expect(rows(lines).slice(2)).toEqual([
      '| `driver` | string | `"docker-container"` or `"native"` (by rule) | `"docker-container"`, `"remote"`, `"native"`<br>depends on: `engine`, `tier` | Builder driver. |',
      '| `strict` | string | required | `"yes"`<br>depends on: `tier` | |',
    ]);
    expect(ruleDependencies([])).toEqual([]);
  });

  it('shows the description, the job names as written, hidden jobs and global keywords', () => {
    const lines = section(
      [
        'spec:',
        '  description: "First line.\\n<!-- catalog-docs:end c -->"',
        '  inputs:',
        '    as:',
        '      default: build',
        '      description: Job name.',
        '---',
        'variables: {A: b}',
        '.base: {image: alpine:3.20}',
        "'$[[ inputs.as ]]':",
        '  extends: .base',
        '  script: [x]',
        "'$[[ inputs.as ]]-verify':",
        '  script: [y]',
      ].join('\n'),
    );
    expect(lines.slice(0, 6)).toEqual([
      '### `c`',
      '',
      'First line.',
      '&lt;!-- catalog-docs:end c -->',
      '',
      'Source: [`templates/c.yml`](templates/c.yml). Jobs: `$[[ inputs.as ]]`, `$[[ inputs.as ]]-verify`. Hidden jobs (for `extends:`): `.base`. Also sets the global keywords `variables`.',
    ]);
  });

  it('says so when there are no inputs, and when inputs come from spec:include', () => {
    expect(section('spec:\n---\nj: {script: x}\n')).toEqual([
      '### `c`',
      '',
      'Source: [`templates/c.yml`](templates/c.yml). Jobs: `j`.',
      '',
      'This component has no inputs.',
    ]);
    const included = section('spec:\n  include:\n    - local: inputs.yml\n  inputs:\n    a:\n      default: x\n---\nj: {script: x}\n');
    expect(included.at(-1)).toBe('More inputs come from the files under `spec:include`, which this table does not list.');
  });
});
