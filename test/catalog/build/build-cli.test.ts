/** `catalog build` through the built binary: includes, --check, problems and what is (not) written. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, tempTree } from '../../helpers/cli.js';

/** The part of the template before the shell: the build copies it as it is. */
const YAML_PART = ['spec:', '  inputs:', '    stage:', '      default: test', '---', 'job:', '  stage: $[[ inputs.stage ]]', '  script:', '    - |'];
const TEMPLATE = [...YAML_PART, '      # catalog:include job.sh', ''].join('\n');
const JOB_SH = 'set -eu\n\nprintf "%s\\n" one\n  # catalog:include ../lib/two.sh\n';
const TWO_SH = 'two() {\n  echo two\n}\n';
const HEADER = '# Built by `catalog build` from components/x/: edit the sources there, then run `catalog build`.\n';

/** What the built template must be, written out by hand: each included line indented as its marker, empty lines empty. */
const EXPECTED = [
  HEADER.trimEnd(),
  ...YAML_PART,
  '      set -eu',
  '',
  '      printf "%s\\n" one',
  '        two() {',
  '          echo two',
  '        }',
  '',
].join('\n');

const catalogTree = (extra: Record<string, string> = {}) =>
  tempTree({ 'components/x/template.yml': TEMPLATE, 'components/x/job.sh': JOB_SH, 'components/lib/two.sh': TWO_SH, ...extra });

describe('catalog build', () => {
  it('writes templates/<name>.yml with each include indented as its marker, then --check passes', () => {
    const dir = catalogTree();
    expect(catalog(['build', '--check'], { cwd: dir })).toEqual({ status: 1, stdout: '', stderr: 'templates/x.yml: is missing; run catalog build\n' });
    expect(catalog(['build'], { cwd: dir })).toEqual({ status: 0, stdout: 'templates/x.yml: built from 3 source file(s) in components/x/\n', stderr: '' });
    expect(readFileSync(path.join(dir, 'templates/x.yml'), 'utf8')).toBe(EXPECTED);
    expect(catalog(['build', '--check'], { cwd: dir })).toEqual({ status: 0, stdout: 'templates/x.yml: up to date (3 source file(s) in components/x/)\n', stderr: '' });
  });

  it('--check names a template whose sources changed and writes nothing', () => {
    const dir = catalogTree({ 'templates/x.yml': EXPECTED });
    const shared = path.join(dir, 'components/lib/two.sh');
    writeFileSync(shared, TWO_SH.replace('echo two', 'echo 2'));
    expect(catalog(['build', '--check'], { cwd: dir })).toEqual({ status: 1, stdout: '', stderr: 'templates/x.yml: is out of date; run catalog build\n' });
    expect(readFileSync(path.join(dir, 'templates/x.yml'), 'utf8')).toBe(EXPECTED);
  });

  it('reports a built template whose sources are gone, and leaves hand-written templates alone', () => {
    const dir = catalogTree({ 'templates/x.yml': EXPECTED, 'templates/gone.yml': HEADER.replace('/x/', '/gone/') + 'job: {script: [a]}\n', 'templates/hand.yml': 'job: {script: [a]}\n' });
    const result = catalog(['build', '--check'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('templates/gone.yml: was built from components/, whose sources for it are gone; restore them or delete the template\n');
  });

  it.each([
    ['a missing file', '  # catalog:include ../lib/none.sh\n', 'components/x/job.sh:1:21: ../lib/none.sh: no such file (components/lib/none.sh) [build]'],
    ['a path out of components/', '# catalog:include ../../README.md\n', 'components/x/job.sh:1:19: ../../README.md: an included file must be inside components/ [build]'],
    ['a file including itself', '# catalog:include job.sh\n', 'components/x/job.sh:1:19: job.sh: includes itself (components/x/template.yml -> components/x/job.sh -> components/x/job.sh) [build]'],
  ])('refuses %s with its position, exit 1, and writes nothing', (_name, jobSh, message) => {
    const dir = catalogTree({ 'components/x/job.sh': jobSh, 'README.md': 'r\n' });
    expect(catalog(['build'], { cwd: dir })).toEqual({ status: 1, stdout: '', stderr: `${message}\ncatalog build: nothing was written\n` });
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'components']);
  });

  it('has nothing to build without components/', () => {
    const dir = tempTree({ 'templates/a.yml': 'job: {script: [a]}\n' });
    expect(catalog(['build', '--check'], { cwd: dir })).toEqual({ status: 0, stdout: 'catalog build: no components/ folder, nothing to build\n', stderr: '' });
  });

  it('reports a template path it cannot write as an operational error (exit 2), without a stack trace', () => {
    const dir = catalogTree({ 'templates/x.yml/keep': '' });
    expect(catalog(['build'], { cwd: dir })).toEqual({ status: 2, stdout: '', stderr: 'catalog: templates/x.yml: is a directory\n' });
  });
});

