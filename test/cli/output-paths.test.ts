/**
 * Where a command cannot write what it was asked to write (`--output`/`--out` naming a directory, a
 * path through a file), that is the user's mistake: one plain line and exit 2, never
 * `internal error: EISDIR`, and nothing half-written left behind.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, tempTree } from '../helpers/cli.js';

const CATALOG = {
  'templates/c.yml': 'spec:\n  inputs:\n    stage:\n      default: test\n      description: the stage\n---\nc:\n  stage: $[[ inputs.stage ]]\n  script: echo hi\n',
  'README.md': '# c\n',
  'notes.txt': 'a file, not a directory\n',
};

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('an output path that cannot be written', () => {
  it.each([
    ['catalog lint --output <a directory>', ['report'], ['lint', '--no-shellcheck', '--output', 'report'], 'catalog: report: is a directory\n'],
    [
      'catalog lint --output <a path through a file>',
      [],
      ['lint', '--no-shellcheck', '--output', 'notes.txt/report.json', '--format', 'json'],
      'catalog: notes.txt/report.json: a part of the path is not a directory\n',
    ],
    ['catalog schema --out <a file>', [], ['schema', '--out', 'notes.txt'], 'catalog: notes.txt/c.inputs.schema.json: a part of the path is not a directory\n'],
    [
      'catalog schema --out <a directory where the schema file should be>',
      ['schemas/c.inputs.schema.json'],
      ['schema', '--out', 'schemas'],
      'catalog: schemas/c.inputs.schema.json: is a directory\n',
    ],
  ])('%s', (_name, directories, args, stderr) => {
    const dir = tempTree(CATALOG);
    for (const directory of directories) mkdirSync(path.join(dir, directory), { recursive: true });
    const before = filesUnder(dir);
    const result = catalog(args, { cwd: dir });
    expect(result.stderr).toBe(stderr);
    expect(result.status).toBe(2);
    expect(filesUnder(dir)).toEqual(before);
  });
});
