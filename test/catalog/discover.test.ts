// Component discovery per gitlab-semantics.md §1.1 (TEMPLATE_PATH_REGEX; the simple path wins).
import { describe, expect, it } from 'vitest';
import { discoverComponents } from '../../scripts/catalog/discover.js';
import { tempTree } from '../helpers/cli.js';

describe('discoverComponents', () => {
  it('finds templates/<name>.yml and templates/<name>/template.yml, sorted, and nothing else', async () => {
    const dir = tempTree({
      'templates/b.yml': 'x',
      'templates/a/template.yml': 'x',
      'templates/c.yaml': 'x',
      'templates/d/other.yml': 'x',
      'templates/e/f/template.yml': 'x',
      'templates/bad.name.yml': 'x',
      'README.md': 'x',
    });
    const found = await discoverComponents(dir);
    expect(found.map((c) => [c.name, c.relativePath])).toEqual([
      ['a', 'templates/a/template.yml'],
      ['b', 'templates/b.yml'],
    ]);
  });

  it('uses the simple file when both exist, and says which one it shadows', async () => {
    const dir = tempTree({ 'templates/x.yml': 'x', 'templates/x/template.yml': 'x' });
    const [only, ...rest] = await discoverComponents(dir);
    expect(rest).toEqual([]);
    expect(only?.relativePath).toBe('templates/x.yml');
    expect(only?.shadows).toBe('templates/x/template.yml');
  });

  it('returns nothing for a directory without templates/', async () => {
    expect(await discoverComponents(tempTree({}))).toEqual([]);
  });
});
