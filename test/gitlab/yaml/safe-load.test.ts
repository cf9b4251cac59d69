/**
 * Psych parity of what `YAML.safe_load` refuses. GitLab loads each document of a file on its own
 * (`Gitlab::Config::Loader::MultiDocYaml` splits the text at `---` first), so an anchor of the header
 * is unknown in the content, and an alias before its anchor is unknown too:
 * `Psych::AnchorNotDefined`, "An alias referenced an unknown anchor: <name>" (ruby/psych
 * lib/psych/exception.rb, since Psych 5.0 / Ruby 3.2).
 */
import { describe, expect, it } from 'vitest';
import { parseComponentSource } from '../../../scripts/gitlab/component/source.js';
import { fromPlain, toPlain, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments, stringifyYaml } from '../../../scripts/gitlab/yaml/psych.js';
import { catalog, tempTree } from '../../helpers/cli.js';

const errors = (text: string) => parseYamlDocuments(text, 't.yml').diagnostics.map((d) => [d.message, d.start.line, d.start.column]);

describe('unknown anchors', () => {
  const component = 'spec:\n  inputs:\n    x: &shared\n      default: hi\n---\njob:\n  script: *shared\n';

  it('an anchor of the header document is unknown in the content document', () => {
    const source = parseComponentSource(component, 't.yml');
    expect(source.syntaxErrors.map((d) => [d.message, d.start.line, d.start.column])).toEqual([['An alias referenced an unknown anchor: shared', 7, 11]]);
  });

  it('catalog interpolate prints GitLab\'s text and exits 1', () => {
    const dir = tempTree({ 't.yml': component });
    const result = catalog(['interpolate', 't.yml'], { cwd: dir });
    expect(result.stderr).toBe('An alias referenced an unknown anchor: shared\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it.each([
    ['an alias before its anchor', 'a: *x\nb: &x 1\n', 1, 4],
    ['an anchor that is never defined', 'a: [1, *nope]\n', 1, 8],
    ['an alias as a merge key source', 'a:\n  <<: *base\n  b: 1\n', 2, 7],
  ])('%s', (_name, text, line, column) => {
    const name = /\*(\w+)/.exec(text)?.[1];
    expect(errors(text)).toEqual([[`An alias referenced an unknown anchor: ${name}`, line, column]]);
  });

  it('an anchor defined earlier in the same document is known', () => {
    expect(errors('b: &x 1\na: *x\n')).toEqual([]);
  });
});

/**
 * Classes `safe_load` does not permit (GitLab permits Symbol and its `!reference` tag only):
 * `Psych::DisallowedClass`, "Tried to load unspecified class: <name>" (ruby/psych
 * lib/psych/visitors/to_ruby.rb, lib/psych/class_loader.rb, lib/psych/scalar_scanner.rb). Each case
 * was run through `YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [], aliases: true)`
 * on Ruby 3.1 / Psych 4.0.3, except `!ruby/encoding` (Psych 5 asks the class loader for Encoding).
 */
describe('classes safe_load refuses', () => {
  it.each([
    ['!ruby/object:Foo on a mapping', 'a: !ruby/object:Foo\n  x: 1\n', 'Foo', 2, 3],
    ['!ruby/hash:Foo on a flow mapping', 'a: !ruby/hash:Foo {x: 1}\n', 'Foo', 1, 19],
    ['!ruby/object without a class', 'a: !ruby/object {x: 1}\n', 'Object', 1, 17],
    ['!ruby/struct', 'a: !ruby/struct {x: 1}\n', 'Struct', 1, 17],
    ['!ruby/exception', 'a: !ruby/exception {message: x}\n', 'Exception', 1, 20],
    ['!!set', 'a: !!set {x: }\n', 'Psych::Set', 1, 10],
    ['!!omap on a mapping', 'a: !!omap {x: 1}\n', 'Psych::Omap', 1, 11],
    ['!ruby/array:Foo', 'a: !ruby/array:Foo [1]\n', 'Foo', 1, 20],
    ['!ruby/string:Foo', 'a: !ruby/string:Foo x\n', 'Foo', 1, 21],
    ['!ruby/range', 'a: !ruby/range 1..2\n', 'Range', 1, 16],
    ['!ruby/regexp', 'a: !ruby/regexp /x/\n', 'Regexp', 1, 17],
    ['!ruby/class', 'a: !ruby/class Foo\n', 'Foo', 1, 16],
    ['!ruby/object:BigDecimal on a scalar', 'a: !ruby/object:BigDecimal 1.0\n', 'BigDecimal', 1, 28],
    ['a plain date', 'a: 2024-01-01\n', 'Date', 1, 4],
    ['a plain time', 'a: 2024-01-01 10:00:00\n', 'Time', 1, 4],
    ['a date as a key', '2024-01-01: x\n', 'Date', 1, 1],
    ['!!timestamp', 'a: !!timestamp 2024-01-01\n', 'Date', 1, 16],
    ['a date under an unknown tag', 'a: !foo 2024-01-01\n', 'Date', 1, 9],
  ])('%s', (_name, text, name, line, column) => {
    expect(errors(text)).toEqual([[`Tried to load unspecified class: ${name}`, line, column]]);
  });

  it.each([
    ['a tag Psych ignores on a scalar (!ruby/object:Foo bar)', 'a: !ruby/object:Foo bar\n', { a: 'bar' }],
    ['!ruby/object:Hash', 'a: !ruby/object:Hash {x: 1}\n', { a: { x: 1 } }],
    ['a symbol tag (Symbol is permitted)', 'a: !ruby/sym foo\n', { a: 'foo' }],
    ['!!binary', 'a: !!binary aGVsbG8=\n', { a: 'hello' }],
    ['an unknown tag', 'a: !foo bar\n', { a: 'bar' }],
    ['a quoted date', "a: '2024-01-01'\n", { a: '2024-01-01' }],
    ['a date that is not one', 'a: 2024-13-45x\n', { a: '2024-13-45x' }],
  ])('loads %s', (_name, text, value) => {
    const parsed = parseYamlDocuments(text, 't.yml');
    expect(parsed.diagnostics).toEqual([]);
    expect(toPlain(parsed.documents[0]?.value ?? null)).toEqual(value);
  });

  it("catalog interpolate prints GitLab's text and exits 1", () => {
    const dir = tempTree({ 't.yml': 'spec:\n  inputs:\n    x:\n      default: hi\n---\njob: !ruby/object:Gem::Installer\n  i: x\n' });
    const result = catalog(['interpolate', 't.yml'], { cwd: dir });
    expect(result.stderr).toBe('Tried to load unspecified class: Gem::Installer\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('catalog render quotes a string that Psych would read back as a date or a time', () => {
    const text = stringifyYaml(fromPlain({ a: '2024-01-01', b: '2024-01-01 10:00:00', c: '2024-1-1' }) as ValueMap);
    const back = parseYamlDocuments(text, 'out.yml');
    expect(back.diagnostics).toEqual([]);
    expect(toPlain(back.documents[0]?.value ?? null)).toEqual({ a: '2024-01-01', b: '2024-01-01 10:00:00', c: '2024-1-1' });
  });
});
