/**
 * Alias bombs ("billion laughs"): GitLab's Psych shares an aliased node instead of copying it, so
 * a bomb loads at once, and `Gitlab::Utils::DeepSize` (max_yaml_size_bytes 2 MB, max_yaml_depth
 * 100) then refuses it: `The parsed YAML is too big` (gitlabhq spec/lib/gitlab/config/loader/yaml_spec.rb,
 * "when yaml size is too large" and "when yaml has cyclic data structure"). A document over 2 MB is
 * refused before parsing: `The provided YAML is too big` (same spec, "raw yaml content is too large").
 * The CLI cases run in a child process with a kill timeout, so a bomb that is expanded fails the
 * case instead of hanging the suite.
 */
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';
import { toPlain } from '../../../scripts/gitlab/ruby/value.js';
import { catalog, tempTree } from '../../helpers/cli.js';
import { createRepo } from '../../helpers/fixture-repo.js';

const HANG_GUARD = { timeout: 30_000 };
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** GitLab's own billion laughs (yaml_spec.rb), nine levels of nine aliases, with `leaf` as the leaves. */
function laughs(leaf: string, indent = ''): string {
  const names = 'abcdefghi';
  const lines = [`${indent}a: &a [${Array(9).fill(leaf).join(',')}]`];
  for (let i = 1; i < names.length; i++) lines.push(`${indent}${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

/** The same through `<<` merge keys: each level is a mapping that merges the one before and holds it nine times. */
function mergeLaughs(): string {
  const lines = ['l0: &l0 {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol, k8: lol}'];
  for (let i = 1; i < 9; i++) {
    const keys = Array.from({ length: 9 }, (_, k) => `m${k}: *l${i - 1}`).join(', ');
    lines.push(`l${i}: &l${i} {<<: *l${i - 1}, ${keys}}`);
  }
  return `${lines.join('\n')}\n`;
}

const HEADER = 'spec:\n  inputs:\n    x:\n      default: lol\n---\n';

describe('alias bombs are refused as GitLab refuses them, at once', () => {
  it.each([
    ['nested aliases', HEADER + laughs('"lol"')],
    ['aliases through << merge keys', HEADER + mergeLaughs()],
    ['$[[ ]] blocks as the leaves', HEADER + laughs('"$[[ inputs.x ]]"')],
  ])('catalog interpolate: %s', (_name, text) => {
    const dir = tempTree({ 'bomb.yml': text });
    const result = catalog(['interpolate', 'bomb.yml'], { cwd: dir, ...HANG_GUARD });
    expect(result.stderr).toBe('The parsed YAML is too big\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('catalog validate: the finding has the file and the position of the document', () => {
    const dir = tempTree({ 'bomb.yml': HEADER + laughs('"$[[ inputs.x ]]"') });
    const result = catalog(['validate', 'bomb.yml'], { cwd: dir, ...HANG_GUARD });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('bomb.yml:6:1: The parsed YAML is too big [syntax]\n');
    noStackTrace(result.stderr);
  });

  it('catalog render: a consumer pipeline that is a bomb', async () => {
    const repo = await createRepo('catalog-bomb-');
    try {
      await repo.write('templates/c.yml', 'spec:\n  inputs:\n    x:\n      default: a\n---\nc:\n  script: echo $[[ inputs.x ]]\n');
      await repo.commit('component');
      // The anchors come first: an alias refers back to one. The include hands the bomb to the component.
      await repo.write('pipeline.yml', `${laughs('lol')}include:\n  - component: gitlab.com/group/catalog/c@main\n    inputs:\n      x: *i\n`);
      const result = catalog(['render', 'pipeline.yml', '--project-path', 'group/catalog'], { cwd: repo.dir, ...HANG_GUARD });
      expect(result.stderr).toBe('pipeline.yml:1:1: The parsed YAML is too big [syntax]\n');
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
    } finally {
      await repo.cleanup();
    }
  });
});

describe('what GitLab shares and measures', () => {
  const loadErrors = (text: string) => parseYamlDocuments(text, 't.yml').diagnostics.map((d) => [d.message, d.start.line, d.start.column]);

  it('reads aliases and merge keys as before', () => {
    const parsed = parseYamlDocuments('a: &x {k: v, n: [1, 2]}\nb: *x\nc: {<<: *x, k: w}\nd: [*x, *x]\n', 't.yml');
    expect(parsed.diagnostics).toEqual([]);
    expect(toPlain(parsed.documents[0]?.value ?? null)).toEqual({
      a: { k: 'v', n: [1, 2] },
      b: { k: 'v', n: [1, 2] },
      c: { k: 'w', n: [1, 2] },
      d: [
        { k: 'v', n: [1, 2] },
        { k: 'v', n: [1, 2] },
      ],
    });
  });

  it('an alias inside its own anchor is a cycle, which DeepSize finds too deep', () => {
    expect(loadErrors('--- &1\n- hi\n- *1\n')).toEqual([['The parsed YAML is too big', 2, 1]]);
    expect(loadErrors('a: &m\n  b: *m\n')).toEqual([['The parsed YAML is too big', 1, 1]]);
  });

  it('a hundred nested collections load; one more is too deep (max_yaml_depth 100)', () => {
    expect(loadErrors(`${'['.repeat(100)}${']'.repeat(100)}\n`)).toEqual([]);
    expect(loadErrors(`${'['.repeat(101)}${']'.repeat(101)}\n`)).toEqual([['The parsed YAML is too big', 1, 1]]);
  });

  it('a document over 2 MB is refused before it is parsed; one just under is parsed, then measured', () => {
    expect(loadErrors(`key: '${'a'.repeat(2 * 1024 * 1024)}'\n`)).toEqual([['The provided YAML is too big', 1, 1]]);
    // The string alone takes its 2 MB - 9 bytes plus a 40-byte object: over max_yaml_size_bytes once parsed.
    expect(loadErrors(`key: '${'a'.repeat(2 * 1024 * 1024 - 10)}'`)).toEqual([['The parsed YAML is too big', 1, 1]]);
    expect(loadErrors(`key: '${'a'.repeat(1536 * 1024)}'`)).toEqual([]);
  });
});
