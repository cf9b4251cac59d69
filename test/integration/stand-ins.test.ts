/**
 * The image stand-ins (harness/integration/stand-ins.ts): every image the catalog's YAML names is
 * built from Debian packages (or loaded from the stand-in cache) into a harness engine, and checked
 * against its row of docs/image-stand-ins.md (STAND_IN_TABLES): each tool the table says the
 * stand-in has is there, each it says is absent is not. Then the services work as a GitLab job
 * uses them, on a user network in a private network namespace: the dind stand-in answers
 * `docker version` over TLS from a docker-cli stand-in (certificates shared through a volume, as
 * the runner's /certs/client) and builds a two-platform image with buildx; without
 * DOCKER_TLS_CERTDIR it listens on 2375 and passes its extra arguments to dockerd; the registry and
 * moto stand-ins answer on port 5000 under their aliases; a docker-container builder of the
 * moby/buildkit stand-in, made in dind as buildx-ecr makes one, pushes an index by digest only;
 * binfmt, podman, node and the apk/dnf stand-ins behave as described.
 *
 * Root only (dockerd, mmdebstrap, namespaces): elsewhere skipped with the reason, or failed under
 * CATALOG_REQUIRE_TOOLS=1. Prints the time of the first build (or cached load) and of a second,
 * cached one, and the size of each archive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCli, ensureQemu, startEngine, type Engine } from '../../harness/integration/engine.js';
import { privateNetworkNamespace, type NetworkNamespace } from '../../harness/integration/network-namespace.js';
import { runUnchecked, type RunResult } from '../../harness/integration/process.js';
import { ensureStandIns, STAND_INS, standInCacheDir, type StandInName } from '../../harness/integration/stand-ins.js';
import { describeUnavailable, integrationUnavailable } from '../helpers/integration.js';

const log = (line: string): void => console.log(`[stand-ins] ${line}`);
const ALL = STAND_INS.map((r) => r.name);

function tag(name: StandInName): string {
  const recipe = STAND_INS.find((r) => r.name === name);
  if (recipe === undefined) throw new Error(`no stand-in ${name}`);
  return recipe.table.tags[0] ?? name;
}

describeUnavailable('image stand-ins');

describe.runIf(integrationUnavailable === undefined)('image stand-ins', () => {
  let base = '';
  let ns: NetworkNamespace | undefined;
  let engine: Engine | undefined;
  const containers = new Set<string>();

  async function docker(args: readonly string[], timeout = 180_000): Promise<RunResult> {
    if (engine === undefined) throw new Error('engine not started');
    return runUnchecked(dockerCli(), ['--host', engine.host, ...args], { env: engine.env, timeout });
  }

  async function dockerOk(args: readonly string[], timeout?: number): Promise<string> {
    const result = await docker(args, timeout);
    if (result.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /** `docker run -d` of a service container, removed in afterAll. */
  async function service(name: string, args: readonly string[]): Promise<void> {
    containers.add(name);
    await dockerOk(['run', '-d', '--name', name, ...args]);
  }

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'catalog-stand-ins-'));
    ns = await privateNetworkNamespace(log);
    engine = await startEngine({ dir: path.join(base, 'engine'), log, wrap: ns.wrap });
  }, 120_000);

  // Stopping an engine that holds every stand-in (2.5 GB) and removing its directory took 150 to
  // 190 s on a busy machine.
  afterAll(async () => {
    if (engine !== undefined && containers.size > 0) await docker(['rm', '-f', '-v', ...containers]);
    await engine?.stop();
    await ns?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
  }, 420_000);

  // Any change to the build modules rebuilds every stand-in (stand-ins.ts `buildSourcesFingerprint`):
  // seven cold builds took over 15 minutes on two busy cores.
  it('builds (or loads from the cache) every stand-in, then loads them again from the cache', { timeout: 2_400_000 }, async () => {
    if (engine === undefined) throw new Error('engine not started');
    log(`cache: ${standInCacheDir()}`);
    const first = Date.now();
    const loaded = await ensureStandIns(engine, ALL, log);
    const firstSeconds = (Date.now() - first) / 1000;
    const built = loaded.filter((l) => l.built).map((l) => l.name);
    console.log(`[time] stand-ins, first call (${built.length > 0 ? `built: ${built.join(', ')}` : 'all from the cache'}): ${firstSeconds.toFixed(1)} s`);
    for (const l of loaded) console.log(`[size] ${l.tags.join(', ')}: ${(l.archiveBytes / 1e6).toFixed(0)} MB (${path.basename(l.archive)})`);
    for (const l of loaded) {
      for (const t of l.tags) expect((await dockerOk(['image', 'inspect', '--format', '{{.Id}}', t])).trim()).toMatch(/^sha256:/);
    }

    // A fresh engine: the cached archives only need `docker load`.
    const second = await startEngine({ dir: path.join(base, 'engine-2'), log });
    try {
      const started = Date.now();
      const again = await ensureStandIns(second, ALL, log);
      console.log(`[time] stand-ins, cached load into a fresh engine: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(again.filter((l) => l.built)).toEqual([]);
      const repeat = Date.now();
      await ensureStandIns(second, ALL, log);
      console.log(`[time] stand-ins, already loaded: ${((Date.now() - repeat) / 1000).toFixed(1)} s`);
    } finally {
      await second.stop();
    }
  });

  for (const recipe of STAND_INS) {
    const image = recipe.table.tags[0] ?? recipe.name;
    it(`${image}: the tools of its table are there, and only those`, { timeout: 120_000 }, async () => {
      // One run per image: each check prints "<1|0> <tool>".
      const script = recipe.table.rows
        .map((r) => `if (${r.check}) > /dev/null 2>&1; then echo "1 ${r.tool}"; else echo "0 ${r.tool}"; fi`)
        .join('\n');
      const entrypoint = recipe.table.shell === 'sh' ? ['--entrypoint', 'sh', image, '-c', script] : ['--entrypoint', recipe.table.shell, image, 'sh', '-c', script];
      const out = await dockerOk(['run', '--rm', '--network', 'none', ...entrypoint]);
      const found = Object.fromEntries(out.trim().split('\n').map((line) => [line.slice(2), line.startsWith('1')]));
      const expected = Object.fromEntries(recipe.table.rows.map((r) => [r.tool, r.standIn]));
      expect(found).toEqual(expected);
    });
  }

  it('docker-cli talks to the dind stand-in over TLS, as a job talks to its docker service, and builds for two platforms', { timeout: 300_000 }, async () => {
    await dockerOk(['network', 'create', 'jobnet']);
    await dockerOk(['volume', 'create', 'certs-client']);
    await service('dind-tls', ['--privileged', '--network', 'jobnet', '--network-alias', 'docker', '-v', 'certs-client:/certs/client', tag('docker-dind')]);
    const script = [
      'set -e',
      'for i in $(seq 90); do docker version > /dev/null 2>&1 && break; sleep 1; done',
      "docker version --format '{{.Server.Version}} {{.Server.Os}}/{{.Server.Arch}}'",
      'mkdir /ctx && printf "FROM scratch\\nCOPY hello /hello\\n" > /ctx/Dockerfile && echo hello > /ctx/hello',
      'docker buildx build --progress plain --platform linux/amd64,linux/arm64 --output type=oci,dest=/tmp/tiny.tar /ctx 2> /tmp/build.log || { cat /tmp/build.log; exit 1; }',
      // The OCI index of the result, then the platforms its manifest list holds.
      "list=$(tar -xOf /tmp/tiny.tar index.json | sed -n 's/.*\"digest\":\"sha256:\\([0-9a-f]*\\)\".*/\\1/p')",
      'tar -xOf /tmp/tiny.tar "blobs/sha256/$list" | grep -o \'"architecture": *"[a-z0-9]*"\' | tr -d " " | sort',
    ].join('\n');
    const out = await dockerOk(
      ['run', '--rm', '--network', 'jobnet', '-v', 'certs-client:/certs/client:ro', '-e', 'DOCKER_HOST=tcp://docker:2376', '-e', 'DOCKER_TLS_VERIFY=1',
        '-e', 'DOCKER_CERT_PATH=/certs/client', tag('docker-cli'), 'sh', '-c', script],
      240_000,
    );
    log(out);
    expect(out).toMatch(/^26\.\S+ linux\/amd64$/m);
    expect(out).toContain('"architecture":"amd64"');
    expect(out).toContain('"architecture":"arm64"');
    // The certificates the entrypoint made: CA, server (SAN docker), client.
    const san = await dockerOk(['exec', 'dind-tls', 'sh', '-c', 'openssl x509 -in /certs/server/cert.pem -noout -text; ls /certs/ca /certs/client']);
    expect(san).toContain('DNS:docker');
    expect(san).toContain('DNS:localhost');
    expect(san).toMatch(/cert\.pem/);
  });

  it('dind without DOCKER_TLS_CERTDIR listens on 2375 in plain TCP and passes its extra arguments to dockerd', { timeout: 180_000 }, async () => {
    await service('dind-plain', [
      '--privileged', '--network', 'jobnet', '--network-alias', 'docker-plain', '-e', 'DOCKER_TLS_CERTDIR=', tag('docker-dind'),
      '--insecure-registry=10.0.0.0/8', '--registry-mirror=https://mirror.invalid',
    ]);
    const out = await dockerOk(
      ['run', '--rm', '--network', 'jobnet', '-e', 'DOCKER_HOST=tcp://docker-plain:2375', tag('docker-cli'), 'sh', '-c',
        "for i in $(seq 60); do docker info > /dev/null 2>&1 && break; sleep 1; done; docker info --format '{{json .RegistryConfig.IndexConfigs}} {{json .RegistryConfig.Mirrors}} {{json .RegistryConfig.InsecureRegistryCIDRs}}'"],
      120_000,
    );
    expect(out).toContain('https://mirror.invalid/');
    expect(out).toContain('10.0.0.0/8');
  });

  it('the registry and moto stand-ins answer on port 5000 under their service aliases', { timeout: 180_000 }, async () => {
    await service('registry', ['--network', 'jobnet', '--network-alias', 'registry', tag('registry')]);
    await service('moto', ['--network', 'jobnet', '--network-alias', 'moto', tag('moto')]);
    const out = await dockerOk(
      ['run', '--rm', '--network', 'jobnet', tag('docker-cli'), 'sh', '-c',
        'for i in $(seq 60); do wget -q -O /dev/null http://registry:5000/v2/ && wget -q -O /dev/null http://moto:5000/moto-api/data.json && break; sleep 1; done; wget -q -O - http://registry:5000/v2/; echo; wget -q -S -O /dev/null http://moto:5000/moto-api/data.json 2>&1'],
      120_000,
    );
    // Distribution's API root is `{}`; moto's state endpoint answers 200.
    expect(out.split('\n')[0]).toBe('{}');
    expect(out).toMatch(/HTTP\/1\.\d 200/);
  });

  it('a docker-container builder of the moby/buildkit stand-in (in dind, as buildx-ecr makes one) boots, reads buildkitd.toml and pushes an index by digest only', { timeout: 420_000 }, async () => {
    // The services of the tests above: dind without TLS on 2375, the registry on 5000.
    if (!containers.has('dind-plain')) await service('dind-plain', ['--privileged', '--network', 'jobnet', '--network-alias', 'docker-plain', '-e', 'DOCKER_TLS_CERTDIR=', tag('docker-dind')]);
    if (!containers.has('registry')) await service('registry', ['--network', 'jobnet', '--network-alias', 'registry', tag('registry')]);
    // dind pulls nothing here: the stand-in is loaded into it, where buildx falls back to it after the failed pull.
    await dockerOk(['save', '--output', path.join(base, 'buildkit.tar'), tag('buildkit')], 300_000);
    const script = [
      'set -e',
      'for i in $(seq 60); do docker info > /dev/null 2>&1 && wget -q -O /dev/null http://registry:5000/v2/ && break; sleep 1; done',
      'docker load --quiet --input /w/buildkit.tar > /dev/null',
      `printf '[registry."registry:5000"]\\n  http = true\\n' > /tmp/bk.toml`,
      'mkdir /ctx && printf "FROM scratch\\nCOPY hello /hello\\n" > /ctx/Dockerfile && echo hello > /ctx/hello',
      // network=host: the builder shares dind's network, whose DNS knows the service alias `registry`.
      `docker buildx create --name bk --driver docker-container --driver-opt image=${tag('buildkit')} --driver-opt network=host --buildkitd-config /tmp/bk.toml > /dev/null`,
      'docker buildx inspect --bootstrap bk > /dev/null',
      'docker buildx build --builder bk --progress plain --platform linux/amd64 --output type=image,name=registry:5000/stand-in/app,push-by-digest=true,name-canonical=true,push=true --metadata-file /tmp/meta.json /ctx 2> /tmp/build.log || { cat /tmp/build.log; exit 1; }',
      `digest=$(sed -n 's/.*"containerimage.digest": *"\\(sha256:[0-9a-f]*\\)".*/\\1/p' /tmp/meta.json)`,
      'echo "pushed $digest"',
      'echo "served sha256:$(wget -q -O - --header "Accept: application/vnd.oci.image.index.v1+json" "http://registry:5000/v2/stand-in/app/manifests/$digest" | sha256sum | cut -d " " -f 1)"',
      'wget -q -O - http://registry:5000/v2/stand-in/app/tags/list > /dev/null 2>&1 && echo tagged || echo "no tags"',
      'docker exec buildx_buildkit_bk0 buildkitd --version',
      'docker logs buildx_buildkit_bk0 2>&1 | grep "buildkitd (stand-in)"',
    ].join('\n');
    const out = await dockerOk(['run', '--rm', '--network', 'jobnet', '-v', `${base}:/w:ro`, '-e', 'DOCKER_HOST=tcp://docker-plain:2375', tag('docker-cli'), 'sh', '-c', script], 360_000);
    log(out);
    const pushed = /^pushed (sha256:[0-9a-f]{64})$/m.exec(out)?.[1];
    expect(pushed).toBeDefined();
    // The registry serves, by that digest, exactly the index the builder reported; no tag was pushed.
    expect(out).toContain(`served ${pushed ?? ''}`);
    expect(out).toMatch(/^no tags$/m);
    expect(out).toMatch(/^buildkitd github\.com\/moby\/buildkit dockerd-26\.1\.5 stand-in$/m);
    expect(out).toContain('buildkitd (stand-in):   registry:5000: http = true -> insecure-registries');
  });

  it('binfmt --install reports the QEMU interpreters as the real one does, and changes nothing already registered', { timeout: 120_000 }, async () => {
    await ensureQemu(log);
    const result = await docker(['run', '--rm', '--privileged', tag('binfmt'), '--install', 'arm64,ppc64le']);
    expect(result.exitCode).toBe(0);
    const status = JSON.parse(result.stdout) as { supported: string[]; emulators: string[] };
    expect(status.emulators).toEqual(expect.arrayContaining(['qemu-aarch64', 'qemu-ppc64le']));
    expect(status.supported).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64', 'linux/ppc64le']));
    expect(result.stderr).toMatch(/^installing: arm64 (OK|qemu-aarch64 already registered)$/m);
  });

  // Four unpacks of the staged AWS CLI (136 MB for apk; 163 MB for dnf, whose copy brings Python
  // since the podman stand-in has none): about three minutes when the machine is busy.
  it('the apk and dnf stand-ins install what is staged (jq, the AWS CLI under its Alpine and Fedora names), refuse the rest with a clear message', { timeout: 420_000 }, async () => {
    const apk = await docker(['run', '--rm', '--network', 'none', tag('docker-cli'), 'sh', '-c', 'apk add --no-cache jq > /dev/null && jq --version && ! command -v aws && apk add --no-cache aws-cli > /dev/null && aws --version && apk add --no-cache curl']);
    expect(apk.stdout).toContain('jq-1.');
    expect(apk.stdout).toMatch(/^aws-cli\/2\./m);
    expect(apk.exitCode).toBe(1);
    expect(apk.stderr).toMatch(/apk \(stand-in\): cannot install curl: no Alpine repository can be reached/);
    const dind = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', tag('docker-dind'), '-c', '! command -v aws && apk add --no-cache aws-cli > /dev/null && aws --version']);
    expect(dind.stdout).toMatch(/^aws-cli\/2\./m);
    const dnf = await docker(['run', '--rm', '--network', 'none', tag('podman'), 'bash', '-c', 'dnf install -y jq > /dev/null && jq --version && ! command -v aws && dnf install -y awscli > /dev/null && aws --version && dnf install -y awscli2 > /dev/null && dnf install -y wget']);
    expect(dnf.stdout).toContain('jq-1.');
    expect(dnf.stdout).toMatch(/^aws-cli\/2\./m);
    expect(dnf.exitCode).toBe(1);
    expect(dnf.stderr).toMatch(/dnf \(stand-in\): cannot install wget: no Fedora repository can be reached/);
  });

  it('`apk add cosign` and `dnf install cosign` install the staged cosign, which signs and verifies offline in the image', { timeout: 180_000 }, async () => {
    // A key pair, a blob signed without the transparency log, verified with the public key: the
    // binary runs on the image's libc. The password reaches cosign in its environment only.
    const signAndVerify = (install: string): string =>
      `! command -v cosign && ${install} cosign > /dev/null && cd "$(mktemp -d)" && cosign generate-key-pair > /dev/null 2>&1 && echo blob > blob ` +
      '&& cosign sign-blob --yes --key cosign.key --tlog-upload=false blob > blob.sig 2> /dev/null && cosign verify-blob --key cosign.pub --signature blob.sig --insecure-ignore-tlog blob';
    for (const [image, shell, install] of [['docker-cli', 'sh', 'apk add --no-cache'], ['podman', 'bash', 'dnf install -y']] as const) {
      const result = await docker(['run', '--rm', '--network', 'none', '-e', 'COSIGN_PASSWORD=stand-in test', tag(image), shell, '-c', signAndVerify(install)]);
      expect(result.exitCode, `${image}: ${result.stderr}`).toBe(0);
      expect(result.stderr, image).toMatch(/^Verified OK$/m);
    }
  });

  it('podman 5 runs in its stand-in (privileged, as the podman jobs run) with netavark, the only network backend podman 5 has; node runs scripts in its own', { timeout: 120_000 }, async () => {
    const podman = await dockerOk(['run', '--rm', '--privileged', '--network', 'none', tag('podman'), 'sh', '-c',
      "podman --version && podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}} {{.Host.NetworkBackend}}'"]);
    expect(podman.trim().split('\n')).toEqual([expect.stringMatching(/^podman version 5\.\d+\.\d+$/), 'crun overlay netavark']);
    const node = await dockerOk(['run', '--rm', '--network', 'none', tag('node'), '-e', 'console.log(process.release.name)']);
    expect(node.trim()).toBe('node');
  });
});
