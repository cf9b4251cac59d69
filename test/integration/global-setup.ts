/**
 * Installs, once and before any test file starts, every Debian package the integration tests use,
 * registers QEMU and fetches the busybox binaries of each architecture into the run's cache.
 * The test files run in parallel workers and each would otherwise install what it needs itself,
 * racing for apt's lock on a fresh machine. Not root, or a failed install: nothing happens here and
 * each test file reports (skips, or fails under CATALOG_REQUIRE_TOOLS=1) as it would without this.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePackages, isRoot } from '../../harness/integration/apt.js';
import { ensureEnginePackages, ensureQemu } from '../../harness/integration/engine.js';
import { busyboxContext, DEFAULT_PLATFORMS } from '../../harness/integration/images.js';
import { SCENARIO_AWS_CLI_PACKAGE } from '../../harness/integration/environment.js';

// mmdebstrap: the image stand-ins (harness/integration/stand-ins.ts) of the Debian-based images.
export const INTEGRATION_PACKAGES = ['docker-registry', 'apache2-utils', 'curl', SCENARIO_AWS_CLI_PACKAGE, 'podman', 'buildah', 'mmdebstrap'];

export default async function setup(): Promise<void> {
  if (process.platform !== 'linux' || !isRoot()) return;
  const log = (line: string) => console.log(`[integration setup] ${line}`);
  try {
    await ensureEnginePackages(log);
    await ensurePackages(INTEGRATION_PACKAGES, { log });
    await ensureQemu(log);
    // Adds the foreign dpkg architectures and downloads busybox-static for each into the cache.
    const context = await mkdtemp(path.join(tmpdir(), 'catalog-busybox-'));
    await busyboxContext(context, DEFAULT_PLATFORMS, log).finally(() => rm(context, { recursive: true, force: true }));
  } catch (error) {
    log(`could not install the integration packages: ${error instanceof Error ? error.message : String(error)}`);
  }
}
