/**
 * Installing the Debian packages the integration harness needs (only when root, only what is
 * missing, nothing removed).
 *
 * Docker comes from Debian trixie: bookworm's docker.io is 20.10 without buildx and without the
 * containerd image store. Only the packages named in `trixie` are installed from there, requested
 * explicitly as `<name>/trixie`; apt then takes from trixie only the dependencies bookworm cannot
 * satisfy (containerd 1.7), and libc and everything else stays bookworm. For that the harness writes
 * two files, named `catalog-*` so they are recognisable, and leaves them in place (a later run reuses
 * them and they change nothing else):
 *
 * - `/etc/apt/sources.list.d/catalog-trixie.sources`: the trixie source (amd64 lists only);
 * - `/etc/apt/preferences.d/catalog-trixie`: pins every trixie package at priority 100, so
 *   `apt-get upgrade` never pulls anything from trixie and packages installed from it are upgraded
 *   only within trixie.
 *
 * To undo: remove the two files and run `apt-get update`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ToolkitError } from '../../scripts/core/errors.js';
import { run, runUnchecked, tail, type Log } from './process.js';

export const TRIXIE_SOURCE_FILE = '/etc/apt/sources.list.d/catalog-trixie.sources';
export const TRIXIE_PIN_FILE = '/etc/apt/preferences.d/catalog-trixie';

const TRIXIE_SOURCE = `# Written by the catalog integration harness (harness/integration/apt.ts).
# Only packages requested as <name>/trixie (docker.io, docker-cli, docker-buildx) come from here;
# ${TRIXIE_PIN_FILE} pins everything else from trixie at priority 100.
# Safe to keep; to undo, remove this file and ${TRIXIE_PIN_FILE}, then run apt-get update.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const TRIXIE_PIN = `# Written by the catalog integration harness (harness/integration/apt.ts).
# trixie packages are used only when requested explicitly as <name>/trixie.
Package: *
Pin: release n=trixie
Pin-Priority: 100
`;

export interface EnsurePackagesOptions {
  /** Packages to install from Debian trixie, each `name` or `name>=minimum-version`. */
  readonly trixie?: readonly string[];
  readonly log?: Log;
}

export interface EnsurePackagesResult {
  /** Names of the packages that were missing and have been installed (empty when everything was there). */
  readonly installed: readonly string[];
}

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_SUSPEND: '1' };

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installed versions ("ii" state only) of the given packages. */
async function installedVersions(packages: readonly string[]): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  if (packages.length === 0) return versions;
  // dpkg-query exits 1 when one of the packages is unknown; the known ones are still printed.
  const result = await runUnchecked('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Abbrev} ${Version}\n', ...packages]);
  for (const line of result.stdout.split('\n')) {
    const [name, status, version] = line.trim().split(/\s+/);
    if (name !== undefined && status === 'ii' && version !== undefined) versions.set(name.replace(/:.*$/, ''), version);
  }
  return versions;
}

/** A package name, optionally with a minimum version: `docker.io>=26`. */
export interface PackageSpec {
  readonly name: string;
  readonly min?: string;
}

export function parsePackageSpec(spec: string): PackageSpec {
  const match = /^([a-z0-9][a-z0-9.+-]*)(?:>=(\S+))?$/.exec(spec.trim());
  if (match === null || match[1] === undefined) throw new ToolkitError(`invalid package spec ${JSON.stringify(spec)} (expected name or name>=version)`);
  return match[2] === undefined ? { name: match[1] } : { name: match[1], min: match[2] };
}

async function versionAtLeast(version: string, min: string): Promise<boolean> {
  return (await runUnchecked('dpkg', ['--compare-versions', version, 'ge', min])).exitCode === 0;
}

/**
 * Names of the packages of `list` and `trixie` that are not installed, or installed below their
 * `>=` minimum (so bookworm's docker.io 20.10 counts as missing when `docker.io>=26` is asked for).
 * Runs only dpkg, never apt: fast and fine without root.
 */
export async function missingPackages(list: readonly string[], trixie: readonly string[] = []): Promise<string[]> {
  const specs = new Map<string, PackageSpec>();
  for (const spec of [...list, ...trixie].map(parsePackageSpec)) {
    const known = specs.get(spec.name);
    if (known === undefined || (known.min === undefined && spec.min !== undefined)) specs.set(spec.name, spec);
  }
  const installed = await installedVersions([...specs.keys()]);
  const missing: string[] = [];
  for (const spec of specs.values()) {
    const version = installed.get(spec.name);
    if (version === undefined || (spec.min !== undefined && !(await versionAtLeast(version, spec.min)))) missing.push(spec.name);
  }
  return missing;
}

