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
  it('catalog lint --output <a directory>', () => {
    const dir = tempTree(CATALOG);
    mkdirSync(path.join(dir, 'report'));
    const before = filesUnder(dir);
    const result = catalog(['lint', '--no-shellcheck', '--output', 'report'], { cwd: dir });
    expect(result.stderr).toBe('catalog: report: is a directory\n');
    expect(result.status).toBe(2);
    expect(filesUnder(dir)).toEqual(before);
  });

  it('catalog lint --output <a path through a file>', () => {
    const dir = tempTree(CATALOG);
    const before = filesUnder(dir);
    const result = catalog(['lint', '--no-shellcheck', '--output', 'notes.txt/report.json', '--format', 'json'], { cwd: dir });
    expect(result.stderr).toBe('catalog: notes.txt/report.json: a part of the path is not a directory\n');
    expect(result.status).toBe(2);
    expect(filesUnder(dir)).toEqual(before);
  });

  it('catalog schema --out <a file>', () => {
    const dir = tempTree(CATALOG);
    const before = filesUnder(dir);
    const result = catalog(['schema', '--out', 'notes.txt'], { cwd: dir });
    expect(result.stderr).toBe('catalog: notes.txt/c.inputs.schema.json: a part of the path is not a directory\n');
    expect(result.status).toBe(2);
    expect(filesUnder(dir)).toEqual(before);
  });

  it('catalog schema --out <a directory where the schema file should be>', () => {
    const dir = tempTree(CATALOG);
    mkdirSync(path.join(dir, 'schemas/c.inputs.schema.json'), { recursive: true });
    const before = filesUnder(dir);
    const result = catalog(['schema', '--out', 'schemas'], { cwd: dir });
    expect(result.stderr).toBe('catalog: schemas/c.inputs.schema.json: is a directory\n');
    expect(result.status).toBe(2);
    expect(filesUnder(dir)).toEqual(before);
  });
});
