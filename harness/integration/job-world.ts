/**
 * What the jobs of a containerised pipeline (gitlab-ci-local-docker.ts) reach outside the runner,
 * as containers of the job engine on one network, `WORLD_NETWORK`, which gitlab-ci-local's
 * `--network` connects every job and service container to (a runner host whose network reaches
 * AWS and the company's mirror):
 * - **AWS**: moto (STS, ECR; the motoserver/moto stand-in) under the alias `moto`, and the ECR
 *   registry: the registry stand-in under the ECR hostname, TLS on 443 with a certificate of the
 *   world's CA, htpasswd `AWS` / the password of moto's ECR token, as ECR checks the token. They
 *   live as long as the world, across the jobs of a pipeline and across pipelines, as AWS does;
 *   services of a job would die with the job.
 * - **The Docker Hub mirror** an air-gapped company runs: a registry under `MIRROR_HOST` (TLS, the
 *   world's CA) holding what the pipelines pull from `docker.io`: `library/alpine:3.20.3` for
 *   linux/amd64, arm64 and ppc64le (the examples' `FROM`; a stand-in: Debian's busybox-static for
 *   each architecture with its applet links), `tonistiigi/binfmt:qemu-v9.2.2` (the binfmt
 *   stand-in, which buildx-ecr runs in dind to register QEMU) and `moby/buildkit:v0.23.2` (the
 *   buildkit stand-in, buildx-ecr's docker-container builder). Jobs reach it the way such companies
 *   configure their runners (GitLab's "Use a registry mirror" for the docker executor): runner
 *   volumes that put a `/etc/docker/daemon.json` with `registry-mirrors` into every container (dind's
 *   dockerd reads it) and a `registries.conf.d` drop-in for podman, buildah and skopeo, and the
 *   world's CA in the system bundle of every container (`--ca-file`).
 * - **The company's DNS** (`DNS_ADDRESS`), which answers the world's host names (the ECR registry,
 *   the mirror): the runner's daemon.json gives it to the containers dind starts (`dns`), such as
 *   a docker-container builder, whose default-bridge network does not see the world's embedded DNS
 *   (dockerd drops a loopback nameserver and falls back to 8.8.8.8, which is no company's DNS).
 *   A small responder (A records only; every other name NXDOMAIN) run with the moto stand-in's Python.
 *
 * The host reads what the pipelines pushed through the registry API, with curl inside the job
 * engine's network namespace (`rawManifest`, `tagDigests`, `blob`).
 *
 * The mirror is filled by the job engine pushing to the mirror container's address: the engine
 * runs on the machine's side of the namespace, where the world's DNS aliases do not resolve, so
 * its daemon lists the world's subnet as insecure (TLS without verification; `startJobEngine`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { seconds } from './apt.js';
import { docker } from './engine.js';
import type { JobEngine } from './gitlab-ci-local-docker.js';
import { busyboxContext } from './images.js';
import { indexEntries } from './oci.js';
import { run, runUnchecked, type Log } from './process.js';
import { standInRecipe } from './stand-ins.js';
import { generateTls, type TlsFiles } from './tls.js';

export const WORLD_NETWORK = 'catalog-world';
/** A subnet of the job engine's private namespace: nothing else uses it there. */
export const WORLD_SUBNET = '10.213.0.0/24';
/** The Docker Hub mirror's hostname (`.test`: a name that can never be a real host). */
export const MIRROR_HOST = 'docker-mirror.catalog.test';
/** What the examples build FROM, in the mirror for each of these platforms. */
export const MIRROR_BASE_IMAGE = 'library/alpine:3.20.3';
export const MIRROR_BASE_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/ppc64le'] as const;
/** The world's DNS server, at a fixed address of the world's subnet. */
export const DNS_ADDRESS = '10.213.0.53';
/**
 * What the job engine needs to be the world's (`startJobEngine` options): TLS to the world's
 * registries by address, and the world's DNS as the upstream of the jobs' DNS, which then answers
 * a name nobody has at once (NXDOMAIN), as a runner host's resolver does.
 */
export const WORLD_ENGINE_OPTIONS = { insecureRegistries: [WORLD_SUBNET], dns: [DNS_ADDRESS] } as const;
/** The stand-ins the mirror serves under their docker.io names (pulled into dind by buildx-ecr). */
const MIRRORED_STAND_INS = ['binfmt', 'buildkit'] as const;
/**
 * The stand-ins startWorld runs or mirrors, which the job engine must have loaded (`startJobEngine`'s
 * `standIns`, next to the images the jobs use): moto (also the DNS's Python), the registry, the mirrored ones.
 */
