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
/** The README's main command in a fresh Debian root: the `fresh-machine` project. */
const FRESH_MACHINE = 'test/fresh-machine/**';
/** The example pipelines and the catalog's own, each job in its image: the `pipelines` project. */
const PIPELINES = 'test/pipelines/**';

/**
 * The fresh-machine test and the `pipelines` project's buildx-ecr run take the kernel's QEMU entries
 * away (binfmt_misc is one table for the whole machine), which breaks any arm64 or ppc64le build
 * running on the machine at the same time, ours or another checkout's. So both run only when asked
 * for, and then alone, after everything else:
 * - asked for by scripts/test.sh (so by CI), with CATALOG_FRESH_MACHINE=1, or by naming the project
 *   (`vitest run --project pipelines` / `--project fresh-machine`); a plain `vitest run` / `npm test`
 *   defines neither, so QEMU is never taken away from under a developer's other runs unannounced;
 * - alone: their higher `sequence.groupOrder` (pipelines 1, fresh-machine 2) makes vitest start
 *   each only after every file of the lower groups has finished, in the same invocation, so
 *   scripts/test.sh needs no second run and the results are in the one JSON report whose counts
 *   scripts/test.sh prints.
 */
const FRESH_MACHINE_ASKED =
  process.env['CATALOG_FRESH_MACHINE'] === '1' ||
  process.argv.some((arg, i, all) => ['fresh-machine', 'pipelines'].some((p) => arg === `--project=${p}` || (arg === '--project' && all[i + 1] === p)));

export default defineConfig({
  test: {
    // CLI tests spawn the built binary and git; give them room on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        // No root, no apt, no daemon: seconds (`npm run test:unit`).
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...INTEGRATION, FRESH_MACHINE, PIPELINES] },
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
      ...(FRESH_MACHINE_ASKED
        ? [
            {
              extends: true as const,
              test: {
                name: 'pipelines',
                include: [`${PIPELINES}/*.test.ts`],
                sequence: { groupOrder: 1 },
                maxWorkers: 1,
                globalSetup: ['test/integration/global-setup.ts', 'test/fresh-machine/global-setup.ts'],
              },
            },
            {
              extends: true as const,
              test: {
                name: 'fresh-machine',
                include: [`${FRESH_MACHINE}/*.test.ts`],
                sequence: { groupOrder: 2 },
                maxWorkers: 1,
                globalSetup: ['test/fresh-machine/global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
