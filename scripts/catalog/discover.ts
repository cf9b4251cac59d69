/**
 * Finds the components of a catalog the way GitLab does at release time: `templates/<name>.yml`
 * or `templates/<name>/template.yml` (`.yml` only, names `[\w-]+`). When both exist, GitLab fetches
 * the simple file, so the nested one is shadowed.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { componentNameFromPath } from '../gitlab/component/source.js';

export interface ComponentFile {
  readonly name: string;
  /** Path relative to the catalog root, with `/` separators. */
  readonly relativePath: string;
  readonly absolutePath: string;
  /** Another file with the same name that GitLab would not use. */
  readonly shadows?: string | undefined;
}

export const COMPONENTS_LIMIT = 100;

export async function discoverComponents(root: string): Promise<ComponentFile[]> {
  const dir = path.join(root, 'templates');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const simple = new Map<string, string>();
  const nested = new Map<string, string>();
  for (const entry of entries) {
    if (entry.isFile()) {
      const rel = `templates/${entry.name}`;
      const name = componentNameFromPath(rel);
      if (name) simple.set(name, rel);
    } else if (entry.isDirectory()) {
      const rel = `templates/${entry.name}/template.yml`;
      const name = componentNameFromPath(rel);
      if (name && (await stat(path.join(root, rel)).catch(() => undefined))?.isFile()) nested.set(name, rel);
    }
  }
  const names = [...new Set([...simple.keys(), ...nested.keys()])].sort();
  return names.map((name) => {
    const chosen = simple.get(name) ?? (nested.get(name) as string);
    const other = simple.has(name) ? nested.get(name) : undefined;
    return { name, relativePath: chosen, absolutePath: path.join(root, chosen), shadows: other };
  });
}