export const WORLD_STAND_INS = ['moto', 'registry', ...MIRRORED_STAND_INS] as const;

const MOTO_STAND_IN = 'motoserver/moto:5.2.1';
const REGISTRY_STAND_IN = 'registry:3.0.0';

export interface WorldOptions {
  /** The world's files (TLS, registry storage, runner volumes); created, removed by stop(). */
  readonly dir: string;
  readonly jobEngine: JobEngine;
  /** The ECR registry's hostname and the htpasswd password (moto's ECR token's). */
  readonly ecrHost: string;
  readonly ecrPassword: string;
  readonly log?: Log | undefined;
}

export interface World {
  readonly network: string;
  readonly ecrHost: string;
  /** The CA that signed the ECR registry's and the mirror's certificates. */
  readonly tls: TlsFiles;
  /** The system CA bundle plus the world's CA: gitlab-ci-local's `--ca-file`. */
  readonly caBundle: string;
  /** gitlab-ci-local `--volume` values: the runner's mirror configuration (see the module comment). */
  readonly volumes: readonly string[];
  /** The ECR registry's answer for a manifest or index, byte for byte. */
  rawManifest(ref: string): Promise<string>;
  /** Each tag of `image` (`<ECR host>/<repository>`) and the digest it points at. */
  tagDigests(image: string): Promise<Record<string, string>>;
  /** A blob of a repository of the ECR registry, into `file`. */
  blob(repository: string, digest: string, file: string): Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

/**
 * What the runner host's /etc/docker/daemon.json gives dind: the mirror, the company's DNS for the
 * containers dind starts, and Docker 29's default image store (the dind stand-in is Docker 26).
 */
export function dindDaemonJson(): string {
  return `${JSON.stringify({ 'registry-mirrors': [`https://${MIRROR_HOST}`], dns: [DNS_ADDRESS], features: { 'containerd-snapshotter': true } }, null, 2)}\n`;
}

/**
 * The world's DNS responder (Python 3, standard library): `dns.py <hosts file>`, lines `<name>
 * <IPv4>`; A queries of those names get their address, other types of them an empty answer, every
 * other name NXDOMAIN.
 */
const DNS_RESPONDER = `import socket, sys
hosts = dict(line.split()[:2] for line in open(sys.argv[1]) if line.strip())
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("0.0.0.0", 53))
while True:
    query, client = server.recvfrom(512)
    at, labels = 12, []
    while query[at]:
        labels.append(query[at + 1:at + 1 + query[at]].decode("ascii", "replace"))
        at += 1 + query[at]
    question = query[12:at + 5]
    qtype = int.from_bytes(query[at + 1:at + 3], "big")
    address = hosts.get(".".join(labels).lower().rstrip("."))
    answers = b""
    if address is not None and qtype == 1:
        answers = b"\\xc0\\x0c" + (1).to_bytes(2, "big") + (1).to_bytes(2, "big") + (60).to_bytes(4, "big") + (4).to_bytes(2, "big") + socket.inet_aton(address)
    flags = 0x8180 if address is not None else 0x8183
    header = query[:2] + flags.to_bytes(2, "big") + (1).to_bytes(2, "big") + (1 if answers else 0).to_bytes(2, "big") + bytes(4)
    server.sendto(header + question + answers, client)
`;

/** The registries.conf drop-in that sends podman's, buildah's and skopeo's docker.io pulls to the mirror. */
export function containersMirrorConf(): string {
  return `[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "${MIRROR_HOST}"\n`;
}

/** Starts moto, the ECR registry and the filled mirror on the world network of `jobEngine`. */
export async function startWorld(options: WorldOptions): Promise<World> {
  const log = options.log ?? (() => {});
  const { jobEngine, ecrHost } = options;
  const engine = jobEngine.engine;
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  const containers: string[] = [];
  let networkMade = false;
  const stop = async (): Promise<void> => {
    if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers.splice(0)], engine).catch(() => '');
    if (networkMade) {
      networkMade = false;
      await docker(['network', 'rm', WORLD_NETWORK], engine).catch(() => '');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    const tls = await generateTls({ dir: path.join(dir, 'tls'), dnsNames: [ecrHost, MIRROR_HOST] });
    const caBundle = path.join(dir, 'ca-bundle.crt');
    writeFileSync(caBundle, `${readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')}\n${readFileSync(tls.caCert, 'utf8')}`);
    const htpasswd = path.join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${(await run('htpasswd', ['-i', '-B', '-n', 'AWS'], { input: options.ecrPassword })).trim()}\n`, { mode: 0o644 });
    const daemonJson = path.join(dir, 'daemon.json');
    writeFileSync(daemonJson, dindDaemonJson());
    const mirrorConf = path.join(dir, 'mirror.conf');
    writeFileSync(mirrorConf, containersMirrorConf());

    await docker(['network', 'create', '--subnet', WORLD_SUBNET, WORLD_NETWORK], engine);
    networkMade = true;
    const start = async (name: string, alias: string, args: readonly string[], image: string, command: readonly string[] = []): Promise<string> => {
      const id = (await docker(['run', '-d', '--name', name, '--network', WORLD_NETWORK, '--network-alias', alias, ...args, image, ...command], engine)).trim();
      containers.push(id);
      return id;
    };
    const tlsRegistry = (storage: string): string[] => {
      mkdirSync(storage, { recursive: true });
      return [
        '-v', `${tls.serverCert}:/certs/server.crt:ro`, '-v', `${tls.serverKey}:/certs/server.key:ro`, '-v', `${storage}:/var/lib/registry`,
        '-e', 'REGISTRY_HTTP_ADDR=:443', '-e', 'REGISTRY_HTTP_TLS_CERTIFICATE=/certs/server.crt', '-e', 'REGISTRY_HTTP_TLS_KEY=/certs/server.key',
        // Deleting tags and manifests, as ECR allows (the refusal scenarios remove an image).
        '-e', 'REGISTRY_STORAGE_DELETE_ENABLED=true',
      ];
    };
    await start('catalog-world-moto', 'moto', [], MOTO_STAND_IN);
    const ecr = await start('catalog-world-ecr', ecrHost, [
      ...tlsRegistry(path.join(dir, 'ecr-storage')),
      '-v', `${htpasswd}:/auth/htpasswd:ro`,
      '-e', 'REGISTRY_AUTH=htpasswd', '-e', 'REGISTRY_AUTH_HTPASSWD_REALM=ecr', '-e', 'REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd',
    ], REGISTRY_STAND_IN);
    const mirror = await start('catalog-world-mirror', MIRROR_HOST, tlsRegistry(path.join(dir, 'mirror-storage')), REGISTRY_STAND_IN);
    const address = async (id: string): Promise<string> =>
      (await docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${WORLD_NETWORK}").IPAddress}}`, id], engine)).trim();
    const ecrAddress = await address(ecr);
    const mirrorAddress = await address(mirror);
    const dnsDir = path.join(dir, 'dns');
    mkdirSync(dnsDir, { recursive: true });
    writeFileSync(path.join(dnsDir, 'dns.py'), DNS_RESPONDER);
    writeFileSync(path.join(dnsDir, 'hosts'), `${ecrHost} ${ecrAddress}\n${MIRROR_HOST} ${mirrorAddress}\n`);
    await start('catalog-world-dns', 'dns', ['--ip', DNS_ADDRESS, '-v', `${dnsDir}:/dns:ro`, '--entrypoint', 'python3'], MOTO_STAND_IN, ['/dns/dns.py', '/dns/hosts']);
    await fillMirror(jobEngine, `${mirrorAddress}:443`, path.join(dir, 'mirror-build'), log);

    const curl = async (urlPath: string, extra: readonly string[], input?: string): Promise<string> => {
      const argv = jobEngine.namespace.wrap([
        'curl', '-sS', '--fail-with-body', '--cacert', tls.caCert, '--resolve', `${ecrHost}:443:${ecrAddress}`, '-K', '-', ...extra, `https://${ecrHost}${urlPath}`,
      ]);
      const result = await runUnchecked(argv[0], argv.slice(1), { input: `user = "AWS:${options.ecrPassword}"\n${input ?? ''}` });
      if (result.exitCode !== 0) throw new HarnessError(`ECR registry ${urlPath}: ${result.stderr.trim()} ${result.stdout.trim()}`);
      return result.stdout;
    };
    const accept = [
      'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json',
    ].flatMap((type) => ['-H', `Accept: ${type}`]);
    const split = (ref: string): { repository: string; reference: string } => {
      const rest = ref.startsWith(`${ecrHost}/`) ? ref.slice(ecrHost.length + 1) : ref;
      const at = rest.indexOf('@');
      if (at >= 0) return { repository: rest.slice(0, at), reference: rest.slice(at + 1) };
      const colon = rest.lastIndexOf(':');
      if (colon < 0) throw new HarnessError(`${ref} names no tag or digest`);
      return { repository: rest.slice(0, colon), reference: rest.slice(colon + 1) };
    };
    const rawManifest = (ref: string): Promise<string> => {
      const { repository, reference } = split(ref);
      return curl(`/v2/${repository}/manifests/${reference}`, accept);
    };
    log(`world: moto, ECR registry ${ecrHost} and mirror ${MIRROR_HOST} up in ${seconds(started)}`);
    return {
      network: WORLD_NETWORK,
      ecrHost,
      tls,
      caBundle,
      volumes: [`${daemonJson}:/etc/docker/daemon.json:ro`, `${mirrorConf}:/etc/containers/registries.conf.d/999-catalog-mirror.conf:ro`],
      rawManifest,
      tagDigests: async (image) => {
        const repository = image.slice(ecrHost.length + 1);
        const { tags } = JSON.parse(await curl(`/v2/${repository}/tags/list`, [])) as { tags: string[] | null };
        const digests: Record<string, string> = {};
        for (const tag of [...(tags ?? [])].sort()) digests[tag] = indexEntries(await rawManifest(`${image}:${tag}`)).digest;
        return digests;
      },
      blob: async (repository, digest, file) => {
        await curl(`/v2/${repository}/blobs/${digest}`, ['-L', '-o', file]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The mirror's stand-in for alpine: busybox-static of each architecture, with its applet links. */
const ALPINE_DOCKERFILE = `FROM scratch
ARG TARGETARCH
COPY busybox-\${TARGETARCH} /bin/busybox
COPY root/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/sh"]
`;

/** Pushes the alpine stand-in (three platforms) and the binfmt and buildkit stand-ins into the mirror at `address`. */
async function fillMirror(jobEngine: JobEngine, address: string, dir: string, log: Log): Promise<void> {
  const started = Date.now();
  const engine = jobEngine.engine;
  const context = await busyboxContext(dir, MIRROR_BASE_PLATFORMS, log);
  // The applet list is the same for every architecture (one Debian version): read it from the native one.
  const native = path.join(dir, 'busybox-amd64');
  const applets = (await run(native, ['--list-full'])).split('\n').filter((a) => a !== '' && a !== 'bin/busybox');
  const root = path.join(dir, 'root');
  for (const applet of applets) {
    mkdirSync(path.join(root, path.dirname(applet)), { recursive: true });
    await run('ln', ['-sf', '/bin/busybox', path.join(root, applet)]);
  }
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  mkdirSync(path.join(root, 'tmp'), { recursive: true, mode: 0o1777 });
  writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=catalog-stand-in\nNAME="alpine:3.20.3 stand-in (Debian busybox-static)"\n');
  writeFileSync(context.dockerfile, ALPINE_DOCKERFILE);
  // Built into the engine's image store, then pushed by the daemon: BuildKit's own push to the
  // mirror's address did not always honour the daemon's insecure-registries (x509 errors).
  const alpine = `${address}/${MIRROR_BASE_IMAGE}`;
  await docker(['buildx', 'build', '--platform', MIRROR_BASE_PLATFORMS.join(','), '--provenance', 'false', '--tag', alpine, dir], engine);
  await docker(['push', alpine], engine);
  const mirrored: string[] = [];
  for (const name of MIRRORED_STAND_INS) {
    const tag = standInRecipe(name).table.tags[0];
    if (tag === undefined) throw new HarnessError(`the ${name} stand-in has no tag`);
    const inMirror = `${address}/${tag.replace(/^docker\.io\//, '')}`;
    await docker(['tag', tag, inMirror], engine);
    await docker(['push', inMirror], engine);
    await docker(['rmi', inMirror], engine);
    mirrored.push(tag);
  }
  log(`world: mirror holds ${MIRROR_BASE_IMAGE} (${MIRROR_BASE_PLATFORMS.join(', ')}), ${mirrored.join(', ')} (${seconds(started)})`);
}
