/**
 * STAND-INS for the container images the catalog's YAML names (components, examples, the catalog's
 * own .gitlab-ci.yml). No image can be pulled on this machine: only Debian's packages and the npm
 * registry are reachable. So each image is rebuilt here from Debian packages, with the tool set of
 * the real image, its entrypoint, environment, volumes and ports, and tagged under the exact name
 * the YAML uses, so that jobs can run in it as GitLab runs them. docs/image-stand-ins.md says, per
 * image, what the real one has, what the stand-in has, and where they differ.
 *
 * Two ways to make a root filesystem, chosen per image:
 * - `debs`: the image is Alpine-based (docker, registry), FROM scratch (binfmt) or Fedora (podman):
 *   the files of a Debian package closure unpacked into an empty root (debs.ts), no dpkg database,
 *   no maintainer scripts, busybox as /bin/sh where the real image has busybox. It brings exactly
 *   the packages the tool set needs (a Debian base would add bash, coreutils, dpkg, apt) and takes
 *   seconds: the packages come from the machine's apt cache, in the versions its engine runs, or
 *   all from Debian trixie where the recipe says so (podman 5).
 * - `mmdebstrap`: the real image is Debian (node:*-bookworm, python:*-slim under moto): mmdebstrap
 *   builds a real Debian root, dpkg database and apt included, from the machine's bookworm sources.
 *
 * Built images are kept as image tarballs (image-archive.ts) in a cache that survives test runs
 * (standInCacheDir()), keyed by a hash of the recipe and the versions of what goes in, and loaded
 * into an engine with `docker load`.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';
import { ensurePackages, isRoot, seconds } from './apt.js';
import { fetchDebs, resolveClosure, resolvePackages, unpackDebs, type DebianRelease, type PackageRequest, type ResolvedPackage } from './debs.js';
import { docker, dockerCli as dockerBinary, ensureEnginePackages, type Engine } from './engine.js';
import { writeImageArchive, type ImageConfig } from './image-archive.js';
import { run, runUnchecked, type Log } from './process.js';
import {
  binfmtScript,
  BUILDCTL_SCRIPT,
  buildkitdScript,
  DIND_WRAPPER,
  DOCKER_ENTRYPOINT,
  DOCKERD_ENTRYPOINT,
  GRPC_BRIDGE,
  MODPROBE,
  NODE_ENTRYPOINT,
  offlinePackageManager,
  REGISTRY_ENTRYPOINT,
  type BinfmtEntry,
} from './stand-in-scripts.js';
import { BASH_SH, BUSYBOX_SH, DASH_SH, row, same, type StandInTable, type ToolRow } from './stand-in-tools.js';

/** Bumped to rebuild every stand-in when something outside BUILD_MODULES changes what they contain. */
const BUILDER_VERSION = 1;
/** The images' creation time: fixed, so equal inputs give equal image configs. */
const CREATED = '2026-01-01T00:00:00Z';
/** The image label holding the cache key, so a stand-in already in an engine is not loaded again. */
const KEY_LABEL = 'org.catalog.stand-in.key';
const ALPINE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where the hidden busybox of the binfmt stand-in lives (the real image has no shell at all). */
export const BINFMT_BUSYBOX = '/usr/libexec/binfmt-stand-in/busybox';

export type StandInName = 'docker-cli' | 'docker-dind' | 'registry' | 'binfmt' | 'buildkit' | 'podman' | 'moto' | 'node';

interface FilePick {
  readonly package: string;
  /** Path in the package → path in the image. */
  readonly files: Readonly<Record<string, string>>;
}

interface BuildContext {
  readonly root: string;
  readonly log: Log;
  readonly work: string;
  readonly debCache: string;
}

export interface StandInRecipe {
  readonly name: StandInName;
  readonly table: StandInTable;
  readonly base:
    | {
        readonly kind: 'debs';
        readonly packages: readonly PackageRequest[];
        readonly exclude: readonly string[];
        /** Single files taken from other packages (not their dependencies). */
        readonly picks?: readonly FilePick[];
        /** The release every package (staged ones too) comes from; default: the machine's, plus `name/trixie` requests. */
        readonly release?: DebianRelease;
      }
    | { readonly kind: 'mmdebstrap'; readonly variant: 'minbase' | 'apt'; readonly packages: readonly string[] };
  /** Offline `apk`/`dnf` stand-in: packages it can install from payloads staged in the image. */
  readonly packageManager?: PackageManagerRecipe;
  /** Everything after the base: files, links, users, copies from the machine. */
  readonly customize: (ctx: BuildContext) => Promise<void>;
  /** Extra inputs of the cache key (versions of what customize copies from the machine). */
  readonly keyInputs?: () => Promise<string>;
  readonly config: ImageConfig;
}

export interface PackageManagerRecipe {
  readonly command: 'apk' | 'dnf';
  /**
   * What `apk add`/`dnf install` can install: the package name of the real distribution → the
   * Debian package staged for it, `name` or `name/release` (its closure beyond what the image has,
   * one tarball per Debian package named after the package, so two names for one package share it).
   */
  readonly staged: Readonly<Record<string, string>>;
  /** Names of packages already in the image: installing them does nothing. */
  readonly installed: readonly string[];
}

/**
 * Debian's AWS CLI v2 (awscli 2.9 in bookworm, 2.23 in trixie, with its Python closure) under the
 * names the images' distributions give it: Alpine's `aws-cli`, Fedora's `awscli` and `awscli2`.
 * ecr-login installs it so (`ecr_login_install aws aws-cli awscli awscli`) in every image that lacks it.
 */
const AWS_CLI_DEB = 'awscli';

/**
 * Debian trixie's cosign 2.5 (a Go binary needing only libc6 >= 2.34, which bookworm's 2.36 meets)
 * under the name Alpine's community repository and Fedora give it: `cosign`. buildx-ecr and
 * manifest-merge install it so when they sign and the image lacks it.
 */
const COSIGN_DEB = 'cosign/trixie';

// ---------------------------------------------------------------------------------------------
// Small file helpers for customize steps (paths are absolute in the image).
// ---------------------------------------------------------------------------------------------

function inRoot(root: string, file: string): string {
  return path.join(root, file);
}

