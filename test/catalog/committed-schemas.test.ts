// docs/schemas/ is published for editors (yaml-language-server) and must match the components.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { catalog, REPO_ROOT } from '../helpers/cli.js';

describe('docs/schemas', () => {
  it('is what `catalog schema` writes for the current components', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'catalog-schemas-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const result = catalog(['schema', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const committed = path.join(REPO_ROOT, 'docs/schemas');
    const names = readdirSync(out).sort();
    expect(readdirSync(committed).sort(), 'run `catalog schema` and commit docs/schemas').toEqual(names);
    for (const name of names) {
      expect(readFileSync(path.join(committed, name), 'utf8'), `${name} is stale: run \`catalog schema\``).toBe(readFileSync(path.join(out, name), 'utf8'));
    }
  });
});
