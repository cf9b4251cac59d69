/**
 * The example pipelines and the catalog's own integration stage as GitLab's docker executor runs them: gitlab-ci-local's docker executor
 * (harness/integration/gitlab-ci-local-docker.ts) on a job engine in a private network namespace,
 * every job in a container of its `image:` (the stand-ins), dind as a TLS service, and the world
 * the jobs reach (harness/integration/job-world.ts): moto, the ECR registry under its hostname and
 * the Docker Hub mirror that holds `alpine:3.20.3` and the binfmt image. The examples run as they
 * are, with these changes only, each named in its test:
 * - buildx-ecr: `buildx-driver: docker` (the engine's own BuildKit, as before the moby/buildkit
 *   stand-in existed; examples/buildx-native runs the docker-container driver);
 * - buildx-native: `buildkitd-config-inline` naming the mirror for docker.io and the world's CA for
 *   the mirror and the ECR registry, as an air-gapped company configures a docker-container builder
 *   (BuildKit reads neither the daemon's mirrors nor the job's CA bundle); its builder is the
 *   moby/buildkit stand-in (dockerd 26.1's BuildKit), pulled through the mirror into dind;
 * - podman-native: `emulation: true` for the arm64 and ppc64le jobs, which GitLab runs on runners of
 *   those CPUs and this x86_64 machine runs under QEMU.
 * The catalog's `.gitlab-ci.yml` runs its `integration` stage only (the jobs before it run
 * scripts/test.sh, which is what runs this file), with `buildx-driver: docker` for the same reason
 * and the project's container registry ($CI_REGISTRY…) standing in as the world's registry.
 * Project variables are what a project would set: `AWS_ROLE_ARN` (podman-native), the ID token
 * gitlab-ci-local cannot mint (runner.ts `idTokens`), `AWS_API_ENDPOINT` (moto), the cosign key pair
 * the buildx-ecr example signs and verifies with (generated here; cosign.ts `keyPairVariables`).
 *
 * The buildx-ecr pipeline runs with the kernel's QEMU entries taken away, as on a new runner, so
 * that buildx-ecr registers QEMU itself with the binfmt stand-in pulled through the mirror into
 * dind; they are put back afterwards. binfmt_misc is one table for the machine: this is why the
 * `pipelines` project runs alone (vitest.config.ts).
 *
 * Assertions read the ECR registry (platforms, digests, tags, `latest`, what each platform's image
 * prints) and the jobs' dotenv reports and logs; the secret scan covers the logs, the dotenv
 * reports and the files the jobs left in their containers (container-files.ts); each pipeline's job
 * table (image, services, wall time) is printed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qemuEntries, takeAwayQemu, type BinfmtEntry } from '../../harness/fresh-machine/binfmt.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { gitlabCiLocalDockerRunner, startJobEngine, type JobEngine } from '../../harness/integration/gitlab-ci-local-docker.js';
import { jobContainerFiles, removeJobContainers } from '../../harness/integration/container-files.js';
import { dockerCli } from '../../harness/integration/engine.js';
import { generateKeyPair, keyPairVariables, signatureTag } from '../../harness/integration/cosign.js';
import { checkGitlabCiLocal } from '../../harness/integration/gitlab-ci-local-run.js';
import { MIRROR_HOST, startWorld, WORLD_ENGINE_OPTIONS, WORLD_STAND_INS, type World } from '../../harness/integration/job-world.js';
import { indexEntries } from '../../harness/integration/oci.js';
import { runUnchecked } from '../../harness/integration/process.js';
import { pipelineFailure, type ExtraVariable, type PipelineRun } from '../../harness/integration/runner.js';
import { filesUnder, findSecretLeaksInFiles, jwtSecrets, scannedAsTheyAre, type Secret, type SecretLeak } from '../../harness/integration/secrets.js';
import { parseYamlForEditing } from '../../scripts/gitlab/yaml/psych.js';
import { QEMU_STATE_FILE } from '../fresh-machine/global-setup.js';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';

const log = (line: string): void => console.log(`[pipelines] ${line}`);
const MACHINE: Readonly<Record<string, string>> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/ppc64le': 'ppc64le' };

/** `example` with `inputs` set on the include of `component`. */
function exampleWith(example: string, changes: readonly { component: string; match?: (inputs: Record<string, unknown>) => boolean; inputs: Record<string, unknown> }[]): string {
  const doc = parseYamlForEditing(readFileSync(path.join(REPO_ROOT, 'examples', example, '.gitlab-ci.yml'), 'utf8'));
  for (const change of changes) {
    const indexes = Array.from({ length: doc.lengthAt(['include']) }, (_, i) => i).filter((i) => {
      if (!String(doc.scalarAt(['include', i, 'component'])).includes(`/${change.component}@`)) return false;
      const arch = doc.has(['include', i, 'inputs', 'arch']) ? doc.scalarAt(['include', i, 'inputs', 'arch']) : undefined;
      return change.match?.({ arch }) ?? true;
    });
    if (indexes.length === 0) throw new Error(`examples/${example} has no include of ${change.component} to change`);
    for (const i of indexes) for (const [key, value] of Object.entries(change.inputs)) doc.set(['include', i, 'inputs', key], value);
  }
  return doc.toString();
}

