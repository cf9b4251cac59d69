import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests never read or write the developer's cache (~/.cache/catalog): each run gets its own,
// removed when the run ends. Set here, in the process that starts every project's workers.
const cache = mkdtempSync(path.join(tmpdir(), 'catalog-test-cache-'));
process.env['XDG_CACHE_HOME'] = cache;
process.once('exit', () => rmSync(cache, { recursive: true, force: true }));

/** Suites that start daemons, need root, apt or gitlab-ci-local: the `integration` project. */
const INTEGRATION = ['test/integration/**', 'test/parity/**'];

export default defineConfig({
  test: {
    // CLI tests spawn the built binary and git; give them room on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        // No root, no apt, no daemon: seconds (`npm run test:unit`).
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION.map((dir) => `${dir}/*.test.ts`),
          // Debian packages for the integration tests, installed once before the parallel workers start.
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
