/**
 * What the integration runs need on the host, installed when missing (root only): the Docker 26
 * engine with buildx (trixie's packages), QEMU with binfmt-support, the registry, htpasswd, curl,
 * the AWS CLI, podman and buildah, cosign (trixie's), mmdebstrap, the kernel's QEMU interpreters enabled, and busybox for each
 * architecture in the cache. One function for the test setup, `npm run test-integration` and the
 * README's main job, so that none of them works only because another ran first on the machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePackages } from './apt.js';
import { ensureCosign } from './cosign.js';
import { ensureEnginePackages, ensureQemu } from './engine.js';
import { SCENARIO_AWS_CLI_PACKAGE } from './environment.js';
import { busyboxContext, DEFAULT_PLATFORMS } from './images.js';
import type { Log } from './process.js';

// mmdebstrap: the image stand-ins of the Debian-based images (stand-ins.ts).
export const INTEGRATION_PACKAGES = ['docker-registry', 'apache2-utils', 'curl', SCENARIO_AWS_CLI_PACKAGE, 'podman', 'buildah', 'mmdebstrap'];

export async function prepareHost(log: Log): Promise<void> {
  await ensureEnginePackages(log);
  await ensurePackages(INTEGRATION_PACKAGES, { log });
  await ensureCosign(log);
  await ensureQemu(log);
  // Adds the foreign dpkg architectures and downloads busybox-static for each into the cache.
  const context = await mkdtemp(path.join(tmpdir(), 'catalog-busybox-'));
  await busyboxContext(context, DEFAULT_PLATFORMS, log).finally(() => rm(context, { recursive: true, force: true }));
}
