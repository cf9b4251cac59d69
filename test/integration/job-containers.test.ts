/**
 * Jobs in containers, as GitLab's docker executor runs them (harness/integration/gitlab-ci-local-docker.ts):
 * gitlab-ci-local's docker executor against a job engine in a private network namespace, with the
 * image stand-ins loaded.
 *
 * The probe: a job in docker:29.5.2-cli with a docker:29.5.2-dind service over TLS (the runner's
 * per-job /certs/client volume) and a registry:3.0.0 service (alias `registry`) builds linux/amd64
 * and linux/arm64 with buildx in dind and pushes the index to the registry service; a second job,
 * with a registry service over the same storage (the first job's artifact), checks the index.
 * Asserted: each job ran in its image (the stand-in's os-release, no bash, the machine's
 * architecture), the services answered under their aliases, the index has both platforms, the
 * after_script ran in a new shell, dotenv variables reached the second job.
 *
 * The podman-native example's ecr-login check job (`auth-targets: podman`), in the image the example
 * gives it, with what it calls as services: moto (STS, ECR; alias `moto`) and the ECR registry
 * (the registry stand-in under the ECR hostname, TLS on 443 with the harness CA, htpasswd with
 * moto's token password): the job must log in with podman, as on GitLab.
 *
 * podman-arch-build in its default image (podman 5) builds a Containerfile with RUN steps for this
 * machine's architecture, without pushing: the RUN steps must run in a job container whose limits
 * podman cannot raise (this machine has no CAP_SYS_RESOURCE; an unprivileged runner neither).
 *
 * The secret scan of the pipelines project (container-files.ts, secrets.ts) on planted files: a
 * container writes a secret to its root and, base64-encoded, to a volume another container shares;
 * the scan must find both where the containers have them, and leave out what no job wrote.
 *
 * Root only (dockerd, namespaces, mmdebstrap): elsewhere skipped with the reason, or failed under
 * CATALOG_REQUIRE_TOOLS=1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { gitlabCiLocalDockerRunner, startJobEngine, type JobEngine } from '../../harness/integration/gitlab-ci-local-docker.js';
import { jobContainerFiles, removeJobContainers } from '../../harness/integration/container-files.js';
import { docker } from '../../harness/integration/engine.js';
import { checkGitlabCiLocal } from '../../harness/integration/gitlab-ci-local-run.js';
import { pipelineFailure, type PipelineRun } from '../../harness/integration/runner.js';
import { findSecretLeaksInFiles } from '../../harness/integration/secrets.js';
import { ecrLoginCheckPipelineText, nativeArch, PODMAN_IGNORED_SCHEMA_PATHS, ROLE_ARN } from '../../harness/integration/scenario-podman.js';
import { execa } from 'execa';
import { describeUnavailable, integrationUnavailable, REPO_ROOT, TOOLS_REQUIRED } from '../helpers/integration.js';

const log = (line: string): void => console.log(`[job-containers] ${line}`);
const MACHINE = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x' }[process.arch as string] ?? process.arch;

/** The registry service of both jobs keeps its storage in the build directory, which is the first job's artifact. */
const REGISTRY_SERVICE = `    - name: registry:3.0.0
      alias: registry
      variables:
        REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: $CI_PROJECT_DIR/registry-data`;

