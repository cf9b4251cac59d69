/**
 * The toolkit's version: the `version` of the package.json it is installed with, found by walking up
 * from this module (`dist/scripts/cli/` in a package, `scripts/cli/` when run from source).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = /^@[^/]+\/gitlab-ci-catalog$/;

let found: string | undefined;

export function toolVersion(): string {
  if (found !== undefined) return found;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string' && PACKAGE_NAME.test(pkg.name) && typeof pkg.version === 'string') return (found = pkg.version);
    } catch {
      // no package.json here, or not ours: look further up
    }
    if (path.dirname(dir) === dir) return (found = 'unknown');
  }
}
