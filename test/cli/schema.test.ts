import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, tempTree } from '../helpers/cli.js';

describe('catalog schema', () => {
  it('writes one schema per component and lists the files', () => {
    const dir = tempTree({
      'templates/a.yml': 'spec:\n  inputs:\n    stage:\n      default: test\n---\nj: {script: x}\n',
      'templates/b/template.yml': 'spec:\n  inputs:\n    n:\n      type: number\n---\nj: {script: x}\n',
    });
    const result = catalog(['schema', '--out', 'out'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('out/a.inputs.schema.json\nout/b.inputs.schema.json\nout/consumer-pipeline.schema.json\n');
    const b = JSON.parse(readFileSync(path.join(dir, 'out/b.inputs.schema.json'), 'utf8'));
    expect(b.required).toEqual(['n']);
    expect(readdirSync(path.join(dir, 'out')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing for a component with an invalid header and exits 1', () => {
    const dir = tempTree({ 'templates/a.yml': 'spec:\n  inputs:\n    x:\n      type: date\n---\nj: {script: x}\n' });
    const result = catalog(['schema', '--out', 'out'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('templates/a.yml:4:13: header:spec:inputs:x input type unknown value: date [header]\n');
    expect(result.stdout).toBe('');
  });
});
