/**
 * Debian packages as files for the image stand-ins (stand-ins.ts): the dependency closure of a
 * package list, the .deb of each, and their contents unpacked into a root directory, the way
 * `dpkg-deb -x` unpacks them. Nothing is installed on the machine and no maintainer script runs:
 * the result is a root filesystem without a dpkg database, which is what the Alpine-based images'
 * stand-ins need (a Debian Essential set would bring bash, coreutils and dpkg, which those images
 * do not have).
 *
 * The closure is resolved against the machine's own apt lists (bookworm, plus trixie for the
 * packages asked for as `name/trixie`, through the pinned source apt.ts writes), so the versions
 * are those the harness's own engine runs. With a `release` (`trixie`), every package of the
 * closure is that release's (apt's target release, above the pin), for a root that must not mix
 * libraries: trixie's podman 5 needs trixie's glibc. Version constraints inside Depends are not checked:
 * each dependency is the version apt would install here (its candidate), which is what apt itself
 * resolves to for this small set. `exclude` cuts a package and everything only it would bring
 * (adduser, passwd, perl: package-management and maintainer-script tools the images do not carry).
 *
 * .debs come from apt's own archive cache when present, else `apt-get download` into our cache.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { run, runUnchecked } from './process.js';

/** A package to install: `name`, or `name/release` to take it from that release (e.g. `docker.io/trixie`). */
export type PackageRequest = string;

export interface ResolvedPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** The release it was asked for from (`trixie`), undefined for the default. */
  readonly release?: string;
}

interface Record_ {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
}

const APT_ARCHIVES = '/var/cache/apt/archives';

