/**
 * What every integration suite (test/integration/scenario-*.test.ts, gitlab-ci-local.test.ts) shares:
 * why it cannot run here, and the one test that says so. dockerd, mount namespaces, binfmt, podman
 * and apt need root on Linux; elsewhere the suite is skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1 (set by .ci/run), which turns the skip into a failure.
 */
import path from 'node:path';
import { describe, it } from 'vitest';
import { isRoot } from '../../harness/integration/apt.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/**
 * buildx-ecr inputs for a build on the host harness's engine: one platform, the engine's own
 * BuildKit (no QEMU, no dind service, no TLS directory), the machine's network.
 */
export const HOST_ENGINE_BUILDX_INPUTS = {
  platforms: 'linux/amd64',
  'buildx-driver': 'docker',
  qemu: 'never',
  network: 'host',
  services: [],
  'docker-tls-certdir': '',
} as const;
export const TOOLS_REQUIRED = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

/** Why the root-only integration suites cannot run on this machine; undefined when they can. */
export const integrationUnavailable: string | undefined =
  process.platform !== 'linux'
    ? `needs Linux (this is ${process.platform})`
    : isRoot()
      ? undefined
      : 'not root: dockerd, mount namespaces, binfmt, podman and apt need root';

/**
 * Registers, only where the suite cannot run (so a run that can counts no skipped test), the test
 * that prints the reason and skips, or fails under CATALOG_REQUIRE_TOOLS=1.
 */
export function describeUnavailable(suite: string, reason: string | undefined = integrationUnavailable): void {
  if (reason === undefined) return;
  describe(`${suite} (unavailable)`, () => {
    it('is skipped with the reason, or fails when CATALOG_REQUIRE_TOOLS=1', (context) => {
      if (TOOLS_REQUIRED) throw new Error(`CATALOG_REQUIRE_TOOLS=1 but ${suite} cannot run here: ${reason}`);
      console.log(`[${suite}] skipped: ${reason}`);
      context.skip(reason);
    });
  });
}
