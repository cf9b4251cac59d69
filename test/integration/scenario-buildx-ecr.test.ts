/**
 * Scenario 1, "Example buildx-ecr on the default branch", for real (harness/integration/scenario.ts):
 * moto (ECR + STS, OIDC), a TLS registry under the ECR hostname on :443, the Docker engine and the
 * job shells in a private mount namespace, the example pipeline rendered from a clone of this work
 * tree and run with the shell-executor emulation. Asserts on the registry, not on job logs.
 *
 * Needs root (dockerd, mount namespaces, binfmt, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { DEFAULT_PLATFORMS } from '../../harness/integration/images.js';
import { signatureTag } from '../../harness/integration/cosign.js';
import { runBuildxEcrScenario } from '../../harness/integration/scenario.js';

const reason = integrationUnavailable;

describeUnavailable('scenario buildx-ecr');

describe.runIf(reason === undefined)('scenario 1: example buildx-ecr on the default branch (host-based: the pipeline as our include processor renders it; test/pipelines runs it in job containers)', () => {
  it('pushes an index with exactly the three platforms that each run, latest on the same digest, OCI labels, the dotenv digest the registry\'s', { timeout: 900_000 }, async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-scenario-'));
    const result = await runBuildxEcrScenario({ workDir, repo: REPO_ROOT, log: (line) => console.log(`[scenario] ${line}`) });
    for (const [name, ms] of Object.entries(result.timings)) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);

    expect(result.pipeline.status).toBe('success');
    expect(result.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['ecr-login-check', 'success'],
      ['build-image', 'success'],
      ['verify-image', 'success'],
    ]);
    expect(result.indexMediaType).toMatch(/^application\/vnd\.(oci\.image\.index\.v1|docker\.distribution\.manifest\.list\.v2)\+json$/);
    expect(result.platforms.map((p) => p.platform).sort()).toEqual([...DEFAULT_PLATFORMS].sort());
    expect(new Set(result.platforms.map((p) => p.digest)).size).toBe(DEFAULT_PLATFORMS.length);
    expect(result.imageRef).toBe(`${result.dotenv['BUILD_IMAGE']}@${result.registryDigest}`);
    expect(result.dotenv['BUILD_DIGEST']).toBe(result.registryDigest);
    expect(result.latestDigest).toBe(result.registryDigest);
    // Each platform of the pushed index runs (amd64 natively, arm64 and ppc64le under QEMU).
    const machine: Record<string, string> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/ppc64le': 'ppc64le' };
    expect(result.unames).toEqual(Object.fromEntries(DEFAULT_PLATFORMS.map((p) => [p, machine[p]])));
    // OCI labels from the CI variables the runner set (buildx-ecr's oci-labels default).
    expect(result.labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(result.labels['org.opencontainers.image.source']).toMatch(/^https:\/\/gitlab\.example\.com\/platform\/ci-catalog$/);
    expect(result.dotenv['BUILD_TAGS']?.split(',')).toContain('latest');
    // The example's tag-strategy `auto` on the default branch: the reported tags (short SHA, branch
    // slug, `latest`) and the branch's registry cache.
    expect(result.tags).toEqual(expect.arrayContaining(['latest', 'buildcache-main', ...(result.dotenv['BUILD_TAGS']?.split(',') ?? [])]));
    // The example signs the index it pushed (`sign: key`): the signature's tag, named after that digest.
    expect(result.tags).toContain(signatureTag(result.registryDigest));
    // Scenario 6 for this run: no secret (registry password, ID token, STS session) in any job output.
    expect(result.leaks).toEqual([]);
  });
});
