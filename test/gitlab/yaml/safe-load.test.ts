/**
 * Psych parity of what `YAML.safe_load` refuses. GitLab loads each document of a file on its own
 * (`Gitlab::Config::Loader::MultiDocYaml` splits the text at `---` first), so an anchor of the header
 * is unknown in the content, and an alias before its anchor is unknown too:
 * `Psych::AnchorNotDefined`, "An alias referenced an unknown anchor: <name>" (ruby/psych
 * lib/psych/exception.rb, since Psych 5.0 / Ruby 3.2).
 */
import { describe, expect, it } from 'vitest';
import { parseComponentSource } from '../../../scripts/gitlab/component/source.js';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';
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
