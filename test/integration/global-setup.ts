/**
 * Installs, once and before any test file starts, every Debian package the integration tests use,
 * registers QEMU and fetches the busybox binaries of each architecture into the run's cache.
 * The test files run in parallel workers and each would otherwise install what it needs itself,
 * racing for apt's lock on a fresh machine. Not root, or a failed install: nothing happens here and
 * each test file reports (skips, or fails under CATALOG_REQUIRE_TOOLS=1) as it would without this.
 */
import { isRoot } from '../../harness/integration/apt.js';
import { prepareHost } from '../../harness/integration/host.js';

export default async function setup(): Promise<void> {
  if (process.platform !== 'linux' || !isRoot()) return;
  const log = (line: string) => console.log(`[integration setup] ${line}`);
  try {
    await prepareHost(log);
  } catch (error) {
    log(`could not install the integration packages: ${error instanceof Error ? error.message : String(error)}`);
  }
}