/** What one platform's image prints (`CMD cat /etc/build-platform`), read from its layers in the registry. */
async function printedBy(world: World, image: string, manifestDigest: string, dir: string): Promise<string> {
  const repository = image.slice(world.ecrHost.length + 1);
  const manifest = JSON.parse(await world.rawManifest(`${image}@${manifestDigest}`)) as { layers: { digest: string }[] };
  for (const layer of [...manifest.layers].reverse()) {
    const file = path.join(dir, layer.digest.replace(':', '-'));
    await world.blob(repository, layer.digest, file);
    try {
      return execFileSync('tar', ['-xOf', file, 'etc/build-platform'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Not in this layer.
    }
  }
  throw new Error(`no layer of ${image}@${manifestDigest} has etc/build-platform`);
}

/**
 * The index `indexDigest` of `repository` in the ECR registry holds exactly the images the build
 * jobs reported (`built`: platform → digest), each printing what `printed` says for its platform.
 */
async function expectIndexOfBuilds(world: World, repository: string, indexDigest: string, built: Record<string, string | undefined>, printed: (platform: string) => string, dir: string): Promise<void> {
  const index = indexEntries(await world.rawManifest(`${repository}@${indexDigest}`));
  expect(index.digest).toBe(indexDigest);
  expect(Object.fromEntries(index.platforms.map((p) => [p.platform, p.digest]))).toEqual(built);
  for (const { platform, digest } of index.platforms) expect(await printedBy(world, repository, digest, dir)).toBe(printed(platform));
}

/** What examples/podman-native/app prints on `platform` (its Containerfile). */
const podmanAppPrints = (platform: string): string => `hello from ${platform}, built on ${MACHINE[platform]}`;

const tableRows: string[] = [];
function recordJobs(pipeline: string, run: PipelineRun): void {
  for (const j of run.pipeline.jobs) {
    const wall = j.durationMs === undefined ? '?' : (j.durationMs / 1000).toFixed(1);
    tableRows.push(`| ${pipeline} | ${j.name} | ${j.image ?? '-'} | ${(j.services ?? []).join(', ') || '-'} | ${wall} | ${j.status} |`);
  }
}

/**
 * The secret scan of a run: the ID tokens (and their signatures) and the ECR password, in any form
 * secrets.ts knows, over the job logs, the dotenv reports and artifacts, and the files the jobs left
 * in their containers (job and service containers, their build and certificate volumes).
 */
async function leaksOf(run: PipelineRun, env: Environment, jobEngine: JobEngine, extra: readonly Secret[]): Promise<{ leaks: SecretLeak[]; containers: number; files: number }> {
  const secrets: Secret[] = [...run.secrets.flatMap((token) => jwtSecrets('ID token', token)), { name: 'ECR registry password', value: env.token.password }, ...extra];
  const containers = await jobContainerFiles(jobEngine.engine, { hostDir: run.project, containerDir: '/builds/platform/ci-catalog' });
  const files = [...scannedAsTheyAre(filesUnder(run.jobOutput)), ...containers.flatMap((c) => c.files)];
  const leaks = findSecretLeaksInFiles(files, secrets);
  await removeJobContainers(jobEngine.engine);
  return { leaks, containers: containers.length, files: files.length };
}

describeUnavailable('pipelines in job containers');

describe.runIf(integrationUnavailable === undefined)('example pipelines in job containers (gitlab-ci-local docker executor, dind, the world)', () => {
  let base = '';
  let env: Environment | undefined;
  let jobEngine: JobEngine | undefined;
  let world: World | undefined;

  beforeAll(async () => {
    const problem = await checkGitlabCiLocal(log);
    if (problem !== undefined) throw new Error(`gitlab-ci-local cannot run here: ${problem}`);
    base = mkdtempSync(path.join(os.tmpdir(), 'catalog-pipelines-'));
    env = await startEnvironment({ workDir: path.join(base, 'env'), repo: REPO_ROOT, log });
    jobEngine = await startJobEngine({
      dir: mkdtempSync('/tmp/cje-'),
      log,
      standIns: ['docker-cli', 'docker-dind', 'podman', ...WORLD_STAND_INS],
      ...WORLD_ENGINE_OPTIONS,
    });
    world = await startWorld({ dir: path.join(base, 'world'), jobEngine, ecrHost: env.ecrHost, ecrPassword: env.token.password, log });
  }, 1_200_000);

  afterAll(async () => {
    console.log(['[pipelines] jobs', '| pipeline | job | image | services | wall s | status |', '|---|---|---|---|---|---|', ...tableRows].join('\n'));
    await world?.stop();
    await jobEngine?.stop();
    await env?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
    // Seven minutes, as the stand-ins test's teardown: stopping the engines with every stand-in
    // loaded and removing their directories took over 180 s on a busy 2-core machine, after every
    // test had passed.
  }, 420_000);

  const started = (): { env: Environment; jobEngine: JobEngine; world: World } => {
    if (env === undefined || jobEngine === undefined || world === undefined) throw new Error('environment not started');
    return { env, jobEngine, world };
  };
  /** The secret scan of a run (leaksOf, with the `extra` secrets it was given), which must have copied at least `containers` job and service containers. */
  const expectNoLeaks = async (pipeline: string, run: PipelineRun, s: { env: Environment; jobEngine: JobEngine }, containers: number, extra: readonly Secret[] = []): Promise<void> => {
    const started = Date.now();
    const scan = await leaksOf(run, s.env, s.jobEngine, extra);
    log(`${pipeline} secret scan: ${scan.containers} containers, ${scan.files} files: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(scan.containers).toBeGreaterThanOrEqual(containers);
    expect(scan.leaks).toEqual([]);
  };
  const runnerFor = (s: { env: Environment; jobEngine: JobEngine; world: World }) =>
    // dind and podman need privileged containers, as on GitLab.com's instance runners.
    gitlabCiLocalDockerRunner(s.env, s.jobEngine, { privileged: true, caFile: s.world.caBundle, networks: [s.world.network], volumes: s.world.volumes, keepContainers: true });

  // A runner host's resolver answers a name nobody has at once. The jobs' DNS must too: a job
  // without a dind service looks up `docker` (the docker:*-cli images' DOCKER_HOST) at its first
  // docker command, and an upstream it cannot reach made that lookup wait out its timeouts.
  it('a job container on the world network gets NXDOMAIN for a name nobody has, from the world\'s DNS', { timeout: 300_000 }, async () => {
    const s = started();
    const cli = s.jobEngine.standIns.find((standIn) => standIn.name === 'docker-cli')?.tags[0];
    if (cli === undefined) throw new Error('the docker-cli stand-in is not loaded');
    const { engine } = s.jobEngine;
    const answer = await runUnchecked(dockerCli(), ['--host', engine.host, 'run', '--rm', '--network', s.world.network, '--entrypoint', 'nslookup', cli, 'docker'], { env: engine.env });
    expect(`${answer.stdout}${answer.stderr}`).toMatch(/can't find docker\S*: NXDOMAIN/);
  });

  it('examples/buildx-ecr (buildx-driver: docker, the engine\'s own BuildKit): QEMU registered by the binfmt stand-in in dind, two platforms pushed to ECR, every tag on the reported digest, the index signed with the project\'s key (cosign installed with apk), verify-image passes', { timeout: 1_200_000 }, async () => {
    const s = started();
    const text = exampleWith('buildx-ecr', [{ component: 'buildx-ecr', inputs: { 'buildx-driver': 'docker' } }]);
    const keys = await generateKeyPair(mkdtempSync(path.join(base, 'cosign-')), randomBytes(18).toString('base64url'));
    const qemu = takeAwayQemu(QEMU_STATE_FILE);
    let registered: BinfmtEntry[];
    let run: PipelineRun;
    try {
      run = await runnerFor(s).run(text, { name: 'buildx-ecr', verbose: true, variables: keyPairVariables(keys) });
      registered = qemuEntries();
    } finally {
      qemu.restore();
    }
    recordJobs('buildx-ecr', run);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    expect(run.pipeline.jobs.map((j) => [j.name, j.status, j.image])).toEqual([
      ['ecr-login-check', 'success', 'docker:29.5.2-cli'],
      ['build-image', 'success', 'docker:29.5.2-cli'],
      ['verify-image', 'success', 'docker:29.5.2-cli'],
    ]);
    const build = run.pipeline.jobs[1];
    expect(build?.services).toEqual(['docker:29.5.2-dind (docker)']);
    // No QEMU before the run; buildx-ecr registered arm64's from the binfmt image in dind, which
    // dind pulled through the mirror (nothing else is reachable), with the fix-binary flag.
    const buildLog = readFileSync(build?.logFile ?? '', 'utf8');
    expect(buildLog).toMatch(/^buildx-ecr: installing QEMU emulators for arm64 with docker\.io\/tonistiigi\/binfmt:qemu-v9\.2\.2$/m);
    expect(registered.map((e) => e.name)).toContain('qemu-aarch64');
    expect(registered.find((e) => e.name === 'qemu-aarch64')?.flags).toContain('F');

    const dotenv = build?.dotenv ?? {};
    const image = dotenv['BUILD_IMAGE'] ?? '';
    expect(image).toBe(`${s.env.ecrHost}/example/buildx-app`);
    const index = indexEntries(await s.world.rawManifest(dotenv['BUILD_IMAGE_REF'] ?? ''));
    expect(dotenv['BUILD_DIGEST']).toBe(index.digest);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // tag-strategy auto on the default branch: short SHA, branch slug, latest; all on the digest.
    const tags = (dotenv['BUILD_TAGS'] ?? '').split(',');
    expect(tags).toEqual([s.env.sha.slice(0, 8), 'main', 'latest']);
    const tagDigests = await s.world.tagDigests(image);
    for (const tag of tags) expect(tagDigests[tag], tag).toBe(index.digest);
    const layers = mkdtempSync(path.join(base, 'layers-'));
    for (const { platform, digest } of index.platforms) {
      expect(await printedBy(s.world, image, digest, layers)).toBe(`hello from platform/ci-catalog from ${platform} (${MACHINE[platform]})`);
    }
    const verifyLog = readFileSync(run.pipeline.jobs[2]?.logFile ?? '', 'utf8');
    expect(verifyLog).toMatch(/^verify-image: linux\/arm64 present$/m);
    // The index's signature, by digest: a cosign simple-signing manifest under the digest's `.sig`
    // tag, made in the job container by the cosign `apk add` installed, and checked by verify-image.
    expect(buildLog).toMatch(/^apk \(stand-in\): installed cosign from the stand-in's staged packages$/m);
    const signature = JSON.parse(await s.world.rawManifest(`${image}:${signatureTag(index.digest)}`)) as { layers: { mediaType: string; annotations?: Record<string, string> }[] };
    expect(signature.layers.map((l) => l.mediaType)).toEqual(['application/vnd.dev.cosign.simplesigning.v1+json']);
    expect(signature.layers[0]?.annotations?.['dev.cosignproject.cosign/signature']).toMatch(/^[A-Za-z0-9+/=]{64,}$/);
    expect(verifyLog).toContain(`verify-image: ${image}@${index.digest} is signed with the project's key`);
    // Three jobs and the build job's dind service.
    await expectNoLeaks('buildx-ecr', run, s, 4, [{ name: 'cosign key password', value: keys.password }]);
  });

  it('examples/podman-native (arm64 and ppc64le jobs with emulation: true: GitLab runs them on runners of their CPU, this x86_64 machine under QEMU): three podman builds, the merge indexes exactly their digests', { timeout: 1_800_000 }, async () => {
    const s = started();
    const text = exampleWith('podman-native', [
      { component: 'podman-arch-build', match: ({ arch }) => arch !== 'amd64', inputs: { emulation: true } },
    ]);
    const variables: ExtraVariable[] = [{ key: 'AWS_ROLE_ARN', value: `arn:aws:iam::123456789012:role/gitlab-podman-push` }];
    const run = await runnerFor(s).run(text, { name: 'podman-native', verbose: true, variables });
    recordJobs('podman-native', run);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const arches = ['amd64', 'arm64', 'ppc64le'] as const;
    expect(run.pipeline.jobs.map((j) => [j.name, j.status, j.image])).toEqual([
      ['ecr-login-check', 'success', 'quay.io/podman/stable:v5.8.7'],
      ...arches.map((a) => [`podman-build-${a}`, 'success', 'quay.io/podman/stable:v5.8.7']),
      ['manifest-merge', 'success', 'quay.io/podman/stable:v5.8.7'],
    ]);
    const merge = run.pipeline.jobs.find((j) => j.name === 'manifest-merge');
    const dotenv = merge?.dotenv ?? {};
    const repository = `${s.env.ecrHost}/example/podman-app`;
    const indexDigest = Object.entries(dotenv).find(([k]) => k.endsWith('INDEX_DIGEST'))?.[1] ?? '';
    const built = Object.fromEntries(arches.map((a) => [`linux/${a}`, run.pipeline.jobs.find((j) => j.name === `podman-build-${a}`)?.dotenv?.[`IMAGE_DIGEST_${a.toUpperCase()}`]]));
    await expectIndexOfBuilds(s.world, repository, indexDigest, built, podmanAppPrints, mkdtempSync(path.join(base, 'layers-')));
    const tagDigests = await s.world.tagDigests(repository);
    for (const tag of [s.env.sha.slice(0, 8), 'main', 'latest']) expect(tagDigests[tag], tag).toBe(indexDigest);
    await expectNoLeaks('podman-native', run, s, 5);
  });

  it('examples/buildx-native (the "native" arm64 job runs under QEMU on this x86_64 machine; docker-container builders of the moby/buildkit stand-in, buildkitd-config-inline naming the mirror and the world\'s CA): each job pushes its platform by digest only, manifest-merge indexes exactly the digests the jobs reported', { timeout: 1_800_000 }, async () => {
    const s = started();
    // The arm64 job's builder runs arm64 through the kernel's QEMU entry, as an arm64 runner would natively (qemu: never).
    expect(qemuEntries().map((e) => e.name)).toContain('qemu-aarch64');
    const bundle = '/etc/ssl/certs/ca-certificates.crt';
    const buildkitdConfig = [
      '[registry."docker.io"]', `  mirrors = ["${MIRROR_HOST}"]`,
      `[registry."${MIRROR_HOST}"]`, `  ca = ["${bundle}"]`,
      `[registry."${s.env.ecrHost}"]`, `  ca = ["${bundle}"]`,
    ].join('\n');
    const text = exampleWith('buildx-native', [{ component: 'buildx-ecr', inputs: { 'buildkitd-config-inline': buildkitdConfig } }]);
    const run = await runnerFor(s).run(text, { name: 'buildx-native', verbose: true });
    recordJobs('buildx-native', run);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const arches = ['amd64', 'arm64'] as const;
    const buildJob = (arch: string): string => `build-image: [linux/${arch},saas-linux-small-${arch}]`;
    const jobs = Object.fromEntries(run.pipeline.jobs.map((j) => [j.name, j]));
    for (const arch of arches) {
      const job = jobs[buildJob(arch)];
      expect([job?.status, job?.image, job?.services]).toEqual(['success', 'docker:29.5.2-cli', ['docker:29.5.2-dind (docker)']]);
      const buildLog = readFileSync(job?.logFile ?? '', 'utf8');
      // The docker-container builder, no QEMU set up by the job: the builder lists the platform.
      expect(buildLog).toMatch(/^buildx-ecr: every platform is supported by the builder/m);
      expect(buildLog).toMatch(/pulling failed, using local image|pulling image docker\.io\/moby\/buildkit:v0\.23\.2/);
    }
    expect([jobs['manifest-merge']?.status, jobs['verify-image']?.status]).toEqual(['success', 'success']);

    const repository = `${s.env.ecrHost}/example/buildx-native-app`;
    const built = Object.fromEntries(arches.map((a) => [`linux/${a}`, jobs[buildJob(a)]?.dotenv?.[`BUILD_DIGEST_${a.toUpperCase()}`]]));
    log(`buildx-native: the build jobs reported ${JSON.stringify(built)}`);
    for (const arch of arches) {
      const dotenv = jobs[buildJob(arch)]?.dotenv ?? {};
      expect(dotenv[`BUILD_PLATFORM_${arch.toUpperCase()}`]).toBe(`linux/${arch}`);
      // What the job pushed by digest (its image with its attestation), present under no tag.
      const pushed = indexEntries(await s.world.rawManifest(dotenv[`BUILD_IMAGE_${arch.toUpperCase()}`] ?? ''));
      expect(pushed.platforms).toEqual([{ platform: `linux/${arch}`, digest: built[`linux/${arch}`] }]);
    }
    const merged = jobs['manifest-merge']?.dotenv ?? {};
    const indexDigest = merged['BUILD_INDEX_DIGEST'] ?? '';
    await expectIndexOfBuilds(s.world, repository, indexDigest, built, (platform) => `hello from ${platform} (${MACHINE[platform]})`, mkdtempSync(path.join(base, 'layers-')));
    // The image repository holds the index's tags only: the build jobs pushed by digest.
    const tagDigests = await s.world.tagDigests(repository);
    log(`buildx-native: tags of ${repository}: ${JSON.stringify(tagDigests)}`);
    expect(Object.keys(tagDigests).sort()).toEqual((merged['BUILD_INDEX_TAGS'] ?? '').split(',').map((t) => t.slice(t.lastIndexOf(':') + 1)).sort());
    for (const [tag, digest] of Object.entries(tagDigests)) expect(digest, tag).toBe(indexDigest);
    // Five jobs and the build jobs' dind services.
    await expectNoLeaks('buildx-native', run, s, 7);
  });

  it('the catalog\'s own .gitlab-ci.yml, integration stage (buildx-driver: docker, the engine\'s own BuildKit; the project registry is the world\'s): buildx-ecr and its checks next to their registry service, three podman builds, the merge and its check', { timeout: 1_800_000 }, async () => {
    const s = started();
    const doc = parseYamlForEditing(readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'));
    // The stages before `integration` run scripts/test.sh and the toolkit: this file is part of that run.
    for (const job of ['test', 'validate-catalog', 'lint-reports']) doc.delete([job]);
    // A push to the default branch that changes components/: GitLab runs the stage (rules:changes on
    // the push's files, decided in test/ci/release-jobs.test.ts). gitlab-ci-local compares with
    // origin/main, which is this very commit, so the anchored rule every integration job aliases
    // loses its `changes:` here.
    doc.delete(['.integration-when', 'rules', 2, 'changes']);
    // Backwards: the first of these `needs` is the anchor the others alias.
    for (let i = doc.lengthAt(['include']) - 1; i >= 0; i--) {
      const component = String(doc.scalarAt(['include', i, 'component']));
      if (component.includes('/podman-arch-build@')) doc.set(['include', i, 'inputs', 'needs'], []);
      if (component.includes('/buildx-ecr@')) doc.set(['include', i, 'inputs', 'buildx-driver'], 'docker');
    }
    // The project's container registry: GitLab's predefined CI_REGISTRY* variables, overridden by
    // project variables (which rank above them) naming the world's registry and its credentials.
    const variables: ExtraVariable[] = [
      { key: 'CI_REGISTRY', value: s.env.ecrHost },
      { key: 'CI_REGISTRY_IMAGE', value: `${s.env.ecrHost}/platform/ci-catalog` },
      { key: 'CI_REGISTRY_USER', value: 'AWS' },
      { key: 'CI_REGISTRY_PASSWORD', value: s.env.token.password, masked: true },
    ];
    const run = await runnerFor(s).run(doc.toString(), { name: 'catalog-integration', verbose: true, variables });
    recordJobs('.gitlab-ci.yml', run);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const arches = ['amd64', 'arm64', 'ppc64le'] as const;
    const podman = 'quay.io/podman/stable:v5.8.7';
    // Services with their alias and the host names GitLab derives from the image, in the order they started.
    expect(run.pipeline.jobs.map((j) => [j.name, j.status, j.image, [...(j.services ?? [])].sort()]).sort()).toEqual([
      ['integration-buildx-ecr', 'success', 'docker:29.5.2-cli', ['docker:29.5.2-dind (docker)', 'motoserver/moto:5.2.1 (moto, motoserver-moto, motoserver__moto)', 'registry:3.0.0 (registry)']],
      ...arches.map((a) => [`integration-podman-${a}`, 'success', podman, []]),
      ['integration-podman-merge', 'success', podman, []],
      ['integration-podman-verify', 'success', 'docker:29.5.2-cli', ['docker:29.5.2-dind (docker)']],
    ].sort());
    const logOf = (job: string): string => readFileSync(run.pipeline.jobs.find((j) => j.name === job)?.logFile ?? '', 'utf8');
    // The buildx-ecr job checks its registry service, which stops with the job: its own checks' verdicts.
    const platforms = arches.map((a) => `linux/${a}`);
    const buildx = logOf('integration-buildx-ecr');
    expect(buildx).toMatch(new RegExp(`^integration: ok: platforms: ${platforms.join(' ')}$`, 'm'));
    for (const platform of platforms) expect(buildx).toMatch(new RegExp(`^integration: ok: ${platform} output: hello from ${platform} \\(${MACHINE[platform]}\\)$`, 'm'));
    expect(buildx).toMatch(new RegExp(`^integration: ok: tags in the registry: ${s.env.sha.slice(0, 8)} latest pipeline-\\d+$`, 'm'));
    // The podman images are in the world's registry: read back here as well as by integration-podman-verify.
    const merge = run.pipeline.jobs.find((j) => j.name === 'integration-podman-merge')?.dotenv ?? {};
    const repository = `${s.env.ecrHost}/platform/ci-catalog/integration/podman-native`;
    const built = Object.fromEntries(arches.map((a) => [`linux/${a}`, run.pipeline.jobs.find((j) => j.name === `integration-podman-${a}`)?.dotenv?.[`INTEGRATION_PODMAN_DIGEST_${a.toUpperCase()}`]]));
    await expectIndexOfBuilds(s.world, repository, merge['INTEGRATION_PODMAN_INDEX_DIGEST'] ?? '', built, podmanAppPrints, mkdtempSync(path.join(base, 'layers-')));
    expect(logOf('integration-podman-verify')).toMatch(new RegExp(`^integration: ${repository}@sha256:[0-9a-f]{64} holds exactly ${platforms.join(' ')}$`, 'm'));
    // Six jobs, the buildx job's three services, the verify job's dind.
    await expectNoLeaks('.gitlab-ci.yml', run, s, 10);
  });
});