function writeIfChanged(file: string, text: string): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return true;
}

let updatedThisProcess = false;

/**
 * `apt-get update`, at most once per process unless `force`. A partly failed update (a mirror in
 * the middle of a sync) is reported and tolerated: apt keeps the lists it did get, and a package
 * that really cannot be found fails the install with apt's own message.
 */
export async function aptUpdate(log: Log, force = false): Promise<void> {
  if (updatedThisProcess && !force) return;
  log('apt-get update…');
  const started = Date.now();
  const result = await runUnchecked('apt-get', ['update', '-q'], { env: APT_ENV });
  updatedThisProcess = true;
  if (result.exitCode !== 0) {
    const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /^(E|Err):/.test(l.trim()));
    log(`apt-get update: exit code ${result.exitCode}, continuing with the lists it fetched:\n${tail(errors.join('\n'), 6)}`);
  } else {
    log(`apt-get update done in ${seconds(started)}`);
  }
}

export function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/**
 * Installs the packages of `list` (from the default release) and `trixie` (from Debian trixie) that
 * are missing. Root only; when not root and something is missing, throws a ToolkitError naming it.
 * Idempotent: when everything is installed it runs no apt command at all.
 */
export async function ensurePackages(
  list: readonly string[],
  options: EnsurePackagesOptions = {},
): Promise<EnsurePackagesResult> {
  const log = options.log ?? (() => {});
  const trixieSpecs = options.trixie ?? [];
  const trixie = trixieSpecs.map((spec) => parsePackageSpec(spec).name);
  const missing = await missingPackages(list, trixieSpecs);
  if (missing.length === 0) return { installed: [] };
  if (!isRoot()) {
    const targets = missing.map((p) => (trixie.includes(p) ? `${p}/trixie` : p));
    throw new ToolkitError(
      `missing Debian packages: ${missing.join(', ')}; run the harness as root to install them ` +
        `(apt-get install ${targets.join(' ')}${missing.some((p) => trixie.includes(p)) ? ', with the trixie source and pin described in harness/integration/apt.ts' : ''})`,
    );
  }
  const fromTrixie = missing.filter((p) => trixie.includes(p));
  let sourcesChanged = false;
  if (fromTrixie.length > 0) {
    sourcesChanged = writeIfChanged(TRIXIE_SOURCE_FILE, TRIXIE_SOURCE);
    sourcesChanged = writeIfChanged(TRIXIE_PIN_FILE, TRIXIE_PIN) || sourcesChanged;
    if (sourcesChanged) log(`added the trixie apt source (${TRIXIE_SOURCE_FILE}, pinned at 100 in ${TRIXIE_PIN_FILE})`);
  }
  await aptUpdate(log, sourcesChanged);
  const targets = missing.map((p) => (trixie.includes(p) ? `${p}/trixie` : p));
  for (const p of missing) {
    const min = trixieSpecs.map(parsePackageSpec).find((spec) => spec.name === p)?.min;
    log(trixie.includes(p) ? `installing ${p}${min === undefined ? '' : ` ${min}`} from trixie…` : `installing ${p}…`);
  }
  const started = Date.now();
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...targets], { env: APT_ENV });
  const still = await missingPackages(list, trixieSpecs);
  if (still.length > 0) throw new ToolkitError(`apt-get install finished but these are still missing: ${still.join(', ')}`);
  log(`installed ${missing.join(', ')} in ${seconds(started)}`);
  return { installed: missing };
}

/** Foreign dpkg architectures (`dpkg --add-architecture`), followed by one `apt-get update` when one was added. */
export async function ensureForeignArchitectures(archs: readonly string[], log: Log = () => {}): Promise<string[]> {
  const native = (await run('dpkg', ['--print-architecture'])).trim();
  const foreign = new Set((await run('dpkg', ['--print-foreign-architectures'])).split('\n').map((a) => a.trim()));
  const toAdd = archs.filter((a) => a !== native && !foreign.has(a));
  if (toAdd.length === 0) return [];
  if (!isRoot()) throw new ToolkitError(`dpkg architectures ${toAdd.join(', ')} are not enabled; run as root (dpkg --add-architecture ${toAdd.join(' ')})`);
  for (const arch of toAdd) {
    log(`dpkg --add-architecture ${arch}`);
    await run('dpkg', ['--add-architecture', arch]);
  }
  await aptUpdate(log, true);
  return toAdd;
}
