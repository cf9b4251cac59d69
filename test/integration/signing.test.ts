/**
 * Signing with cosign, for real (Debian trixie's cosign 2.5, harness/integration/cosign.ts), in one
 * integration environment (environment.ts: moto, the TLS registry under the ECR hostname, the
 * shell-executor emulation):
 * - the buildx-ecr example as it is (`sign: key`), with a key pair this test generates given as the
 *   project variables the example names (file-type COSIGN_PRIVATE_KEY and COSIGN_PUBLIC_KEY, masked
 *   COSIGN_PASSWORD): build-image signs the index it pushed, verify-image checks the signature;
 * - manifest-merge (`tool: podman`, `sign: key`) merging that index into new repositories, once
 *   with `cert-dir` and once with `tls-verify: false`, in jobs whose system trust lacks the
 *   registry's CA (SSL_CERT_FILE): cosign reaches the registry only through the registry options
 *   the component derives from those inputs.
 *
 * Registry facts are read from the registry by the harness: the signature tag in the repository's
 * tag list, `cosign triangulate`, `cosign verify --key` with the signing key (passes, and its
 * payload names the digest) and with another key (fails). Job logs are read only for what the
 * jobs say they did (verify-image's verdict, the cosign command line).
 *
 * Needs root (dockerd, mount namespaces, binfmt, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { generateKeyPair, keyPairVariables, signatureFacts, signatureTag, type CosignKeyPair, type SignatureFacts } from '../../harness/integration/cosign.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { DEFAULT_PLATFORMS } from '../../harness/integration/images.js';
import { indexEntries } from '../../harness/integration/oci.js';
import { pipelineFailure } from '../../harness/integration/runner.js';
import { exampleSigningKeys, prepareBuildxEcrContext, runBuildxEcrPipeline, type BuildxEcrRunResult } from '../../harness/integration/scenario.js';
import { scanEnvironmentForLeaks } from '../../harness/integration/secrets.js';

const log = (line: string): void => console.log(`[signing] ${line}`);

/**
 * A pipeline of two manifest-merge jobs re-indexing `source` into repositories of their own, each
 * signing with the project's key. One after the other: the emulation runs a stage's jobs in one
 * project directory, where both would write their dotenv report to the same `manifest-merge.env`.
 */
function mergePipeline(source: string, ecrHost: string, certDir: string): string {
  const merge = (as: string, needs: readonly string[], repository: string, registry: Record<string, unknown>): string =>
    JSON.stringify({
      component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/manifest-merge@$CI_COMMIT_SHA',
      inputs: {
        as,
        needs,
        tool: 'podman',
        source: 'refs',
        refs: source,
        platforms: DEFAULT_PLATFORMS.join(' '),
        'image-name': `${ecrHost}/${repository}`,
        tags: 'merged',
        latest: 'never',
        'dotenv-prefix': as.toUpperCase().replaceAll('-', '_'),
        'registry-user-var': 'REGISTRY_USER',
        'registry-password-var': 'REGISTRY_PASSWORD',
        'retry-delay': 1,
        sign: 'key',
        ...registry,
      },
    });
  return [
    'stages: [deploy]',
    'include:',
    `  - ${merge('merge-cert-dir', [], 'signing/merged-cert-dir', { 'cert-dir': certDir })}`,
    `  - ${merge('merge-insecure', ['merge-cert-dir'], 'signing/merged-insecure', { 'tls-verify': false })}`,
    '',
  ].join('\n');
}

describeUnavailable('signing');