/** Parses `apt-cache show` output (one record per package). */
export function parseAptCacheShow(text: string): Record_[] {
  const records: Record_[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let key = '';
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && key !== '') {
        fields.set(key, `${fields.get(key) ?? ''}\n${line}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      key = line.slice(0, colon);
      fields.set(key, line.slice(colon + 1).trim());
    }
    const name = fields.get('Package');
    const version = fields.get('Version');
    if (name === undefined || version === undefined) continue;
    records.push({ name, version, architecture: fields.get('Architecture') ?? 'amd64' });
  }
  return records;
}

/**
 * A Debian release a whole closure comes from (`trixie`), when the machine's own (bookworm) would
 * mix libraries the packages were not built for. Its source must be in apt's lists (apt.ts).
 */
export type DebianRelease = 'trixie';

/** apt options that make `release` the candidate of every package it has (APT::Default-Release: priority 990). */
function releaseOptions(release: DebianRelease | undefined): string[] {
  return release === undefined ? [] : ['-o', `APT::Default-Release=${release}`];
}

async function showCandidates(requests: readonly string[], release?: DebianRelease): Promise<Map<string, Record_>> {
  const found = new Map<string, Record_>();
  if (requests.length === 0) return found;
  // Unknown and purely virtual names make apt-cache exit non-zero; the others are still printed.
  const result = await runUnchecked('apt-cache', [...releaseOptions(release), 'show', '--no-all-versions', ...requests]);
  for (const record of parseAptCacheShow(result.stdout)) {
    // Foreign-architecture records (libc6:arm64 when arm64 is enabled) are not ours.
    if (record.architecture !== 'amd64' && record.architecture !== 'all') continue;
    if (!found.has(record.name)) found.set(record.name, record);
  }
  return found;
}

/** Dependencies as `apt-cache depends` prints them: groups of alternatives, and the providers of virtual names. */
export interface DependencyGraph {
  readonly depends: ReadonlyMap<string, readonly string[][]>;
  /** `<virtual>` name (without brackets) → its providers. */
  readonly providers: ReadonlyMap<string, readonly string[]>;
}

/** Parses `apt-cache depends --recurse` output (native-architecture packages only). */
export function parseAptCacheDepends(text: string): DependencyGraph {
  const depends = new Map<string, string[][]>();
  const providers = new Map<string, string[]>();
  let current: string[][] | undefined;
  let alternatives: string[] = [];
  let lastVirtual: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      const name = line.trim();
      // libc6:arm64 and the like: another architecture's package.
      current = /:[a-z0-9]+$/.test(name) && !name.endsWith(':amd64') ? undefined : [];
      if (current !== undefined) depends.set(name.replace(/:amd64$/, ''), current);
      alternatives = [];
      lastVirtual = undefined;
      continue;
    }
    const dep = /^ ([ |])(Depends|PreDepends): (.*)$/.exec(line);
    if (dep !== null) {
      const raw = (dep[3] ?? '').trim();
      const virtual = /^<(.*)>$/.exec(raw)?.[1];
      const name = (virtual ?? raw).replace(/:any$/, '');
      lastVirtual = virtual === undefined ? undefined : name;
      if (virtual !== undefined && !providers.has(name)) providers.set(name, []);
      alternatives.push(name);
      if (dep[1] !== '|') {
        current?.push(alternatives);
        alternatives = [];
      }
      continue;
    }
    // A provider of the dependency above (four spaces); only those of a virtual name matter.
    const provider = line.trim();
    if (lastVirtual !== undefined && !/:[a-z0-9]+$/.test(provider)) providers.get(lastVirtual)?.push(provider);
  }
  return { depends, providers };
}

/**
 * The dependency closure of `requests` (Depends and Pre-Depends, first satisfiable alternative,
 * recommends left out), without `exclude` and what only they need, in two apt-cache calls (each
 * loads apt's whole cache, which takes seconds here), from `release` when given. Deterministic for
 * a given state of apt's lists.
 */
export async function resolveClosure(
  requests: readonly PackageRequest[],
  exclude: readonly string[] = [],
  release?: DebianRelease,
): Promise<ResolvedPackage[]> {
  if (requests.length === 0) return [];
  const excluded = new Set(exclude);
  const graph = parseAptCacheDepends(
    await run('apt-cache', [
      ...releaseOptions(release),
      'depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...requests,
    ]),
  );
  const chosen = new Set<string>();
  const queue = requests.map((r) => [r.split('/')[0] ?? r]);
  for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
    if (group.some((n) => chosen.has(n) || excluded.has(n))) continue;
    let pick: string | undefined;
    for (const name of group) {
      const providers = graph.providers.get(name);
      if (providers === undefined) {
        if (graph.depends.has(name)) pick = name;
      } else if (providers.some((p) => chosen.has(p) || excluded.has(p))) {
        pick = '';
      } else {
        pick = providers.find((p) => graph.depends.has(p));
      }
      if (pick !== undefined) break;
    }
    if (pick === '') continue;
    if (pick === undefined) throw new HarnessError(`no installable package for ${group.join(' | ')} in apt's lists: run apt-get update, or check the stand-in recipe`);
    chosen.add(pick);
    queue.push(...(graph.depends.get(pick) ?? []));
  }
  const asked = new Map(requests.filter((r) => r.includes('/')).map((r) => [r.split('/')[0] ?? r, r]));
  return resolvePackages([...chosen].sort().map((n) => asked.get(n) ?? n), release);
}

/** The packages themselves, without their dependencies (apt's candidate of each, `release`'s when given). */
export async function resolvePackages(requests: readonly PackageRequest[], release?: DebianRelease): Promise<ResolvedPackage[]> {
  const records = await showCandidates(requests, release);
  return requests.map((request) => {
    const [name = '', askedFrom] = request.split('/');
    const record = records.get(name);
    if (record === undefined) throw new HarnessError(`no package ${request} in apt's lists: run apt-get update`);
    const from = askedFrom ?? release;
    return { name, version: record.version, architecture: record.architecture, ...(from === undefined ? {} : { release: from }) };
  });
}

/** The file name apt gives a .deb (`:` in the version is `%3a`). */
export function debFileName(p: ResolvedPackage): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.architecture}.deb`;
}

/** The .deb file of each package: apt's archive cache, else our cache, downloading what is missing. */
export async function fetchDebs(packages: readonly ResolvedPackage[], cacheDir: string): Promise<Map<string, string>> {
  mkdirSync(cacheDir, { recursive: true });
  const files = new Map<string, string>();
  const missing: ResolvedPackage[] = [];
  for (const p of packages) {
    const name = debFileName(p);
    const file = [path.join(APT_ARCHIVES, name), path.join(cacheDir, name)].find((f) => existsSync(f));
    if (file === undefined) missing.push(p);
    else files.set(p.name, file);
  }
  if (missing.length > 0) {
    // apt-get download writes into the working directory; a partial file never gets the final name.
    const staging = path.join(cacheDir, `.download-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      await run('apt-get', ['download', '-q', ...missing.map((p) => `${p.name}=${p.version}`)], { cwd: staging });
      for (const entry of readdirSync(staging)) renameSync(path.join(staging, entry), path.join(cacheDir, entry));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    for (const p of missing) {
      const file = path.join(cacheDir, debFileName(p));
      if (!existsSync(file)) throw new HarnessError(`apt-get download did not produce ${debFileName(p)}`);
      files.set(p.name, file);
    }
  }
  return files;
}

/** Unpacks each .deb's files into `root` (`dpkg-deb -x`: owners, modes and symlinks as packaged). */
export async function unpackDebs(files: Iterable<string>, root: string): Promise<void> {
  mkdirSync(root, { recursive: true });
  for (const file of files) await run('dpkg-deb', ['-x', file, root]);
}
