// Structure rules from gitlab-semantics.md §1.1–1.2 (components_project.rb TEMPLATE_PATH_REGEX,
// yaml/result.rb has_header?, Psych YAML 1.1 scalars, `!reference`).
import { describe, expect, it } from 'vitest';
import { RubyFloat, toPlain, YamlReference } from '../../../scripts/gitlab/ruby/value.js';
import { componentNameFromPath, parseComponentSource } from '../../../scripts/gitlab/component/source.js';
import { parseYamlDocuments, stringifyYaml } from '../../../scripts/gitlab/yaml/psych.js';

describe('componentNameFromPath', () => {
  it.each([
    ['templates/buildx-ecr.yml', 'buildx-ecr'],
    ['templates/ecr_login/template.yml', 'ecr_login'],
    ['templates/a.yaml', undefined],
    ['templates/x/y/template.yml', undefined],
    ['templates/x/other.yml', undefined],
    ['templates/bad.name.yml', undefined],
    ['other/x.yml', undefined],
  ])('%s → %s', (file, name) => expect(componentNameFromPath(file)).toBe(name));
});

describe('parseComponentSource', () => {
  it('splits header and content and keeps positions', () => {
    const source = parseComponentSource('spec:\n  inputs:\n    a:\n---\njob:\n  script: echo $[[ inputs.a ]]\n', 't.yml');
    expect(source.header && toPlain(source.header.value)).toEqual({ spec: { inputs: { a: null } } });
    expect(source.content && toPlain(source.content.value)).toEqual({ job: { script: 'echo $[[ inputs.a ]]' } });
    expect(source.content?.locate(['job', 'script'])?.start).toEqual({ line: 6, column: 11 });
    expect(source.header?.locate(['spec', 'inputs', 'a'], 'key')?.start).toEqual({ line: 3, column: 5 });
    expect(source.diagnostics).toEqual([]);
  });

  it('reports a file without a header', () => {
    const source = parseComponentSource('job:\n  script: echo\n', 't.yml');
    expect(source.header).toBeUndefined();
    expect(source.diagnostics.map((d) => [d.ruleId, d.start.line])).toEqual([['header', 1]]);
  });

  it('treats a lone document with spec: as content, as GitLab does', () => {
    const source = parseComponentSource('spec:\n  inputs: {}\n', 't.yml');
    expect(source.header).toBeUndefined();
    expect(source.content && toPlain(source.content.value)).toEqual({ spec: { inputs: {} } });
  });

  it('reports YAML syntax errors with line and column', () => {
    const source = parseComponentSource('spec:\n---\njob: [a, b\n', 't.yml');
    expect(source.syntaxErrors.length).toBeGreaterThan(0);
    expect(source.syntaxErrors[0]?.start.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a document that is not a mapping, and more than two documents', () => {
    expect(parseComponentSource('spec:\n---\n- a\n', 't.yml').invalidFormat).toBe(true);
    const three = parseComponentSource('spec:\n---\na: 1\n---\nb: 2\n', 't.yml');
    expect(three.diagnostics.map((d) => [d.message.startsWith('a component file has at most 2'), d.start.line])).toEqual([[true, 5]]);
    expect(three.content && toPlain(three.content.value)).toEqual({ b: 2 });
  });

  it('warns about duplicate keys and keeps the last value (Psych)', () => {
    const source = parseComponentSource('spec:\n---\njob:\n  stage: a\n  stage: b\n', 't.yml');
    expect(source.diagnostics.map((d) => [d.severity, d.start])).toEqual([['warning', { line: 5, column: 3 }]]);
    expect(source.content && toPlain(source.content.value)).toEqual({ job: { stage: 'b' } });
  });

  it('does not call a key that overrides one merged in with << a duplicate, but still a repeated key after it', () => {
    const text = 'spec:\n---\n.base: &base\n  stage: a\n  script: [x]\njob:\n  <<: *base\n  stage: b\nagain:\n  <<: *base\n  stage: b\n  stage: c\n';
    const source = parseComponentSource(text, 't.yml');
    expect(source.diagnostics.map((d) => [d.severity, d.start])).toEqual([['warning', { line: 12, column: 3 }]]);
    expect(source.content && toPlain(source.content.value)).toMatchObject({ job: { stage: 'b', script: ['x'] }, again: { stage: 'c' } });
  });
});

describe('parseYamlDocuments (Psych YAML 1.1 semantics)', () => {
  const load = (text: string) => toPlain(parseYamlDocuments(text, 'x.yml').documents[0]?.value ?? null);

  it('reads yes/no/on/off as booleans but not y/n', () => {
    expect(load('a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: n\n')).toEqual({ a: true, b: false, c: true, d: false, e: 'y', f: 'n' });
  });

  it('reads 010 as octal and keeps floats distinct', () => {
    const doc = parseYamlDocuments('a: 010\nb: 1.0\nc: 2\n', 'x.yml').documents[0];
    expect(toPlain(doc?.value ?? null)).toEqual({ a: 8, b: 1, c: 2 });
    expect((doc?.value as Map<string, unknown>).get('b')).toMatchObject({ value: 1 });
  });

  it("reads numbers as Psych's ScalarScanner does (ruby/psych scalar_scanner.rb)", () => {
    const value = parseYamlDocuments('a: .\nb: 1e3\nc: 1,000\nd: 1.\ne: 1:20\nf: 0x1f\ng: 0b101\nh: -.inf\n', 'x.yml').documents[0]?.value;
    expect(toPlain(value ?? null)).toEqual({ a: '.', b: '1e3', c: 1000, d: 1, e: 80, f: 31, g: 5, h: -Infinity });
    expect((value as Map<string, unknown>).get('d')).toBeInstanceOf(RubyFloat);
  });

  it('writes YAML that reads back the same, quoting strings other YAML readers would take for numbers or booleans', () => {
    const source = 'a: "1e3"\nb: "y"\nc: "1.5"\nd: 1.0\ne: 1.0e+20\nf: plain text\ng: ""\nh: !reference [job, script]\n';
    const value = parseYamlDocuments(source, 'x.yml').documents[0]?.value ?? null;
    const text = stringifyYaml(value);
    expect(text).toBe('a: "1e3"\nb: "y"\nc: "1.5"\nd: 1.0\ne: 1.0e+20\nf: plain text\ng: ""\nh: !reference [ job, script ]\n');
    expect(parseYamlDocuments(text, 'y.yml').documents[0]?.value).toEqual(value);
  });

  it('resolves aliases and merges << where it stands', () => {
    expect(load('base: &b {x: 1, y: 2}\njob:\n  x: 0\n  <<: *b\n  y: 3\n')).toEqual({ base: { x: 1, y: 2 }, job: { x: 1, y: 3 } });
  });

  it('keeps !reference tags', () => {
    const value = (parseYamlDocuments('a: !reference [job, script]\n', 'x.yml').documents[0]?.value as Map<string, unknown>).get('a');
    expect(value).toBeInstanceOf(YamlReference);
    expect((value as YamlReference).path).toEqual(['job', 'script']);
  });
});