describe.runIf(integrationUnavailable === undefined)('signing with cosign (host-based: key pairs generated here, the registry read back with cosign)', () => {
  let env: Environment | undefined;
  let keys: CosignKeyPair | undefined;
  let otherKeys: CosignKeyPair | undefined;
  let signed: BuildxEcrRunResult | undefined;

  beforeAll(async () => {
    env = await startEnvironment({ workDir: mkdtempSync(path.join(os.tmpdir(), 'catalog-signing-')), repo: REPO_ROOT, log });
    await prepareBuildxEcrContext(env);
    keys = await exampleSigningKeys(env);
    otherKeys = await generateKeyPair(env.runDir('cosign', 'other'), randomBytes(18).toString('base64url'));
  }, 900_000);

  afterAll(async () => {
    for (const [name, ms] of Object.entries(env?.timings ?? {})) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);
    await env?.stop();
  }, 300_000);

  const started = (): { env: Environment; keys: CosignKeyPair; otherKeys: CosignKeyPair } => {
    if (env === undefined || keys === undefined || otherKeys === undefined) throw new Error('environment not started');
    return { env, keys, otherKeys };
  };

  /** The registry's signature facts of `image@digest`, printed for the report, with the assertions every signed digest must meet. */
  const expectSignedWith = async (e: Environment, image: string, digest: string, k: CosignKeyPair, other: CosignKeyPair): Promise<SignatureFacts> => {
    const tags = await e.tags(image.slice(e.ecrHost.length + 1));
    const facts = await signatureFacts((argv) => e.inNamespace(argv), `${image}@${digest}`, k.publicKey, other.publicKey);
    log(`${image}@${digest}: tags ${tags.join(' ')}; triangulate ${facts.signatureRef}; verify --key: ${facts.verifiedWithKey ? 'ok' : 'FAILED'}, signed digests ${facts.signedDigests.join(' ')}; other key: exit ${facts.otherKey.exitCode} "${facts.otherKey.error}"`);
    expect(tags).toContain(signatureTag(digest));
    expect(facts.signatureRef).toBe(`${image}:${signatureTag(digest)}`);
    expect(facts.verifiedWithKey).toBe(true);
    expect(facts.signedDigests).toEqual([digest]);
    expect(facts.otherKey.exitCode).not.toBe(0);
    expect(facts.otherKey.error).toMatch(/no matching signatures/);
    return facts;
  };

  it('the buildx-ecr example (sign: key) signs the index it pushed, by digest; verify-image checks it; another key does not verify it', { timeout: 900_000 }, async () => {
    const s = started();
    signed = await runBuildxEcrPipeline(s.env, { name: 'signed' });
    expect(signed.run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['ecr-login-check', 'success'],
      ['build-image', 'success'],
      ['verify-image', 'success'],
    ]);
    const digest = signed.registryDigest;
    expect(signed.dotenv['BUILD_DIGEST']).toBe(digest);
    await expectSignedWith(s.env, signed.image, digest, s.keys, s.otherKeys);
    // Only the index is signed (no --recursive): its digest covers the platforms and attestations in it.
    for (const { digest: child } of signed.platforms) expect(signed.tagDigests[signatureTag(child)], child).toBeUndefined();

    const logOf = (job: string): string => readFileSync(signed?.run.pipeline.jobs.find((j) => j.name === job)?.logFile ?? '', 'utf8');
    // The key reached cosign as the file-type variable's path, the password in its environment only.
    expect(logOf('build-image')).toMatch(new RegExp(`^buildx-ecr: cosign sign --yes --tlog-upload=false --key \\S+/COSIGN_PRIVATE_KEY ${s.env.ecrHost.replaceAll('.', '\\.')}/\\S+@${digest} \\(sign: key\\)$`, 'm'));
    expect(logOf('verify-image')).toMatch(new RegExp(`^verify-image: \\S+@${digest} is signed with the project's key$`, 'm'));

    const { leaks } = await scanEnvironmentForLeaks(s.env, [signed.run], { secrets: [{ name: 'cosign key password', value: s.keys.password }] });
    expect(leaks).toEqual([]);
  });

  it('manifest-merge (tool podman, sign: key) signs the index it built, reaching the registry through cert-dir or tls-verify: false alone', { timeout: 900_000 }, async () => {
    const s = started();
    if (signed === undefined) throw new Error('the buildx-ecr run did not happen');
    // The jobs' system trust without the registry's CA (Go reads SSL_CERT_FILE and every file in
    // SSL_CERT_DIR, whose default /etc/ssl/certs holds the namespace's bundle with the CA): only the
    // component's registry options let cosign in.
    const dir = s.env.runDir('signing', 'merge-trust');
    const bundle = path.join(dir, 'system-ca-certificates.crt');
    copyFileSync('/etc/ssl/certs/ca-certificates.crt', bundle);
    const noCertDir = path.join(dir, 'no-certs');
    mkdirSync(noCertDir);
    const certDir = path.join(dir, 'certs.d');
    mkdirSync(certDir);
    copyFileSync(s.env.tls.caCert, path.join(certDir, 'ca.crt'));

    const run = await s.env.runner.run(mergePipeline(signed.imageRef, s.env.ecrHost, certDir), {
      name: 'merge-signed',
      variables: [
        ...keyPairVariables(s.keys),
        { key: 'REGISTRY_USER', value: 'AWS' },
        { key: 'REGISTRY_PASSWORD', value: s.env.token.password, masked: true },
      ],
      env: { SSL_CERT_FILE: bundle, SSL_CERT_DIR: noCertDir },
    });
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const logOf = (job: string): string => readFileSync(run.pipeline.jobs.find((j) => j.name === job)?.logFile ?? '', 'utf8');
    for (const [job, prefix, repository, options] of [
      ['merge-cert-dir', 'MERGE_CERT_DIR', 'signing/merged-cert-dir', '--registry-cacert \\S+'],
      ['merge-insecure', 'MERGE_INSECURE', 'signing/merged-insecure', '--allow-insecure-registry --allow-http-registry'],
    ] as const) {
      const dotenv = run.pipeline.jobs.find((j) => j.name === job)?.dotenv ?? {};
      const image = `${s.env.ecrHost}/${repository}`;
      const digest = dotenv[`${prefix}_INDEX_DIGEST`] ?? '';
      const index = indexEntries(await s.env.rawManifest(`${image}@${digest}`));
      expect(index.digest, job).toBe(digest);
      expect(Object.fromEntries(index.platforms.map((p) => [p.platform, p.digest])), job).toEqual(Object.fromEntries(signed.platforms.map((p) => [p.platform, p.digest])));
      await expectSignedWith(s.env, image, digest, s.keys, s.otherKeys);
      expect(logOf(job)).toMatch(new RegExp(`^manifest-merge: cosign sign --yes --tlog-upload=false ${options} --key \\S+ ${image.replaceAll('.', '\\.')}@${digest} \\(sign: key\\)$`, 'm'));
    }
    const { leaks } = await scanEnvironmentForLeaks(s.env, [run], { secrets: [{ name: 'cosign key password', value: s.keys.password }] });
    expect(leaks).toEqual([]);
  });
});