function write(root: string, file: string, text: string, mode = 0o644): void {
  const target = inRoot(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  rmSync(target, { force: true });
  writeFileSync(target, text, { mode });
}

function link(root: string, file: string, target: string): void {
  const at = inRoot(root, file);
  mkdirSync(path.dirname(at), { recursive: true });
  rmSync(at, { force: true });
  symlinkSync(target, at);
}

function mkdirs(root: string, dirs: readonly string[], mode = 0o755): void {
  for (const dir of dirs) mkdirSync(inRoot(root, dir), { recursive: true, mode });
}

/** Docs, manuals, translations and service files: not in the real images, and not needed. */
function slim(root: string): void {
  for (const dir of [
    '/usr/share/doc', '/usr/share/man', '/usr/share/info', '/usr/share/locale', '/usr/share/lintian', '/usr/share/bug',
    '/usr/share/bash-completion', '/usr/share/zsh', '/usr/share/fish', '/etc/init.d', '/lib/systemd', '/usr/lib/systemd',
    '/etc/cron.daily', '/etc/logrotate.d', '/etc/default',
  ]) {
    rmSync(inRoot(root, dir), { recursive: true, force: true });
  }
}

/** /etc/ssl/certs/ca-certificates.crt from the package's certificates (what update-ca-certificates makes). */
function caBundle(root: string): void {
  const dir = inRoot(root, '/usr/share/ca-certificates/mozilla');
  if (!existsSync(dir)) return;
  const pems = readdirSync(dir).filter((f) => f.endsWith('.crt')).sort();
  write(root, '/etc/ssl/certs/ca-certificates.crt', pems.map((f) => readFileSync(path.join(dir, f), 'utf8').trim()).join('\n') + '\n');
}

interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** /etc/passwd, group, shadow (and sub-ids) with exactly these users and groups. */
function accounts(root: string, users: readonly User[], groups: readonly { name: string; gid: number; members?: string }[]): void {
  write(root, '/etc/passwd', users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:${u.shell}\n`).join(''));
  write(root, '/etc/shadow', users.map((u) => `${u.name}:${u.name === 'root' ? '*' : '!'}::0:::::\n`).join(''), 0o640);
  write(root, '/etc/group', groups.map((g) => `${g.name}:x:${g.gid}:${g.members ?? ''}\n`).join(''));
}

/** An /etc/os-release that says what the image is: neither the real image's distribution nor Debian. */
function standInOsRelease(root: string, image: string): void {
  write(root, '/etc/os-release', `NAME="catalog integration harness stand-in for ${image} (Debian packages)"\nID=catalog-stand-in\n`);
}

/** Busybox's applets as links next to it, as Alpine installs them, except those a package provides. */
async function busyboxApplets(root: string, busybox: string, skip: readonly string[] = []): Promise<void> {
  const list = await run(inRoot(root, busybox), ['--list-full']);
  for (const entry of list.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const file = `/${entry}`;
    if (skip.includes(path.basename(file)) || existsSync(inRoot(root, file)) || lexists(inRoot(root, file))) continue;
    // Debian's busybox also lists usr/bin entries for /bin tools; keep the first of each name.
    if (['/bin', '/sbin', '/usr/bin', '/usr/sbin'].some((d) => lexists(inRoot(root, `${d}/${path.basename(file)}`)))) continue;
    link(root, file, busybox);
  }
}

function lexists(file: string): boolean {
  try {
    readlinkSync(file);
    return true;
  } catch {
    return existsSync(file);
  }
}

/** Unpacks `pick`'s package into a scratch dir and copies the listed files into the image. */
async function pickFiles(ctx: BuildContext, pick: FilePick, release: DebianRelease | undefined): Promise<void> {
  const debs = await fetchDebs(await resolvePackages([pick.package], release), ctx.debCache);
  const scratch = path.join(ctx.work, `pick-${pick.package}`);
  await unpackDebs(debs.values(), scratch);
  for (const [from, to] of Object.entries(pick.files)) {
    const target = inRoot(ctx.root, to);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(scratch, from), target, { dereference: true });
  }
  rmSync(scratch, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The recipes.
// ---------------------------------------------------------------------------------------------

/** Package-management and maintainer-script tools none of the Alpine-like images carries. */
const NO_PACKAGING = ['adduser', 'passwd', 'debconf', 'dpkg', 'perl', 'perl-base', 'perl-modules-5.36', 'init-system-helpers', 'lsb-base', 'sysvinit-utils', 'libpam-modules'];

/**
 * Applets of Alpine's busybox that Debian's busybox is built without, from Debian packages
 * (a glibc binary: the images that take it carry libc6).
 */
const ALPINE_BUSYBOX_GAPS: FilePick = { package: 'coreutils', files: { 'usr/bin/printenv': '/usr/bin/printenv' } };

const CLI_PACKAGES: readonly PackageRequest[] = [
  'busybox', 'libc-bin', 'ca-certificates', 'docker-cli/trixie', 'docker-buildx/trixie', 'docker-compose/trixie', 'openssh-client', 'git',
];
const CLI_EXCLUDE = [...NO_PACKAGING, 'openssl', 'git-man', 'liberror-perl'];

/** The docker:*-cli tool rows; the dind image has these too, with `dind` changing a few. */
function dockerRows(dind: boolean): ToolRow[] {
  return [
    same('sh is busybox ash', true, { check: BUSYBOX_SH }),
    same('bash', false),
    same('docker', true, { realNote: '29.5.2', standInNote: "26.1.5, Debian trixie's docker-cli" }),
    same('docker buildx plugin', true, { check: 'docker buildx version > /dev/null', realNote: '0.34.1', standInNote: '0.13.1, Debian' }),
    same('docker compose plugin', true, { check: 'docker compose version > /dev/null', realNote: '5.1.4', standInNote: "2.26.1, Debian trixie's docker-compose" }),
    same('dockerd', dind, dind ? { realNote: '29.5.2', standInNote: "26.1.5, Debian trixie's docker.io" } : {}),
    same('containerd', dind),
    same('runc', dind),
    same('docker-init', dind),
    same('iptables', dind, dind ? { realNote: 'nft, legacy in /usr/local/sbin/.iptables-legacy', standInNote: 'the same layout, Debian 1.8.9' } : {}),
    same('ip6tables', dind),
    same('openssl', dind),
    same('pigz', dind),
    same('xz (XZ Utils)', dind, { check: 'xz --version | grep -q "XZ Utils"', ...(dind ? {} : { realNote: "busybox's decompress-only xz", standInNote: "busybox's decompress-only xz" }) }),
    same('mkfs.ext4', dind, { check: 'command -v mkfs.ext4 > /dev/null' }),
    same('mkfs.xfs', dind),
    same('btrfs', dind),
    row('zfs', dind, false, dind ? { standInNote: 'zfsutils-linux is not in Debian main' } : {}),
    same('newuidmap', dind),
    same('git', true),
    same('ssh', true, { realNote: 'openssh-client', standInNote: 'openssh-client' }),
    same('ca-certificates bundle', true, { check: '[ -s /etc/ssl/certs/ca-certificates.crt ]' }),
    same('getent', true, { realNote: 'musl-utils', standInNote: 'glibc' }),
    same('wget', true, { realNote: 'busybox', standInNote: 'busybox' }),
    same('printenv', true, { realNote: 'busybox', standInNote: "coreutils' (Debian's busybox has no printenv applet)" }),
    same('curl', false),
    same('jq', false, { realNote: '`apk add jq` installs it', standInNote: '`apk add jq` installs a staged copy' }),
    same('aws', false, { realNote: '`apk add aws-cli` installs AWS CLI v2', standInNote: "`apk add aws-cli` installs a staged copy of Debian's awscli 2.9 (with Python 3.11)" }),
    same('cosign', false, { realNote: "`apk add cosign` installs community's 2.4", standInNote: "`apk add cosign` installs a staged copy of Debian trixie's cosign 2.5" }),
    same('python3', false),
    same('apk', true, { standInNote: 'STAND-IN script: installs only staged packages (jq, aws-cli, cosign), no Alpine repository' }),
    same('apt-get', false),
    same('dnf', false),
    same('podman', false),
  ];
}

const DOCKER_CLI_PM: PackageManagerRecipe = {
  command: 'apk',
  staged: { jq: 'jq', 'aws-cli': AWS_CLI_DEB, cosign: COSIGN_DEB },
  installed: ['busybox', 'ca-certificates', 'docker-cli', 'docker-cli-buildx', 'docker-cli-compose', 'git', 'openssh-client', 'musl-utils'],
};

async function dockerCliCustomize(ctx: BuildContext): Promise<void> {
  const { root } = ctx;
  slim(root);
  await busyboxApplets(root, '/bin/busybox', ['rpm', 'rpm2cpio']);
  link(root, '/bin/sh', 'busybox');
  caBundle(root);
  accounts(
    root,
    [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' }, { name: 'nobody', uid: 65534, gid: 65534, home: '/', shell: '/sbin/nologin' }],
    [{ name: 'root', gid: 0 }, { name: 'nogroup', gid: 65534 }, { name: 'docker', gid: 2375 }],
  );
  write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
  standInOsRelease(root, 'the docker:29.5.2 images');
  write(root, '/usr/local/bin/docker-entrypoint.sh', DOCKER_ENTRYPOINT, 0o755);
  write(root, '/usr/local/bin/modprobe', MODPROBE, 0o755);
  mkdirs(root, ['/certs/client', '/root', '/tmp', '/run'], 0o755);
  link(root, '/var/run', '../run');
  for (const dir of ['/certs', '/certs/client', '/tmp']) await run('chmod', ['1777', inRoot(root, dir)]);
}

const DOCKER_ENV = {
  PATH: ALPINE_PATH,
  // The versions of what the stand-in really carries (the real image names 29.5.2, 0.34.1, 5.1.4).
  DOCKER_VERSION: '26.1.5',
  DOCKER_BUILDX_VERSION: '0.13.1',
  DOCKER_COMPOSE_VERSION: '2.26.1',
  DOCKER_TLS_CERTDIR: '/certs',
};

const dockerCli: StandInRecipe = {
  name: 'docker-cli',
  table: {
    tags: ['docker:29.5.2-cli'],
    real: 'docker-library/docker `29/cli/Dockerfile`: alpine:3.23, `apk add ca-certificates openssh-client git`, the static docker CLI 29.5.2, buildx 0.34.1 and compose 5.1.4 plugins, docker-entrypoint.sh, `ENTRYPOINT [docker-entrypoint.sh]`, `CMD [sh]`, DOCKER_TLS_CERTDIR=/certs.',
    standIn: 'files of Debian packages (busybox, docker-cli/docker-buildx/docker-compose from trixie, git, openssh-client, ca-certificates, libc-bin) in an empty root, busybox ash as /bin/sh; the same entrypoint behaviour, env, /certs layout.',
    shell: 'sh',
    rows: dockerRows(false),
  },
  base: { kind: 'debs', packages: CLI_PACKAGES, exclude: CLI_EXCLUDE, picks: [ALPINE_BUSYBOX_GAPS] },
  packageManager: DOCKER_CLI_PM,
  customize: dockerCliCustomize,
  config: { entrypoint: ['docker-entrypoint.sh'], cmd: ['sh'], env: DOCKER_ENV },
};

const dockerDind: StandInRecipe = {
  name: 'docker-dind',
  table: {
    tags: ['docker:29.5.2-dind'],
    real: 'docker-library/docker `29/dind/Dockerfile`: FROM docker:29-cli, `apk add btrfs-progs e2fsprogs e2fsprogs-extra git ip6tables iptables openssl pigz shadow-uidmap xfsprogs xz zfs` and iptables-legacy, the static dockerd/containerd/runc/docker-init 29.5.2, moby\'s hack/dind, dockerd-entrypoint.sh, `VOLUME /var/lib/docker`, `EXPOSE 2375 2376`, `ENTRYPOINT [dockerd-entrypoint.sh]`.',
    standIn: 'the docker-cli stand-in plus Debian trixie\'s docker.io 26 and containerd 1.7, runc, tini (docker-init), iptables (nft default, legacy farm), openssl, pigz, xz-utils, uidmap, e2fsprogs, xfsprogs, btrfs-progs; an entrypoint that starts dockerd as the real one does (TLS under $DOCKER_TLS_CERTDIR on 2376, else 2375, extra arguments passed to dockerd) and /etc/docker/daemon.json turning the containerd image store on (the default of Docker 29, not of 26).',
    shell: 'sh',
    rows: dockerRows(true),
  },
  base: {
    kind: 'debs',
    packages: [
      ...CLI_PACKAGES, 'docker.io/trixie', 'containerd/trixie', 'runc', 'tini', 'iptables', 'openssl', 'pigz', 'xz-utils', 'uidmap',
      'e2fsprogs', 'xfsprogs', 'btrfs-progs',
    ],
    // python3: xfsprogs' xfs_scrub_all is a Python script; the real image has no Python.
    exclude: [...NO_PACKAGING, 'git-man', 'liberror-perl', 'logsave', 'python3'],
    picks: [ALPINE_BUSYBOX_GAPS],
  },
  packageManager: {
    ...DOCKER_CLI_PM,
    installed: [...DOCKER_CLI_PM.installed, 'btrfs-progs', 'e2fsprogs', 'e2fsprogs-extra', 'ip6tables', 'iptables', 'iptables-legacy', 'openssl', 'pigz', 'shadow-uidmap', 'xfsprogs', 'xz'],
  },
  async customize(ctx) {
    await dockerCliCustomize(ctx);
    const { root } = ctx;
    // Debian's alternatives, set the way Alpine's iptables package has them (nft by default), and
    // the legacy farm the real entrypoint switches to.
    for (const tool of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore']) {
      link(root, `/usr/sbin/${tool}`, 'xtables-nft-multi');
      link(root, `/usr/local/sbin/.iptables-legacy/${tool}`, '/usr/sbin/xtables-legacy-multi');
    }
    const passwd = readFileSync(inRoot(root, '/etc/passwd'), 'utf8');
    write(root, '/etc/passwd', `${passwd}dockremap:x:100:101:dockremap:/home/dockremap:/sbin/nologin\n`);
    const group = readFileSync(inRoot(root, '/etc/group'), 'utf8');
    write(root, '/etc/group', `${group}dockremap:x:101:\n`);
    write(root, '/etc/subuid', 'dockremap:165536:65536\n');
    write(root, '/etc/subgid', 'dockremap:165536:65536\n');
    write(root, '/etc/docker/daemon.json', '{\n  "features": { "containerd-snapshotter": true }\n}\n');
    write(root, '/usr/local/bin/dockerd-entrypoint.sh', DOCKERD_ENTRYPOINT, 0o755);
    write(root, '/usr/local/bin/dind', DIND_WRAPPER, 0o755);
    mkdirs(root, ['/var/lib/docker']);
  },
  config: {
    entrypoint: ['dockerd-entrypoint.sh'],
    cmd: [],
    env: DOCKER_ENV,
    volumes: ['/var/lib/docker'],
    exposedPorts: ['2375/tcp', '2376/tcp'],
  },
};

/**
 * registry:3's config-example.yml, less what Debian's registry 2.8 does not read: a
 * `storage.tag` section would be taken for a second storage driver.
 */
const REGISTRY_CONFIG = `# Stand-in for registry:3.0.0's /etc/distribution/config.yml (catalog integration harness); read by
# Debian's registry 2.8, which has no storage.tag section.
version: 0.1
log:
  level: debug
  fields:
    service: registry
    environment: development
storage:
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  debug:
    addr: :5001
    prometheus:
      enabled: true
      path: /metrics
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

const registry: StandInRecipe = {
  name: 'registry',
  table: {
    tags: ['registry:3.0.0'],
    real: 'distribution/distribution-library-image at 3.0.0: alpine:3.21, `apk add ca-certificates`, the registry 3.0.0 binary as /bin/registry, config-example.yml as /etc/distribution/config.yml, `VOLUME /var/lib/registry`, `EXPOSE 5000`, `ENTRYPOINT [/entrypoint.sh]`, `CMD [/etc/distribution/config.yml]`.',
    standIn: "files of Debian's docker-registry 2.8 (as /bin/registry), busybox and ca-certificates in an empty root; the same entrypoint, config path, volume and port.",
    shell: 'sh',
    rows: [
      same('sh is busybox ash', true, { check: BUSYBOX_SH }),
      same('bash', false),
      same('registry', true, { realNote: '3.0.0', standInNote: "2.8.2, Debian's docker-registry" }),
      same('config /etc/distribution/config.yml', true, { check: '[ -s /etc/distribution/config.yml ]' }),
      same('wget', true, { realNote: 'busybox', standInNote: 'busybox' }),
      same('printenv', true, { realNote: 'busybox', standInNote: "coreutils' (Debian's busybox has no printenv applet)" }),
      same('curl', false),
      same('jq', false),
      same('openssl', false),
      same('htpasswd', false),
      same('apk', true, { standInNote: 'STAND-IN script: installs only staged packages (jq)' }),
      same('apt-get', false),
    ],
  },
  base: { kind: 'debs', packages: ['busybox', 'ca-certificates', 'docker-registry'], exclude: [...NO_PACKAGING, 'openssl'], picks: [ALPINE_BUSYBOX_GAPS] },
  packageManager: { command: 'apk', staged: { jq: 'jq' }, installed: ['busybox', 'ca-certificates'] },
  async customize(ctx) {
    const { root } = ctx;
    slim(root);
    await busyboxApplets(root, '/bin/busybox', ['rpm', 'rpm2cpio']);
    link(root, '/bin/sh', 'busybox');
    caBundle(root);
    accounts(root, [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' }], [{ name: 'root', gid: 0 }]);
    write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
    standInOsRelease(root, 'registry:3.0.0');
    link(root, '/bin/registry', '/usr/bin/docker-registry');
    rmSync(inRoot(root, '/etc/docker'), { recursive: true, force: true });
    write(root, '/etc/distribution/config.yml', REGISTRY_CONFIG);
    write(root, '/entrypoint.sh', REGISTRY_ENTRYPOINT, 0o755);
    mkdirs(root, ['/var/lib/registry', '/tmp', '/root']);
    await run('chmod', ['1777', inRoot(root, '/tmp')]);
  },
  config: {
    entrypoint: ['/entrypoint.sh'],
    cmd: ['/etc/distribution/config.yml'],
    env: { PATH: ALPINE_PATH },
    volumes: ['/var/lib/registry'],
    exposedPorts: ['5000/tcp'],
  },
};

/** tonistiigi/binfmt's architectures → Debian's qemu-user-static interpreter names. */
const BINFMT_ARCHES: Readonly<Record<string, string>> = {
  arm64: 'aarch64', arm: 'arm', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64le: 'mips64el', mips64: 'mips64',
  loong64: 'loongarch64', amd64: 'x86_64', '386': 'i386',
};

/** Debian's binfmt-support description of an interpreter (/usr/share/binfmts/qemu-<name>). */
function binfmtEntry(arch: string, qemu: string, text: string): BinfmtEntry | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name} (.*)$`, 'm').exec(text)?.[1]?.trim();
  const magic = field('magic');
  const mask = field('mask');
  if (magic === undefined || mask === undefined) return undefined;
  return { arch, binary: `qemu-${qemu}`, magic, mask, offset: field('offset') ?? '0' };
}

const binfmt: StandInRecipe = {
  name: 'binfmt',
  table: {
    tags: ['docker.io/tonistiigi/binfmt:qemu-v9.2.2'],
    real: 'tonistiigi/binfmt `Dockerfile` target `image`: FROM scratch, static QEMU 9.2.2 user-mode interpreters as /usr/bin/qemu-*, the Go `binfmt` command, `ENTRYPOINT [/usr/bin/binfmt]`, `VOLUME /tmp`; no shell.',
    standIn: "FROM scratch with Debian's qemu-user-static 7.2 interpreters as /usr/bin/qemu-*, and /usr/bin/binfmt a script (run by a busybox hidden in /usr/libexec/binfmt-stand-in, on no PATH) that registers them with flags CF from Debian's binfmts magic, `--install`/`--uninstall` and the JSON status as the real one.",
    shell: BINFMT_BUSYBOX,
    rows: [
      same('a shell (/bin/sh)', false, { check: '[ -e /bin/sh ]', standInNote: 'only the hidden busybox that runs /usr/bin/binfmt' }),
      same('binfmt', true, { check: '[ -x /usr/bin/binfmt ]', realNote: 'Go binary', standInNote: 'script' }),
      ...['aarch64', 'arm', 'ppc64le', 's390x', 'riscv64', 'x86_64'].map((q) =>
        same(`qemu-${q}`, true, { check: `[ -x /usr/bin/qemu-${q} ]`, realNote: '9.2.2', standInNote: '7.2, Debian' }),
      ),
    ],
  },
  base: {
    kind: 'debs',
    packages: [],
    exclude: [],
    picks: [
      { package: 'busybox-static', files: { 'bin/busybox': BINFMT_BUSYBOX } },
      {
        package: 'qemu-user-static',
        files: Object.fromEntries(Object.values(BINFMT_ARCHES).map((q) => [`usr/bin/qemu-${q}-static`, `/usr/bin/qemu-${q}`])),
      },
    ],
  },
  async customize(ctx) {
    // Magic and mask of each foreign interpreter, as Debian registers them (none for the native ones).
    const entries: BinfmtEntry[] = [];
    for (const [arch, qemu] of Object.entries(BINFMT_ARCHES)) {
      const file = `/usr/share/binfmts/qemu-${qemu}`;
      if (!existsSync(file)) continue;
      const entry = binfmtEntry(arch, qemu, readFileSync(file, 'utf8'));
      if (entry !== undefined) entries.push(entry);
    }
    if (entries.length === 0) throw new HarnessError('no QEMU binfmt descriptions in /usr/share/binfmts: install qemu-user-static');
    write(ctx.root, '/usr/bin/binfmt', binfmtScript(entries, BINFMT_BUSYBOX), 0o755);
    mkdirs(ctx.root, ['/tmp', '/proc', '/dev', '/sys']);
  },
  keyInputs: async () => (await runUnchecked('dpkg-query', ['-W', '-f', '${Version}', 'qemu-user-static'])).stdout,
  config: { entrypoint: ['/usr/bin/binfmt'], env: { PATH: ALPINE_PATH, QEMU_PRESERVE_ARGV0: '' }, volumes: ['/tmp'] },
};

/** The moby/buildkit tag buildx-ecr's `buildkit-image` input defaults to. */
const BUILDKIT_IMAGE = 'docker.io/moby/buildkit:v0.23.2';

/**
 * A STAND-IN for moby/buildkit, the image of buildx's docker-container builders: buildkitd is
 * packaged neither in Debian nor in npm, and the image cannot be pulled here. What buildx does with
 * the image (driver/docker-container/driver.go of buildx 0.13.1, the version the docker stand-ins
 * carry): create a privileged container of it (`--init`, the state volume at /var/lib/buildkit,
 * buildkitd.toml and its certificates copied to /etc/buildkit, the buildkitd flags as the command),
 * wait until `buildctl debug workers` succeeds in it, talk to BuildKit through `buildctl dial-stdio`,
 * and read `buildkitd --version`. The stand-in's buildkitd starts dockerd 26.1 instead, and its
 * buildctl bridges to the BuildKit dockerd embeds (stand-in-scripts.ts).
 */
const buildkit: StandInRecipe = {
  name: 'buildkit',
  table: {
    tags: [BUILDKIT_IMAGE],
    real: 'moby/buildkit `Dockerfile` target `buildkit-linux` at v0.23.2: alpine, `apk add fuse3 git openssh pigz xz iptables ip6tables`, buildkitd and buildctl v0.23.2, buildkit-runc, buildkit-qemu-* emulators, `VOLUME /var/lib/buildkit`, `ENTRYPOINT [buildkitd]`.',
    standIn: "files of Debian trixie's docker.io 26.1 (dockerd), containerd 1.7, runc, iptables and perl-base with busybox in an empty root; `buildkitd` a script that starts dockerd (data under /var/lib/buildkit, the containerd image store) with buildkitd.toml's registry settings translated to dockerd's (CA and client certificates to certs.d, `http`/`insecure` to insecure-registries, docker.io `mirrors` to registry-mirrors); `buildctl` a script with `debug workers` and `dial-stdio`, bridging to dockerd's embedded BuildKit (`POST /grpc`, `Upgrade: h2c`) with a Perl helper. BuildKit is the one dockerd 26.1.5 vendors, not buildkitd v0.23.2.",
    shell: 'sh',
    rows: [
      same('sh is busybox ash', true, { check: BUSYBOX_SH }),
      same('buildkitd', true, { realNote: 'v0.23.2', standInNote: "STAND-IN script: dockerd 26.1.5's embedded BuildKit" }),
      same('buildctl', true, { realNote: 'v0.23.2', standInNote: "STAND-IN script: only `debug workers` and `dial-stdio`" }),
      row('dockerd', false, true, { standInNote: "Debian trixie's docker.io 26.1.5, started by buildkitd" }),
      row('containerd', false, true, { standInNote: "Debian trixie's 1.7, started by dockerd" }),
      row('runc', true, true, { check: 'command -v runc > /dev/null || command -v buildkit-runc > /dev/null', realNote: 'buildkit-runc', standInNote: 'Debian' }),
      same('iptables', true),
      row('buildkit-qemu-aarch64', true, false, { check: 'command -v buildkit-qemu-aarch64 > /dev/null', standInNote: "emulation is the kernel's binfmt_misc entries only" }),
      row('git', true, false, { standInNote: 'git contexts are fetched by the client here' }),
      row('perl', false, true, { standInNote: "perl-base, buildctl's bridge" }),
      same('docker', false),
      row('apk', true, false, { realNote: 'Alpine base', standInNote: 'buildx never runs it: no apk stand-in' }),
    ],
  },
  base: {
    kind: 'debs',
    // util-linux: `mountpoint`, which the dind wrapper dockerd runs through uses.
    packages: ['busybox', 'libc-bin', 'ca-certificates', 'docker.io/trixie', 'containerd/trixie', 'runc', 'tini', 'iptables', 'perl-base', 'util-linux'],
    // The docker CLI (docker.io depends on it): the real image has none.
    exclude: [...NO_PACKAGING.filter((p) => p !== 'perl-base'), 'docker-cli', 'openssl', 'git', 'git-man', 'liberror-perl'],
  },
  async customize(ctx) {
    const { root } = ctx;
    slim(root);
    await busyboxApplets(root, '/bin/busybox', ['rpm', 'rpm2cpio']);
    link(root, '/bin/sh', 'busybox');
    caBundle(root);
    accounts(root, [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' }], [{ name: 'root', gid: 0 }, { name: 'docker', gid: 2375 }]);
    write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
    standInOsRelease(root, BUILDKIT_IMAGE);
    for (const tool of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore']) {
      link(root, `/usr/sbin/${tool}`, 'xtables-nft-multi');
      link(root, `/usr/local/sbin/.iptables-legacy/${tool}`, '/usr/sbin/xtables-legacy-multi');
    }
    rmSync(inRoot(root, '/usr/bin/docker'), { force: true });
    write(root, '/usr/bin/buildkitd', buildkitdScript('dockerd-26.1.5'), 0o755);
    write(root, '/usr/bin/buildctl', BUILDCTL_SCRIPT, 0o755);
    write(root, '/usr/libexec/buildkit-stand-in/grpc-bridge', GRPC_BRIDGE, 0o755);
    write(root, '/usr/local/bin/dind', DIND_WRAPPER, 0o755);
    mkdirs(root, ['/var/lib/buildkit', '/etc/buildkit', '/root', '/tmp', '/run']);
    link(root, '/var/run', '../run');
    await run('chmod', ['1777', inRoot(root, '/tmp')]);
  },
  config: { entrypoint: ['buildkitd'], env: { PATH: ALPINE_PATH }, volumes: ['/var/lib/buildkit'] },
};

/** quay.io/podman/stable's containers.conf: every namespace of the host, cgroups off, crun. */
const PODMAN_CONTAINERS_CONF = `[containers]
netns="host"
userns="host"
ipcns="host"
utsns="host"
cgroupns="host"
cgroups="disabled"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger="file"
runtime="crun"
`;

const PODMAN_USER_CONTAINERS_CONF = `[containers]
volumes = [
	"/proc:/proc",
]
default_sysctls = []
`;

/** Fedora's storage.conf as the stable image edits it: overlay through fuse-overlayfs, /var/lib/shared. */
const PODMAN_STORAGE_CONF = `[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"

[storage.options]
additionalimagestores = [
"/var/lib/shared",
]

[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
mountopt = "nodev,fsync=0"
`;

/** The quay.io/podman/stable tag the components default to (their `image` input). */
const PODMAN_IMAGE = 'quay.io/podman/stable:v5.8.7';

const podman: StandInRecipe = {
  name: 'podman',
  table: {
    tags: [PODMAN_IMAGE],
    real: "containers/image_build `podman/Containerfile` (moved there from containers/podman `contrib/podmanimage` in March 2024), built when podman 5.8.7 was Fedora's: fedora:latest (Fedora 44: dnf5, no Python), `dnf install podman fuse-overlayfs openssh-clients --exclude container-selinux` (podman 5 brings catatonit, conmon, crun, netavark, passt), user podman with sub-ids, containers.conf (host namespaces, cgroups disabled, crun), storage.conf (fuse-overlayfs, /var/lib/shared), `VOLUME /var/lib/containers /home/podman/.local/share/containers`, `_CONTAINERS_USERNS_CONFIGURED=''`; Fedora's bash, coreutils, dnf5, curl.",
    standIn: "files of Debian trixie's podman 5.4 and its closure, all from trixie (podman 5 needs its glibc 2.41): crun, conmon, catatonit, netavark with aardvark-dns (podman 5 has no CNI), passt (pasta, its rootless network), fuse-overlayfs, uidmap, iptables, with bash as /bin/sh, GNU coreutils, findutils, grep, sed, gawk, tar, gzip, util-linux, procps, curl, openssh-client, in an empty root (Fedora has no dpkg, so no dpkg database); the same configs, user, volumes and env.",
    shell: 'sh',
    rows: [
      same('sh is bash', true, { check: BASH_SH }),
      same('bash', true),
      same('podman', true, { realNote: '5.8.7', standInNote: '5.4.2, Debian trixie' }),
      same('buildah', false),
      same('skopeo', false),
      same('fuse-overlayfs', true),
      same('crun', true),
      same('conmon', true),
      same('catatonit', true, { check: '[ -x /usr/libexec/podman/catatonit ] || command -v catatonit > /dev/null' }),
      same('netavark', true, { check: '[ -x /usr/libexec/podman/netavark ] || [ -x /usr/lib/podman/netavark ]', realNote: 'podman 5 has no CNI' }),
      same('pasta', true, { realNote: "passt, podman 5's rootless network", standInNote: 'passt' }),
      same('newuidmap', true),
      same('ssh', true, { realNote: 'openssh-clients', standInNote: 'openssh-client' }),
      same('curl', true),
      same('wget', false),
      same('git', false),
      same('jq', false, { realNote: '`dnf install jq` installs it', standInNote: '`dnf install jq` installs a staged copy' }),
      same('aws', false, { realNote: '`dnf install awscli` (or `awscli2`) installs AWS CLI v2', standInNote: "`dnf install awscli`/`awscli2` installs a staged copy of Debian trixie's awscli 2.23 (with Python 3.13)" }),
      same('cosign', false, { realNote: "`dnf install cosign` installs Fedora's", standInNote: "`dnf install cosign` installs a staged copy of Debian trixie's cosign 2.5" }),
      same('python3', false, { realNote: "not in Fedora's base image since dnf5 (C++) replaced dnf", standInNote: 'comes with the staged AWS CLI' }),
      row('openssl', false, true, { standInNote: 'ca-certificates brings it in Debian' }),
      same('dnf', true, { realNote: 'dnf5', standInNote: 'STAND-IN script: installs only staged packages (jq, awscli, awscli2, cosign), no Fedora repository' }),
      row('rpm', true, false),
      same('apt-get', false),
      same('apk', false),
    ],
  },
  base: {
    kind: 'debs',
    release: 'trixie',
    packages: [
      'bash', 'coreutils', 'findutils', 'grep', 'sed', 'gawk', 'tar', 'gzip', 'util-linux', 'procps', 'debianutils', 'hostname', 'diffutils',
      'libc-bin', 'passwd', 'ca-certificates', 'curl', 'openssh-client',
      'podman', 'crun', 'conmon', 'catatonit', 'netavark', 'aardvark-dns', 'passt', 'fuse-overlayfs', 'uidmap', 'iptables',
    ],
    exclude: ['debconf', 'perl-base', 'perl', 'dpkg', 'adduser', 'init-system-helpers', 'sysvinit-utils', 'runc', 'containernetworking-plugins', 'slirp4netns'],
  },
  packageManager: {
    command: 'dnf',
    staged: { jq: 'jq', awscli: AWS_CLI_DEB, awscli2: AWS_CLI_DEB, cosign: COSIGN_DEB },
    installed: ['bash', 'curl', 'fuse-overlayfs', 'openssh-clients', 'podman', 'crun', 'conmon', 'catatonit', 'netavark', 'passt'],
  },
  async customize(ctx) {
    const { root } = ctx;
    slim(root);
    link(root, '/bin/sh', 'bash');
    link(root, '/usr/bin/awk', 'gawk');
    for (const tool of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore']) {
      link(root, `/usr/sbin/${tool}`, 'xtables-nft-multi');
    }
    caBundle(root);
    accounts(
      root,
      [
        { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' },
        { name: 'nobody', uid: 65534, gid: 65534, home: '/', shell: '/sbin/nologin' },
        { name: 'podman', uid: 1000, gid: 1000, home: '/home/podman', shell: '/bin/bash' },
      ],
      [{ name: 'root', gid: 0 }, { name: 'nogroup', gid: 65534 }, { name: 'podman', gid: 1000 }],
    );
    write(root, '/etc/subuid', 'podman:1:999\npodman:1001:64535\n');
    write(root, '/etc/subgid', 'podman:1:999\npodman:1001:64535\n');
    write(root, '/etc/containers/containers.conf', PODMAN_CONTAINERS_CONF);
    write(root, '/home/podman/.config/containers/containers.conf', PODMAN_USER_CONTAINERS_CONF);
    write(root, '/etc/containers/storage.conf', PODMAN_STORAGE_CONF);
    if (!existsSync(inRoot(root, '/etc/containers/registries.conf'))) {
      write(root, '/etc/containers/registries.conf', 'unqualified-search-registries = ["docker.io"]\n');
    }
    mkdirs(root, ['/home/podman/.local/share/containers', '/var/lib/containers', '/root', '/tmp', '/run', '/var/tmp']);
    for (const dir of ['overlay-images', 'overlay-layers', 'vfs-images', 'vfs-layers']) {
      const lock = dir.endsWith('images') ? 'images.lock' : 'layers.lock';
      write(root, `/var/lib/shared/${dir}/${lock}`, '');
    }
    await run('chown', ['-R', '1000:1000', inRoot(root, '/home/podman')]);
    await run('chmod', ['1777', inRoot(root, '/tmp'), inRoot(root, '/var/tmp')]);
    standInOsRelease(root, PODMAN_IMAGE);
  },
  config: {
    cmd: ['/bin/bash'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', container: 'oci', _CONTAINERS_USERNS_CONFIGURED: '' },
    volumes: ['/var/lib/containers', '/home/podman/.local/share/containers'],
  },
};

// ---- moto: the machine's own moto_server, on a Debian minbase -------------------------------

interface PythonInstall {
  readonly prefix: string;
  readonly version: string;
  readonly executable: string;
}

/** The Python that runs this machine's `moto_server` (pyenv's, not Debian's: PyPI is not reachable). */
async function motoPython(): Promise<PythonInstall> {
  const script = process.env['CATALOG_MOTO_SERVER'] ?? (await runUnchecked('sh', ['-c', 'command -v moto_server'])).stdout.trim();
  if (script === '') throw new HarnessError('no moto_server on PATH: the moto stand-in copies the machine\'s moto (pip install "moto[server]")');
  let interpreter = /^#!\s*(\S+)/.exec(readFileSync(script, 'utf8').split('\n')[0] ?? '')?.[1] ?? '';
  if (!/python/.test(interpreter)) {
    // A pyenv shim: ask pyenv which script it runs.
    const real = (await runUnchecked('pyenv', ['which', 'moto_server'])).stdout.trim();
    interpreter = real === '' ? '' : (/^#!\s*(\S+)/.exec(readFileSync(real, 'utf8').split('\n')[0] ?? '')?.[1] ?? '');
  }
  if (!/python/.test(interpreter)) throw new HarnessError(`cannot tell which Python runs ${script}`);
  const [prefix = '', version = '', executable = ''] = (
    await run(interpreter, ['-c', 'import sys; print(sys.prefix); print("%d.%d" % sys.version_info[:2]); print(sys.executable)'])
  ).split('\n');
  return { prefix, version, executable };
}

/**
 * Prints, for moto[server] and everything it requires (markers evaluated for this platform) plus
 * pip, setuptools and wheel as python:*-slim has them: the site-packages files of each
 * distribution, and its console scripts as `script<TAB>name<TAB>module:attr`.
 */
const MOTO_CLOSURE_PY = String.raw`
import importlib.metadata as md, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
seen = {}
todo = [("moto", {"server"}), ("pip", set()), ("setuptools", set()), ("wheel", set())]
while todo:
    name, extras = todo.pop()
    key = canonicalize_name(name)
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue
    known = seen.setdefault(key, (dist, set()))
    new = extras - known[1]
    if key in seen and known[1] and not new:
        continue
    known[1].update(extras)
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (known[1] or {""})):
            continue
        todo.append((req.name, set(req.extras)))
for key, (dist, _) in sorted(seen.items()):
    base = dist.locate_file("")
    for f in dist.files or []:
        p = str(f)
        if p.startswith(".."):
            continue
        print("file\t" + p)
    for ep in dist.entry_points:
        if ep.group == "console_scripts":
            print("script\t" + ep.name + "\t" + ep.value)
    print("dist\t" + dist.metadata["Name"] + "\t" + dist.version)
`;

const moto: StandInRecipe = {
  name: 'moto',
  table: {
    tags: ['motoserver/moto:5.2.1'],
    real: "getmoto/moto `Dockerfile`: python:3.11-slim (Debian bookworm), `pip install .[server]`, curl from apt, `ENTRYPOINT [/usr/local/bin/moto_server, -H, 0.0.0.0]`, `EXPOSE 5000`.",
    standIn: "mmdebstrap's Debian bookworm minbase with curl and the libraries Python links, and this machine's moto 5.2.1 with its pyenv Python 3.11 under /usr/local: only moto[server]'s requirements and pip/setuptools/wheel, copied from the machine (moto is not a Debian package and PyPI is not reachable); the same entrypoint and port.",
    shell: 'sh',
    rows: [
      same('sh is dash', true, { check: DASH_SH }),
      same('bash', true),
      same('python3', true, { realNote: '3.11', standInNote: "3.11.7, the machine's pyenv build" }),
      same('moto_server', true, { realNote: '5.2.1', standInNote: "5.2.1, the machine's" }),
      same('pip', true),
      same('curl', true),
      same('wget', false),
      same('git', false),
      same('jq', false),
      same('aws', false),
      same('apt-get', true),
    ],
  },
  base: {
    kind: 'mmdebstrap',
    variant: 'minbase',
    packages: ['ca-certificates', 'netbase', 'tzdata', 'curl', 'libssl3', 'libffi8', 'libsqlite3-0', 'libbz2-1.0', 'liblzma5', 'zlib1g', 'libreadline8', 'libncursesw6', 'libexpat1', 'libuuid1', 'libtirpc3', 'libcrypt1'],
  },
  async customize(ctx) {
    const { root, log } = ctx;
    const python = await motoPython();
    const lib = `python${python.version}`;
    const local = inRoot(root, '/usr/local');
    log(`moto: copying Python ${python.version} from ${python.prefix}`);
    mkdirSync(path.join(local, 'bin'), { recursive: true });
    cpSync(path.join(python.prefix, 'bin', lib), path.join(local, 'bin', lib));
    for (const entry of readdirSync(path.join(python.prefix, 'lib')).filter((e) => e.startsWith('libpython'))) {
      cpSync(path.join(python.prefix, 'lib', entry), path.join(local, 'lib', entry), { verbatimSymlinks: true });
    }
    const stdlib = path.join(python.prefix, 'lib', lib);
    const skip = new Set(['site-packages', 'test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3']);
    cpSync(stdlib, path.join(local, 'lib', lib), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => {
        const rel = path.relative(stdlib, source);
        const top = rel.split(path.sep)[0] ?? '';
        return !skip.has(top) && !top.startsWith('config-');
      },
    });
    const listing = await run(python.executable, ['-c', MOTO_CLOSURE_PY]);
    const site = path.join(stdlib, 'site-packages');
    const targetSite = path.join(local, 'lib', lib, 'site-packages');
    const dists: string[] = [];
    for (const line of listing.split('\n')) {
      const [kind, a = '', b = ''] = line.split('\t');
      if (kind === 'file') {
        const from = path.join(site, a);
        if (!existsSync(from)) continue;
        mkdirSync(path.dirname(path.join(targetSite, a)), { recursive: true });
        cpSync(from, path.join(targetSite, a), { verbatimSymlinks: true });
      } else if (kind === 'script') {
        const [module = '', attr = ''] = b.split(':');
        write(
          root,
          `/usr/local/bin/${a}`,
          `#!/usr/local/bin/${lib}\nimport sys\nfrom ${module} import ${attr.split('.')[0] ?? attr}\nif __name__ == "__main__":\n    sys.exit(${attr}())\n`,
          0o755,
        );
      } else if (kind === 'dist') {
        dists.push(`${a} ${b}`);
      }
    }
    log(`moto: ${dists.length} Python distributions copied`);
    link(root, '/usr/local/bin/python3', lib);
    link(root, '/usr/local/bin/python', 'python3');
    await run('chroot', [root, 'ldconfig']);
    mkdirs(root, ['/moto']);
  },
  keyInputs: async () => {
    const python = await motoPython();
    const versions = await run(python.executable, ['-c', 'import sys, moto; print(sys.version, moto.__version__)']);
    return `${python.prefix} ${versions}`;
  },
  config: {
    entrypoint: ['/usr/local/bin/moto_server', '-H', '0.0.0.0'],
    env: { PATH: '/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
    workingDir: '/moto',
    exposedPorts: ['5000/tcp'],
  },
};

// ---- node: the machine's node 20, on a Debian bookworm with apt ------------------------------

const node: StandInRecipe = {
  name: 'node',
  table: {
    tags: ['node:20.19-bookworm'],
    real: 'nodejs/docker-node `20/bookworm/Dockerfile`: buildpack-deps:bookworm (curl, wget, git, gnupg, openssh-client, procps, python3, make, gcc/g++ and -dev libraries), node 20.19 and yarn 1.22 in /usr/local, docker-entrypoint.sh, `CMD [node]`.',
    standIn: "mmdebstrap's Debian bookworm (apt variant) with buildpack-deps' tools but not the compilers and -dev libraries, and this machine's node 20 with npm and corepack copied to /usr/local (node is not in Debian at 20.19); the same entrypoint and command.",
    shell: 'sh',
    rows: [
      same('sh is dash', true, { check: DASH_SH }),
      same('bash', true),
      same('node', true, { realNote: '20.19', standInNote: "the machine's node 20" }),
      same('npm', true),
      same('npx', true),
      same('corepack', true),
      row('yarn', true, false, { realNote: '1.22' }),
      same('git', true),
      same('curl', true),
      same('wget', true),
      same('ssh', true),
      same('gpg', true),
      same('python3', true),
      same('make', true),
      row('gcc', true, false, { standInNote: '`apt-get install gcc` works here' }),
      row('g++', true, false, { standInNote: '`apt-get install g++` works here' }),
      same('openssl', true),
      same('jq', false),
      same('apt-get', true),
    ],
  },
  base: {
    kind: 'mmdebstrap',
    variant: 'apt',
    packages: ['ca-certificates', 'curl', 'wget', 'netbase', 'gnupg', 'dirmngr', 'git', 'openssh-client', 'procps', 'xz-utils', 'bzip2', 'unzip', 'python3', 'make', 'libstdc++6'],
  },
  async customize(ctx) {
    const { root } = ctx;
    const nodeBin = (await run('sh', ['-c', 'command -v node'])).trim();
    const modules = ['/usr/lib/node_modules', '/usr/local/lib/node_modules'].find((d) => existsSync(path.join(d, 'npm')));
    if (modules === undefined) throw new HarnessError('npm is not installed next to node on this machine');
    cpSync(nodeBin, inRoot(root, '/usr/local/bin/node'), { dereference: true });
    for (const m of ['npm', 'corepack']) {
      if (existsSync(path.join(modules, m))) cpSync(path.join(modules, m), inRoot(root, `/usr/local/lib/node_modules/${m}`), { recursive: true, verbatimSymlinks: true });
    }
    link(root, '/usr/local/bin/npm', '../lib/node_modules/npm/bin/npm-cli.js');
    link(root, '/usr/local/bin/npx', '../lib/node_modules/npm/bin/npx-cli.js');
    link(root, '/usr/local/bin/corepack', '../lib/node_modules/corepack/dist/corepack.js');
    link(root, '/usr/local/bin/nodejs', 'node');
    write(root, '/usr/local/bin/docker-entrypoint.sh', NODE_ENTRYPOINT, 0o755);
    await run('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
    await run('chroot', [root, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);
  },
  keyInputs: async () => (await run('node', ['--version'])).trim(),
  config: {
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['node'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_VERSION: process.versions.node },
  },
};

export const STAND_INS: readonly StandInRecipe[] = [dockerCli, dockerDind, registry, binfmt, buildkit, podman, moto, node];

/** The tables of docs/image-stand-ins.md. */
export const STAND_IN_TABLES: readonly StandInTable[] = STAND_INS.map((r) => r.table);

export function standInRecipe(name: StandInName): StandInRecipe {
  const recipe = STAND_INS.find((r) => r.name === name);
  if (recipe === undefined) throw new Error(`no stand-in ${name}`);
  return recipe;
}

// ---------------------------------------------------------------------------------------------
// Building, caching, loading.
// ---------------------------------------------------------------------------------------------

/**
 * Where built stand-ins are kept between runs: $CATALOG_STAND_IN_CACHE, else
 * /var/cache/catalog-harness/stand-ins as root, else ~/.cache/catalog-harness/stand-ins. Not
 * $XDG_CACHE_HOME: the tests point that at a directory of their own, removed after each run.
 */
export function standInCacheDir(): string {
  const override = process.env['CATALOG_STAND_IN_CACHE'];
  if (override !== undefined && override !== '') return override;
  return isRoot() ? '/var/cache/catalog-harness/stand-ins' : path.join(os.homedir(), '.cache', 'catalog-harness', 'stand-ins');
}

/** The Debian suite of this machine (bookworm), which the mmdebstrap stand-ins are built from. */
function hostSuite(): string {
  const release = readFileSync('/etc/os-release', 'utf8');
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1];
  if (codename === undefined) throw new HarnessError('cannot tell the Debian release of this machine from /etc/os-release');
  return codename;
}

/**
 * A deb822 sources file for mmdebstrap with this machine's own Debian sources for `suite` (and its
 * -updates and -security): the mirrors apt already uses here, nothing else (not the pinned trixie).
 */
function suiteSources(suite: string, file: string): void {
  const stanzas: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sources')).map((f) => path.join(dir, f)) : [];
  for (const f of files) {
    for (const stanza of readFileSync(f, 'utf8').split(/\n\s*\n/)) {
      const suites = /^Suites:\s*(.*)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      const keep = suites.filter((s) => s === suite || s.startsWith(`${suite}-`));
      if (keep.length === 0 || !/^Types:.*\bdeb\b/m.test(stanza)) continue;
      stanzas.push(stanza.replace(/^Suites:.*$/m, `Suites: ${keep.join(' ')}`).replace(/^#.*\n/gm, '').trim());
    }
  }
  const list = existsSync('/etc/apt/sources.list') ? readFileSync('/etc/apt/sources.list', 'utf8') : '';
  for (const line of list.split('\n')) {
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (m === null || !(m[3] === suite || m[3]?.startsWith(`${suite}-`))) continue;
    stanzas.push(`Types: deb\nURIs: ${m[2]}\nSuites: ${m[3]}\nComponents: ${m[4]}`);
  }
  if (stanzas.length === 0) throw new HarnessError(`no apt source for ${suite} on this machine to build the stand-ins from`);
  writeFileSync(file, `${stanzas.join('\n\n')}\n`);
}

interface Plan {
  readonly recipe: StandInRecipe;
  readonly key: string;
  readonly archive: string;
}

/**
 * What apt's lists say about the repositories (their InRelease files): the package closures and
 * the versions mmdebstrap gets are a function of these and the recipe, so the cache key needs no
 * resolution (each apt-cache call takes seconds here) and a cached stand-in loads at once.
 */
function aptListsFingerprint(): string {
  const dir = '/var/lib/apt/lists';
  const hash = createHash('sha256');
  for (const entry of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (entry.endsWith('InRelease') || entry.endsWith('_Release')) hash.update(entry).update(readFileSync(path.join(dir, entry)));
  }
  return hash.digest('hex');
}

/** The modules that decide what a stand-in contains. */
const BUILD_MODULES = ['stand-ins.ts', 'stand-in-scripts.ts', 'debs.ts', 'image-archive.ts'];

/**
 * A hash of the TypeScript sources of BUILD_MODULES, from harness/integration whether this runs from
 * the sources (vitest) or from dist/: the compiled text differs between the two compilers, the
 * sources do not, so both get the same cache keys. Any change to them rebuilds every stand-in.
 */
function buildSourcesFingerprint(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = existsSync(path.join(here, 'stand-ins.ts')) ? here : path.resolve(here, '../../../harness/integration');
  const hash = createHash('sha256');
  for (const file of BUILD_MODULES) {
    const source = path.join(dir, file);
    if (!existsSync(source)) throw new HarnessError(`cannot find ${source}: the stand-ins are built from a checkout of this repository`);
    hash.update(file).update(readFileSync(source));
  }
  return hash.digest('hex');
}

/** The cache key of a stand-in's archive: the build modules' sources, the apt lists, what it copies from the machine. */
async function plan(recipe: StandInRecipe, cacheDir: string, lists: string, sources: string): Promise<Plan> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ BUILDER_VERSION, name: recipe.name, tags: recipe.table.tags }));
  hash.update(sources);
  hash.update(lists);
  if (recipe.keyInputs !== undefined) hash.update(await recipe.keyInputs());
  const key = hash.digest('hex').slice(0, 16);
  return { recipe, key, archive: path.join(cacheDir, `${recipe.name}-${key}.tar`) };
}