const PROBE_PIPELINE = `stages: [build, check]
build-multiarch:
  stage: build
  image: docker:29.5.2-cli
  services:
    - name: docker:29.5.2-dind
      alias: docker
      # What users write for a plain-HTTP registry service: dockerd's own argument.
      command: ["--insecure-registry=registry:5000"]
${REGISTRY_SERVICE}
  variables:
    # dind pushes to the registry service: services reach each other only on a network per job.
    FF_NETWORK_PER_BUILD: "true"
    DOCKER_TLS_CERTDIR: /certs
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_VERIFY: "1"
    DOCKER_CERT_PATH: /certs/client
  script:
    - PROBE_SCRIPT_VAR=set-in-script
    - . /etc/os-release
    - |
      {
        echo "BUILD_OS_ID=$ID"
        echo "BUILD_HAS_BASH=$(command -v bash > /dev/null && echo yes || echo no)"
        echo "BUILD_MACHINE=$(uname -m)"
        echo "BUILD_PWD=$PWD"
        echo "BUILD_PROJECT_DIR=$CI_PROJECT_DIR"
        echo "BUILD_SERVER_OS=$(docker version --format '{{.Server.Os}}')"
        echo "BUILD_DOCKER_RESOLVES=$(getent hosts docker > /dev/null && echo yes || echo no)"
        echo "BUILD_REGISTRY_V2=$(wget -q -O - http://registry:5000/v2/ > /dev/null && echo yes || echo no)"
      } > probe.env
    - mkdir -p ctx && echo probe > ctx/probe.txt && printf 'FROM scratch\\nCOPY probe.txt /probe.txt\\n' > ctx/Dockerfile
    - docker buildx build --platform linux/amd64,linux/arm64 --tag registry:5000/probe/multiarch:1 --push ctx
    - echo "BUILD_SCRIPT_VAR=$PROBE_SCRIPT_VAR" >> probe.env
  after_script:
    # A new shell: what the script set is gone.
    - echo "AFTER_SCRIPT_SEES=\${PROBE_SCRIPT_VAR:-unset}" >> probe.env
  artifacts:
    paths: [registry-data/]
    reports:
      dotenv: probe.env
check-index:
  stage: check
  image: docker:29.5.2-cli
  services:
${REGISTRY_SERVICE}
  script:
    # Attestation manifests (buildx's default provenance) are listed as platform unknown/unknown.
    - |
      wget -q -O index.json --header 'Accept: application/vnd.oci.image.index.v1+json' --header 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' http://registry:5000/v2/probe/multiarch/manifests/1
    - |
      {
        echo "CHECK_FROM_BUILD=$BUILD_OS_ID"
        echo "CHECK_PLATFORMS=$(grep -o '"architecture": *"[a-z0-9]*"' index.json | sed 's/.*"\\([a-z0-9]*\\)"$/\\1/' | grep -v '^unknown$' | sort | tr '\\n' ' ')"
        echo "CHECK_MEDIA_TYPE=$(grep -o '"mediaType": *"[^"]*index[^"]*"' index.json | head -n 1 | sed 's/.*: *"\\(.*\\)"/\\1/')"
      } > check.env
  artifacts:
    reports:
      dotenv: check.env
`;

/**
 * What the check job calls, as services of the job: moto, and the registry under the ECR hostname
 * over TLS on 443 (certificate and key as file variables, which gitlab-ci-local mounts into services
 * too), with htpasswd `AWS` / moto's token password, as ECR checks the token.
 */
const CHECK_JOB_SERVICES = `ecr-login-check:
  services:
    - name: motoserver/moto:5.2.1
      alias: moto
    - name: registry:3.0.0
      alias: ${'${ECR_HOST}'}
      variables:
        REGISTRY_HTTP_ADDR: ":443"
        # GitLab's runner waits for this port; gitlab-ci-local ignores it, waits for the image's
        # exposed 5000 for 30 s, warns and goes on.
        HEALTHCHECK_TCP_PORT: "443"
        REGISTRY_HTTP_TLS_CERTIFICATE: $ECR_TLS_CERT
        REGISTRY_HTTP_TLS_KEY: $ECR_TLS_KEY
        REGISTRY_AUTH: htpasswd
        REGISTRY_AUTH_HTPASSWD_REALM: ecr
        REGISTRY_AUTH_HTPASSWD_PATH: $ECR_HTPASSWD
`;

/**
 * podman-arch-build for `arch`, not pushing, with a context its job's before_script makes: no base
 * image can be pulled here and gitlab-ci-local copies only committed files, so the base is the job
 * image's own bash and the libraries it links, `podman import`ed into the job's podman storage,
 * and the Containerfile has one RUN step on it.
 */
const PODMAN_RUN_STEPS_PIPELINE = (arch: string): string => `include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/podman-arch-build@$CI_COMMIT_SHA
    inputs:
      arch: ${arch}
      runner-tags: []
      image-name: registry.example.com/app
      context: run-steps
      push: false

podman-build-${arch}:
  before_script:
    - mkdir -p run-steps /tmp/base/usr/bin
    - for f in /usr/bin/bash $(ldd /usr/bin/bash | grep -o '/[^ ]*'); do cp --parents "$f" /tmp/base; done
    - cp /usr/bin/bash /tmp/base/usr/bin/sh && ln -s usr/bin /tmp/base/bin
    - tar -C /tmp/base -c . | podman --storage-driver="$STORAGE_DRIVER" import - localhost/run-steps-base:1
    - printf 'FROM localhost/run-steps-base:1\\nRUN echo "run step as $EUID"\\n' > run-steps/Containerfile
`;

function jobLine(run: PipelineRun): string {
  return run.pipeline.jobs
    .map((j) => `${j.name}: image ${j.image ?? '-'}, services ${(j.services ?? []).join(', ') || '-'}, ${j.durationMs === undefined ? '?' : (j.durationMs / 1000).toFixed(1)} s, ${j.status}`)
    .join('\n');
}

describeUnavailable('jobs in containers');

