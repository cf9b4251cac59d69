/**
 * Bytes GitLab cannot load: libyaml's reader (yaml/libyaml src/reader.c) refuses any character
 * outside #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
 * ("control characters are not allowed") and bytes that are not UTF-8 ("invalid leading UTF-8
 * octet", "invalid trailing UTF-8 octet", "incomplete UTF-8 octet sequence", "invalid length of a
 * UTF-8 sequence", "invalid Unicode character"); Psych raises them as `Psych::SyntaxError`. Checked
 * with Ruby 3.1 / Psych 4.0.3 / libyaml 0.2.5: `YAML.safe_load("a: b\nc: \xff")` says
 * `(<unknown>): invalid leading UTF-8 octet at line 1 column 1` (the reader's errors always say
 * line 1 column 1; the toolkit gives the real position). No byte is ever replaced by U+FFFD.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toPlain } from '../../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';
import { catalog, tempTree } from '../../helpers/cli.js';
import { createRepo } from '../../helpers/fixture-repo.js';

const HEADER = 'spec:\n  inputs:\n    x:\n      default: hi\n---\n';
const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

describe('control characters', () => {
  const problems = (text: string) => parseYamlDocuments(text, 't.yml').diagnostics.map((d) => [d.message, d.start.line, d.start.column]);

  it.each([
    ['NUL', '\u0000'],
    ['SOH inside a quoted string', '"a\u0001b"'],
    ['ESC', '\u001b[0m'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0080'],
    ['U+FFFE', 'a\uFFFE'],
    ['U+FFFF', 'a\uFFFF'],
  ])('%s is refused where it is', (_name, value) => {
    const column = 4 + value.search(/[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD]/u);
    expect(problems(`a: b\nc: ${value}\n`)).toEqual([['control characters are not allowed', 2, column]]);
  });

  it.each([
    ['tab', 'a\tb'],
    ['NEL (U+0085)', 'a\u0085b'],
    ['non-ASCII', 'é ü 中 😀'],
    ['carriage returns', 'a\r'],
  ])('%s is allowed', (_name, value) => {
    expect(problems(`a: b\nc: "${value}"\n`)).toEqual([]);
  });
});

describe('bytes that are not UTF-8', () => {
  it.each([
    ['a byte that cannot start a character', [0xff], 'invalid leading UTF-8 octet'],
    ['a lead byte followed by ASCII', [0xc3, 0x28], 'invalid trailing UTF-8 octet'],
    ['an overlong encoding of "/"', [0xc0, 0xaf], 'invalid length of a UTF-8 sequence'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 'invalid Unicode character'],
  ])('%s: catalog validate reports it at its place, exit 1', (_name, bad, problem) => {
    const dir = tempTree({ 't.yml': bytes(HEADER, 'job:\n  script: echo ', bad, ' done\n') });
    const result = catalog(['validate', 't.yml'], { cwd: dir });
    expect(result.stderr).toBe(`t.yml:7:16: ${problem} [syntax]\n`);
    expect(result.status).toBe(1);
  });

  it('a sequence cut short by the end of the file', () => {
    const dir = tempTree({ 't.yml': bytes(HEADER, 'job:\n  script: echo ', [0xe2, 0x82]) });
    const result = catalog(['interpolate', 't.yml'], { cwd: dir });
    expect(result.stderr).toBe('incomplete UTF-8 octet sequence\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('catalog interpolate prints the problem, not text with U+FFFD the user never wrote', () => {
    const dir = tempTree({ 't.yml': bytes(HEADER, 'job:\n  script: "a', [0xff], 'b"\n') });
    const result = catalog(['interpolate', 't.yml'], { cwd: dir });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('invalid leading UTF-8 octet\n');
    expect(result.status).toBe(1);
  });

  it('--inputs JSON that is not UTF-8 (a file or standard input) is refused with its position, exit 2', () => {
    const component = `${HEADER}job:\n  script: echo $[[ inputs.x ]]\n`;
    const dir = tempTree({ 't.yml': component, 'in.json': bytes('{"x": "a', [0xff], 'b"}') });
    const fromFile = catalog(['interpolate', 't.yml', '--inputs', 'in.json'], { cwd: dir });
    expect(fromFile.stderr).toBe('catalog: --inputs: in.json:1:9: invalid leading UTF-8 octet\n');
    expect(fromFile.status).toBe(2);
    expect(fromFile.stdout).toBe('');
    const fromStdin = catalog(['interpolate', 't.yml', '--inputs', '-'], { cwd: dir, input: bytes('{\n "x": "', [0xc3], '"}') });
    expect(fromStdin.stderr).toBe('catalog: --inputs: -:2:8: invalid trailing UTF-8 octet\n');
    expect(fromStdin.status).toBe(2);
  });

  it('catalog render: a component read from git and the pipeline itself', async () => {
    const repo = await createRepo('catalog-bytes-');
    try {
      await repo.write('templates/c.yml', '');
      writeFileSync(`${repo.dir}/templates/c.yml`, bytes(HEADER, 'c:\n  script: echo ', [0xff], '\n'));
      const sha = await repo.commit('component with a byte that is not UTF-8');
      await repo.write('pipeline.yml', 'include:\n  - component: gitlab.com/group/catalog/c@main\n');
      const component = catalog(['render', 'pipeline.yml', '--project-path', 'group/catalog'], { cwd: repo.dir });
      // The include resolved (to that commit); reading the component there failed.
      expect(component.stderr).toBe(`c@main → ${sha.slice(0, 7)}\npipeline.yml:2:16: \`gitlab.com/group/catalog/c@main\`: invalid leading UTF-8 octet [include]\n`);
      expect(component.status).toBe(1);
      writeFileSync(`${repo.dir}/pipeline.yml`, bytes('variables:\n  A: "', [0x07], '"\n'));
      const pipeline = catalog(['render', 'pipeline.yml', '--project-path', 'group/catalog'], { cwd: repo.dir });
      expect(pipeline.stderr).toBe('pipeline.yml:2:7: control characters are not allowed [syntax]\n');
      expect(pipeline.status).toBe(1);
    } finally {
      await repo.cleanup();
    }
  });
});

/**
 * A byte order mark: GitLab strips one at the start of each document chunk (the newest
 * `Gitlab::Config::Loader::Yaml#initialize`, `Gitlab::EncodingHelper.strip_bom`), so it is never part
 * of a key. Anywhere else at the start of a line, Psych stops ("did not find expected key while
 * parsing a block mapping" for `a: 1\n\uFEFFb: 2`, Ruby 3.1 / Psych 4.0.3); inside a value it is kept.
 */
describe('byte order marks', () => {
  const load = (text: string) => {
    const parsed = parseYamlDocuments(text, 't.yml');
    return { values: parsed.documents.map((d) => toPlain(d.value)), problems: parsed.diagnostics.map((d) => [d.start.line, d.start.column]) };
  };

  it('at the start of the file and of the content document: stripped', () => {
    expect(load('\uFEFFspec:\n  inputs:\n---\n\uFEFFjob:\n  script: x\n')).toEqual({ values: [{ spec: { inputs: null } }, { job: { script: 'x' } }], problems: [] });
  });

  it('at the start of a line inside a document: refused there', () => {
    expect(load('a: 1\n\uFEFFb: 2\n').problems).toEqual([[2, 1]]);
  });

  it('inside a value: kept', () => {
    expect(load('a: x\uFEFFy\n')).toEqual({ values: [{ a: 'x\uFEFFy' }], problems: [] });
  });
});