async function buildRoot(p: Plan, ctx: BuildContext): Promise<void> {
  const { recipe } = p;
  const started = Date.now();
  let closure: ResolvedPackage[] = [];
  if (recipe.base.kind === 'debs') {
    closure = await resolveClosure(recipe.base.packages, recipe.base.exclude, recipe.base.release);
    const debs = await fetchDebs(closure, ctx.debCache);
    await unpackDebs(debs.values(), ctx.root);
    for (const pick of recipe.base.picks ?? []) await pickFiles(ctx, pick, recipe.base.release);
    ctx.log(`${recipe.name}: ${debs.size} Debian packages unpacked in ${seconds(started)}`);
  } else {
    const sources = path.join(ctx.work, `${hostSuite()}.sources`);
    suiteSources(hostSuite(), sources);
    await run('mmdebstrap', [
      '--mode=root', `--variant=${recipe.base.variant}`, `--include=${recipe.base.packages.join(',')}`,
      // What Debian's slim images leave out (python:*-slim is built FROM debian:*-slim).
      '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-include=/usr/share/doc/*/copyright',
      '--dpkgopt=path-exclude=/usr/share/locale/*', '--dpkgopt=path-exclude=/usr/share/info/*', '--quiet',
      hostSuite(), ctx.root, sources,
    ], { timeout: 600_000 });
    ctx.log(`${recipe.name}: mmdebstrap ${recipe.base.variant} ${hostSuite()} in ${seconds(started)}`);
  }
  await recipe.customize(ctx);
  const pm = recipe.packageManager;
  if (pm !== undefined) {
    const have = new Set(closure.map((c) => c.name));
    // The tarball of a staged package is named after the package, without the release it comes from.
    const tarName = (deb: string): string => deb.split('/')[0] ?? deb;
    for (const deb of [...new Set(Object.values(pm.staged))].sort()) {
      // What the package needs beyond what the image has (for the Debian-built roots: their
      // closure), without the packaging tools (only maintainer scripts use them, and none runs).
      // Not the recipe's own exclusions: dind leaves python3 out of its base, the AWS CLI needs it.
      const release = recipe.base.kind === 'debs' ? recipe.base.release : undefined;
      const packages = (await resolveClosure([deb], [...have, ...NO_PACKAGING], release)).filter((c) => !have.has(c.name));
      const scratch = path.join(ctx.work, `staged-${tarName(deb)}`);
      const debs = await fetchDebs(packages, ctx.debCache);
      await unpackDebs(debs.values(), scratch);
      slim(scratch);
      mkdirSync(inRoot(ctx.root, '/usr/share/stand-in-packages'), { recursive: true });
      await run('tar', ['--create', '--file', inRoot(ctx.root, `/usr/share/stand-in-packages/${tarName(deb)}.tar`), '--directory', scratch, '--numeric-owner', '.']);
      rmSync(scratch, { recursive: true, force: true });
    }
    const image = recipe.table.tags[0] ?? recipe.name;
    const names = Object.keys(pm.staged);
    write(
      ctx.root,
      '/usr/share/stand-in-packages/README',
      `${pm.command} in this image is a STAND-IN (catalog integration harness): the image stands in for ${image}, built from Debian packages because no image can be pulled here.\nStaged packages it can install: ${names.map((n) => `${n} (Debian's ${pm.staged[n]})`).join(', ') || '(none)'}.\n`,
    );
    const target = pm.command === 'apk' ? '/sbin/apk' : '/usr/bin/dnf';
    const staged = Object.fromEntries(Object.entries(pm.staged).map(([name, deb]) => [name, tarName(deb)]));
    write(ctx.root, target, offlinePackageManager({ command: pm.command, image, staged, installed: pm.installed }), 0o755);
    if (pm.command === 'dnf') link(ctx.root, '/usr/bin/yum', 'dnf');
  }
}

/** Builds the archive of `p` (root → image tarball) in the cache. */
async function build(p: Plan, cacheDir: string, log: Log): Promise<void> {
  const started = Date.now();
  const work = path.join(cacheDir, `.build-${p.recipe.name}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const root = path.join(work, 'root');
  mkdirSync(root, { recursive: true });
  const line = (text: string): void => log(`${text} (${seconds(started)})`);
  try {
    await buildRoot(p, { root, log: line, work, debCache: path.join(cacheDir, 'debs') });
    const { size } = await writeImageArchive({
      root,
      config: { ...p.recipe.config, labels: { 'org.opencontainers.image.description': `catalog integration harness stand-in for ${p.recipe.table.tags.join(', ')}`, [KEY_LABEL]: p.key } },
      tags: p.recipe.table.tags,
      archive: p.archive,
      workDir: path.join(work, 'image'),
      created: CREATED,
      comment: `catalog integration harness stand-in ${p.recipe.name} (${p.key})`,
    });
    line(`${p.recipe.name}: image archive ${(size / 1e6).toFixed(0)} MB written`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Old archives of the same stand-in (another key): replaced by the new one. */
function removeStale(p: Plan, cacheDir: string): void {
  for (const entry of readdirSync(cacheDir)) {
    if (entry.startsWith(`${p.recipe.name}-`) && entry.endsWith('.tar') && path.join(cacheDir, entry) !== p.archive) {
      rmSync(path.join(cacheDir, entry), { force: true });
    }
  }
}

/** Where the cached archive of a stand-in is (or would be) for the current recipe and apt state: for `podman load` and the like. */
export async function standInArchive(name: StandInName): Promise<string> {
  return (await plan(standInRecipe(name), standInCacheDir(), aptListsFingerprint(), buildSourcesFingerprint())).archive;
}

/** The stand-in key label of each tag in the engine ('' where the tag is missing or not a stand-in). */
async function loadedKeys(engine: Pick<Engine, 'host' | 'env'>, tags: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const tag of tags) {
    const result = await runUnchecked(dockerBinary(), ['--host', engine.host, 'image', 'inspect', '--format', `{{index .Config.Labels "${KEY_LABEL}"}}`, tag], { env: engine.env });
    keys.push(result.exitCode === 0 ? result.stdout.trim() : '');
  }
  return keys;
}

export interface LoadedStandIn {
  readonly name: StandInName;
  readonly tags: readonly string[];
  readonly archive: string;
  readonly archiveBytes: number;
  /** True when the archive was built in this call, false when it came from the cache. */
  readonly built: boolean;
}

/**
 * Makes sure the stand-ins `names` are loaded into `engine` under their tags: each is taken from
 * the cache when its recipe and inputs are unchanged, else built (Debian packages, mmdebstrap)
 * and cached; then `docker load`ed. Root only (mmdebstrap, chroot, owners in the image).
 */
export async function ensureStandIns(engine: Pick<Engine, 'host' | 'env'>, names: readonly StandInName[], log: Log = () => {}): Promise<LoadedStandIn[]> {
  if (!isRoot()) throw new HarnessError('building the image stand-ins needs root (mmdebstrap, chroot, file owners): run as root');
  const started = Date.now();
  const cacheDir = standInCacheDir();
  mkdirSync(cacheDir, { recursive: true });
  await ensureEnginePackages(log);
  await ensurePackages(['mmdebstrap'], { log });
  const loaded: LoadedStandIn[] = [];
  const lists = aptListsFingerprint();
  const sources = buildSourcesFingerprint();
  for (const name of names) {
    const recipe = standInRecipe(name);
    const p = await plan(recipe, cacheDir, lists, sources);
    let built = false;
    if (!existsSync(p.archive)) {
      log(`${name}: building (no cached archive ${path.basename(p.archive)})…`);
      await build(p, cacheDir, log);
      removeStale(p, cacheDir);
      built = true;
    }
    const loadStarted = Date.now();
    if (!built && (await loadedKeys(engine, recipe.table.tags)).every((k) => k === p.key)) {
      log(`${name}: ${recipe.table.tags.join(', ')} already in the engine`);
    } else {
      await docker(['load', '--quiet', '--input', p.archive], engine, 600_000);
      log(`${name}: loaded ${recipe.table.tags.join(', ')} in ${seconds(loadStarted)}${built ? '' : ' (from the cache)'}`);
    }
    loaded.push({ name, tags: recipe.table.tags, archive: p.archive, archiveBytes: statSync(p.archive).size, built });
  }
  log(`stand-ins ready in ${seconds(started)}`);
  return loaded;
}
