/**
 * psych.ts's two doors for the integration harness: plain data to YAML text, and a document edited
 * in place that keeps the comments, key order and quoting of what it does not replace.
 */
import { describe, expect, it } from 'vitest';
import { parseYamlForEditing, stringifyPlainYaml } from '../../../scripts/gitlab/yaml/psych.js';

describe('stringifyPlainYaml', () => {
  it('writes plain data with yaml\'s defaults (YAML 1.2: `yes` is a plain string, `010` is quoted)', () => {
    expect(stringifyPlainYaml({ version: 0.1, http: { addr: '127.0.0.1:443', headers: ['a', 'b'] }, yes: 'no', n: '010' })).toBe(
      'version: 0.1\nhttp:\n  addr: 127.0.0.1:443\n  headers:\n    - a\n    - b\nyes: no\nn: "010"\n',
    );
  });
});

describe('parseYamlForEditing', () => {
  const text = `# the example
include:
  # first
  - component: gitlab.example.com/group/catalog/ecr-login@1.0.0
    inputs:
      rules: [{ if: $CI }]
  - component: gitlab.example.com/group/catalog/buildx-ecr@1.0.0
    inputs:
      platforms: 'linux/amd64'   # one
verify:
  variables:
    EXPECTED: x
`;

  it('reads scalars and sequence lengths, nothing for collections or absent paths', () => {
    const doc = parseYamlForEditing(text);
    expect(doc.lengthAt(['include'])).toBe(2);
    expect(doc.lengthAt(['verify'])).toBe(0);
    expect(doc.lengthAt(['absent'])).toBe(0);
    expect(doc.scalarAt(['include', 1, 'component'])).toBe('gitlab.example.com/group/catalog/buildx-ecr@1.0.0');
    expect(doc.scalarAt(['include', 0, 'inputs'])).toBeUndefined();
    expect(doc.scalarAt(['include', 5, 'component'])).toBeUndefined();
    expect(doc.has(['verify', 'variables', 'EXPECTED'])).toBe(true);
    expect(doc.has(['verify', 'variables', 'OTHER'])).toBe(false);
  });

  it('writes back an untouched document with its comments and quoting (yaml re-spaces flow collections and comments)', () => {
    expect(parseYamlForEditing(text).toString()).toBe(
      text.replace('[{ if: $CI }]', '[ { if: $CI } ]').replace("'linux/amd64'   # one", "'linux/amd64' # one"),
    );
  });

  it('sets, adds and deletes in place; a replaced node loses its comment, the others keep theirs', () => {
    const doc = parseYamlForEditing(text);
    doc.set(['include', 1, 'inputs', 'platforms'], ['linux/amd64', 'linux/arm64']);
    doc.set(['include', 1, 'inputs', 'qemu'], 'never');
    doc.delete(['include', 0]);
    doc.set(['verify', 'variables', 'EXPECTED'], 'linux/amd64 linux/arm64');
    expect(doc.toString()).toBe(`# the example
include:
  # first
  - component: gitlab.example.com/group/catalog/buildx-ecr@1.0.0
    inputs:
      platforms:
        - linux/amd64
        - linux/arm64
      qemu: never
verify:
  variables:
    EXPECTED: linux/amd64 linux/arm64
`);
  });
});