describe.runIf(integrationUnavailable === undefined)('jobs in containers (gitlab-ci-local docker executor)', () => {
  let base = '';
  let env: Environment | undefined;
  let jobEngine: JobEngine | undefined;
  let problem: string | undefined;

  beforeAll(async () => {
    problem = await checkGitlabCiLocal(log);
    if (problem !== undefined) return;
    base = mkdtempSync(path.join(os.tmpdir(), 'catalog-jc-'));
    env = await startEnvironment({ workDir: path.join(base, 'env'), repo: REPO_ROOT, log });
    jobEngine = await startJobEngine({ dir: mkdtempSync('/tmp/cje-'), log, standIns: ['docker-cli', 'docker-dind', 'registry', 'podman', 'moto'] });
  }, 900_000);

  afterAll(async () => {
    await jobEngine?.stop();
    await env?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
  }, 180_000);

  const ready = (context: TestContext): { env: Environment; jobEngine: JobEngine } => {
    if (problem !== undefined) {
      if (TOOLS_REQUIRED) throw new Error(`CATALOG_REQUIRE_TOOLS=1 but gitlab-ci-local cannot run here: ${problem}`);
      context.skip(problem);
    }
    if (env === undefined || jobEngine === undefined) throw new Error('environment not started');
    return { env, jobEngine };
  };

  it('a buildx job in docker:29.5.2-cli with dind and registry services pushes a two-platform index; the next job checks it', { timeout: 600_000 }, async (context) => {
    const { env, jobEngine } = ready(context);
    // dind needs --privileged; gitlab-ci-local's flag is global, as a runner's `privileged = true`.
    const runner = gitlabCiLocalDockerRunner(env, jobEngine, { privileged: true });
    const run = await runner.run(PROBE_PIPELINE, { name: 'probe', verbose: true });
    console.log(`[jobs] probe pipeline\n${jobLine(run)}`);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const [build, check] = run.pipeline.jobs;
    expect(build?.image).toBe('docker:29.5.2-cli');
    // gitlab-ci-local starts a job's services in parallel: in the order they come up.
    expect([...(build?.services ?? [])].sort()).toEqual(['docker:29.5.2-dind (docker)', 'registry:3.0.0 (registry)']);
    expect(check?.services).toEqual(['registry:3.0.0 (registry)']);
    expect(build?.dotenv).toEqual({
      BUILD_OS_ID: 'catalog-stand-in',
      BUILD_HAS_BASH: 'no',
      BUILD_MACHINE: MACHINE,
      BUILD_PWD: '/builds/platform/ci-catalog',
      BUILD_PROJECT_DIR: '/builds/platform/ci-catalog',
      BUILD_SERVER_OS: 'linux',
      BUILD_DOCKER_RESOLVES: 'yes',
      BUILD_REGISTRY_V2: 'yes',
      BUILD_SCRIPT_VAR: 'set-in-script',
      AFTER_SCRIPT_SEES: 'unset',
    });
    expect(check?.dotenv).toEqual({
      CHECK_FROM_BUILD: 'catalog-stand-in',
      // GitLab's dotenv parser (and ours) trims the value.
      CHECK_PLATFORMS: 'amd64 arm64',
      CHECK_MEDIA_TYPE: 'application/vnd.oci.image.index.v1+json',
    });
  });

  it('examples/podman-native: the ecr-login check job (auth-targets: podman) logs in with podman in the image the example gives it', { timeout: 600_000 }, async (context) => {
    const { env, jobEngine } = ready(context);
    // podman, even for `podman login`, fails in an unprivileged container ("cannot clone: Operation
    // not permitted"); GitLab.com's instance runners are privileged. The CA of the harness's TLS
    // files stands in for the public CA of the real ECR hostname.
    const runner = gitlabCiLocalDockerRunner(env, jobEngine, { privileged: true, caFile: env.tls.caCert });
    const example = readFileSync(path.join(REPO_ROOT, 'examples/podman-native/.gitlab-ci.yml'), 'utf8');
    const pipeline = ecrLoginCheckPipelineText(example, CHECK_JOB_SERVICES.replace('${ECR_HOST}', env.ecrHost));
    const htpasswd = (await execa('htpasswd', ['-i', '-B', '-n', env.token.user], { input: env.token.password })).stdout.trim();
    const run = await runner.run(pipeline, {
      name: 'podman-native-check',
      verbose: true,
      variables: [
        { key: 'AWS_ROLE_ARN', value: ROLE_ARN },
        { key: 'ECR_TLS_CERT', value: readFileSync(env.tls.serverCert, 'utf8'), file: true },
        { key: 'ECR_TLS_KEY', value: readFileSync(env.tls.serverKey, 'utf8'), file: true },
        { key: 'ECR_HTPASSWD', value: `${htpasswd}\n`, file: true },
      ],
    });
    console.log(`[jobs] podman-native ecr-login check\n${jobLine(run)}`);
    expect(run.pipeline.jobs.map((j) => j.name)).toEqual(['ecr-login-check']);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const [check] = run.pipeline.jobs;
    const log = readFileSync(check?.logFile ?? '', 'utf8');
    expect(log).toMatch(/^ecr-login: podman: logged in to 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/m);
  });

  it('podman-arch-build in its default image (podman 5) runs the RUN steps of a Containerfile (push: false) where the job cannot raise its open-file and process limits', { timeout: 600_000 }, async (context) => {
    const { env, jobEngine } = ready(context);
    const arch = nativeArch();
    if (arch === undefined) return context.skip(`no podman-arch-build arch for this machine (${process.arch})`);
    const runner = gitlabCiLocalDockerRunner(env, jobEngine, { privileged: true });
    const run = await runner.run(PODMAN_RUN_STEPS_PIPELINE(arch), { name: 'podman-run-steps', verbose: true, ignoreSchemaPaths: PODMAN_IGNORED_SCHEMA_PATHS });
    console.log(`[jobs] podman-arch-build, RUN steps\n${jobLine(run)}`);
    expect(run.pipeline.jobs.map((j) => [j.name, j.image])).toEqual([[`podman-build-${arch}`, 'quay.io/podman/stable:v5.8.7']]);
    expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
    const log = readFileSync(run.pipeline.jobs[0]?.logFile ?? '', 'utf8');
    expect(log).toMatch(/^podman-arch-build: podman version 5\.\d+\.\d+$/m);
    expect(log).toMatch(/^STEP \d+\/\d+: RUN echo "run step as \$EUID"$/m);
    expect(log).toMatch(/^run step as 0$/m);
    expect(log).toMatch(new RegExp(`^podman-arch-build: image \\S+ is linux/${arch} as expected$`, 'm'));
  });

  it('the secret scan of job containers finds a secret one wrote to its root and, base64-encoded, to a volume; it reads each shared volume once and leaves out image files, image stores and the project\'s own files', { timeout: 300_000 }, async (context) => {
    const { jobEngine } = ready(context);
    const secret = { name: 'planted password', value: 'planted-Secret-0123456789abcdef' };
    const project = mkdtempSync(path.join(base, 'project-'));
    writeFileSync(path.join(project, 'README.md'), 'the project\'s own file\n');
    mkdirSync(path.join(project, 'sub'));
    writeFileSync(path.join(project, 'sub', 'edited.txt'), 'as committed\n');
    const volume = `catalog-scan-${path.basename(project).toLowerCase()}`;
    const dir = '/builds/platform/ci-catalog';
    const encoded = Buffer.from(`AWS:${secret.value}`).toString('base64');
    const script = [
      `mkdir -p /root/.docker /var/lib/docker ${dir}/sub`,
      `printf '{"auths":{"x":{"password":"%s"}}}\\n' "$SECRET" > /root/.docker/config.json`,
      // In an image store: left out (what images hold is another scan's matter).
      'echo "$SECRET" > /var/lib/docker/image-store-file',
      `printf 'one\\n%s\\n' "${encoded}" > ${dir}/job-output.txt`,
      `echo "the project's own file" > ${dir}/README.md`,
      `echo edited > ${dir}/sub/edited.txt`,
    ].join(' && ');
    const engine = jobEngine.engine;
    try {
      await docker(['run', '--name', 'scan-writer', '--network', 'none', '--env', `SECRET=${secret.value}`, '--volume', `${volume}:/builds`, 'docker:29.5.2-cli', 'sh', '-c', script], engine);
      await docker(['run', '--name', 'scan-reader', '--network', 'none', '--volume', `${volume}:/builds`, 'docker:29.5.2-cli', 'true'], engine);
      // The containers the other tests' runs left, if any (gitlab-ci-local removes them): not this test's matter.
      const containers = (await jobContainerFiles(engine, { hostDir: project, containerDir: dir })).filter((c) => c.name.startsWith('scan-'));
      const labels = Object.fromEntries(containers.map((c) => [c.name, c.files.map((f) => f.label).sort()]));
      expect(labels).toEqual({
        'scan-writer': [`scan-writer:${dir}/job-output.txt`, `scan-writer:${dir}/sub/edited.txt`, 'scan-writer:/root/.docker/config.json'],
        // The volume the writer has: listed there only.
        'scan-reader': [],
      });
      expect(findSecretLeaksInFiles(containers.flatMap((c) => c.files), [secret])).toEqual([
        { file: `scan-writer:${dir}/job-output.txt`, secret: secret.name, line: 2, form: 'base64' },
        { file: 'scan-writer:/root/.docker/config.json', secret: secret.name, line: 1, form: 'plain' },
      ]);
      await removeJobContainers(engine);
      expect((await docker(['ps', '-a', '--format', '{{.Names}}'], engine)).trim()).toBe('');
    } finally {
      await docker(['rm', '-f', 'scan-writer', 'scan-reader'], engine).catch(() => undefined);
      await docker(['volume', 'rm', '-f', volume], engine);
    }
  });
});
