/**
 * A fresh Debian bookworm root like a new machine of this kind, made with mmdebstrap from Debian's
 * packages and kept as a tarball keyed by its recipe, so that a rerun only unpacks it.
 *
 * What a new machine has from Debian (the environment notes of this kind: "Node.js with npm; python3,
 * make and g++", and the image's package list, which also has git, curl, ca-certificates, procps,
 * iproute2, openssl, xz-utils, gnupg, netbase): the `minbase` variant plus those packages, nothing
 * the README's commands install themselves (no docker, qemu, binfmt-support, rsync, shellcheck,
 * podman, awscli). Node and npm are not Debian's on such a machine and are copied in per run
 * (provision.ts), as is moto's Python; the shared libraries that Python links are from Debian and are
 * part of the recipe (a new machine has them: they were installed to build it).
 *
 * apt inside the root is configured like this machine's: its sources and the apt settings no Debian
 * package owns (the machine's own: mirror, validity checks, indexes), copied verbatim, so apt in the
 * root reaches the archive the same way. The harness's own files (`catalog-*`, written by
 * harness/integration/apt.ts) are left out: a new machine does not have them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { ensurePackages, seconds } from '../integration/apt.js';
import { run, runUnchecked, type Log } from '../integration/process.js';

export const FRESH_MACHINE_SUITE = 'bookworm';
export const FRESH_MACHINE_VARIANT = 'minbase';
/** Debian packages a new machine of this kind has that bear on the README's commands (all in its image). */
export const FRESH_MACHINE_PACKAGES = ['ca-certificates', 'git', 'python3', 'make', 'g++', 'curl', 'procps', 'iproute2', 'openssl', 'xz-utils', 'gnupg', 'netbase'] as const;

/** Where root tarballs are kept between runs: `$CATALOG_FRESH_MACHINE_CACHE`, else /var/cache/catalog-harness/fresh-machine. */
export function freshMachineCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['CATALOG_FRESH_MACHINE_CACHE'] || '/var/cache/catalog-harness/fresh-machine';
}

export interface HostFile {
  readonly path: string;
  readonly text: string;
}

export interface RootRecipe {
  readonly suite: string;
  readonly variant: string;
  /** Installed on top of the variant, sorted. */
  readonly packages: readonly string[];
  /** The machine's apt sources and settings, copied into the root at the same paths. */
  readonly aptFiles: readonly HostFile[];
}

/** A short hash of everything that makes the root: a changed package list or apt file is another root. */
export function recipeKey(recipe: RootRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** Debian's package names owning each path; a path no package owns is missing from the map. */
async function owningPackages(paths: readonly string[]): Promise<Map<string, string[]>> {
  const owners = new Map<string, string[]>();
  for (let i = 0; i < paths.length; i += 200) {
    // dpkg-query exits 1 when one path is not owned; the owned ones are still printed.
    const result = await runUnchecked('dpkg-query', ['-S', ...paths.slice(i, i + 200)]);
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith('diversion ')) continue;
      const at = line.indexOf(': /');
      if (at < 0) continue;
      const packages = line.slice(0, at).split(', ').map((p) => p.replace(/:.*$/, ''));
      owners.set(line.slice(at + 2), packages);
    }
  }
  return owners;
}

/**
 * The machine's own apt configuration: /etc/apt/sources.list, the `.list`/`.sources` files of
 * sources.list.d and the files of apt.conf.d that no installed package owns, except the harness's
 * `catalog-*` files.
 */
export async function hostAptFiles(etcApt = '/etc/apt'): Promise<HostFile[]> {
  const candidates: string[] = [];
  if (existsSync(path.join(etcApt, 'sources.list'))) candidates.push(path.join(etcApt, 'sources.list'));
  for (const [dir, usable] of [
    ['sources.list.d', (name: string) => /\.(list|sources)$/.test(name)],
    ['apt.conf.d', (name: string) => /^[A-Za-z0-9_.-]+$/.test(name)],
  ] as const) {
    const full = path.join(etcApt, dir);
    if (!existsSync(full)) continue;
    for (const name of readdirSync(full).sort()) {
      if (name.startsWith('catalog-') || !usable(name) || !statSync(path.join(full, name)).isFile()) continue;
      candidates.push(path.join(full, name));
    }
  }
  const owned = await owningPackages(candidates);
  return candidates.filter((file) => !owned.has(file)).map((file) => ({ path: file, text: readFileSync(file, 'utf8') }));
}

function elfCandidates(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) elfCandidates(full, found);
    // Tk's module drags in X11 and nothing the README's commands run imports it.
    else if (entry.isFile() && /\.so(\.|$)/.test(entry.name) && !entry.name.startsWith('_tkinter')) found.push(full);
  }
  return found;
}

/** `/lib/x/y` and `/usr/lib/x/y` are one file on a merged-/usr system; dpkg knows one of them. */
function usrMergeAliases(file: string): string[] {
  const real = realpathSync(file);
  const aliases = [file, real];
  for (const p of [file, real]) aliases.push(p.startsWith('/usr/') ? p.slice('/usr'.length) : `/usr${p}`);
  return [...new Set(aliases)];
}

/**
 * The Debian packages of the shared libraries a Python installation (`prefix`: its interpreter and
 * every extension module) links, found with ldd; libraries inside the installation itself (wheels
 * bundle theirs) need none.
 */
export async function libraryPackages(prefix: string, log: Log = () => {}): Promise<string[]> {
  const files = [...readdirSync(path.join(prefix, 'bin')).filter((n) => /^python\d/.test(n)).map((n) => path.join(prefix, 'bin', n)), ...elfCandidates(path.join(prefix, 'lib'))];
  const libraries = new Set<string>();
  for (let i = 0; i < files.length; i += 100) {
    const result = await runUnchecked('ldd', files.slice(i, i + 100));
    for (const match of result.stdout.matchAll(/=> (\/\S+) \(0x/g)) if (match[1] !== undefined && !match[1].startsWith(`${prefix}/`)) libraries.add(match[1]);
  }
  const aliases = new Map([...libraries].map((lib) => [lib, usrMergeAliases(lib)]));
  const owners = await owningPackages([...new Set([...aliases.values()].flat())]);
  const packages = new Set<string>();
  for (const [lib, names] of aliases) {
    const owner = names.map((n) => owners.get(n)).find((p) => p !== undefined);
    if (owner === undefined) log(`${lib} (linked by ${prefix}) belongs to no Debian package; the root will not have it`);
    for (const p of owner ?? []) packages.add(p);
  }
  return [...packages].sort();
}

export async function freshRootRecipe(pythonPrefix: string, log: Log = () => {}): Promise<RootRecipe> {
  const packages = new Set<string>([...FRESH_MACHINE_PACKAGES, ...(await libraryPackages(pythonPrefix, log))]);
  return { suite: FRESH_MACHINE_SUITE, variant: FRESH_MACHINE_VARIANT, packages: [...packages].sort(), aptFiles: await hostAptFiles() };
}

/** mmdebstrap's arguments for `recipe`, writing a tarball to `target`. */
export function mmdebstrapArgs(recipe: RootRecipe, target: string): string[] {
  const sources = recipe.aptFiles.filter((f) => !f.path.includes('/apt.conf.d/'));
  const settings = recipe.aptFiles.filter((f) => f.path.includes('/apt.conf.d/'));
  if (sources.length === 0) throw new HarnessError('this machine has no apt sources of its own (/etc/apt/sources.list, sources.list.d): cannot tell the root where Debian is');
  return [
    '--mode=root',
    `--variant=${recipe.variant}`,
    '--format=tar',
    `--include=${recipe.packages.join(',')}`,
    // For the build itself (its 99mmdebstrap is removed below): the machine's settings.
    ...settings.map((f) => `--aptopt=${f.path}`),
    // The root's apt configuration becomes exactly the machine's: its files under their own names.
    `--customize-hook=rm -f "$1/etc/apt/sources.list" "$1"/etc/apt/sources.list.d/* "$1/etc/apt/apt.conf.d/99mmdebstrap"`,
    ...recipe.aptFiles.map((f) => `--customize-hook=copy-in ${f.path} ${path.dirname(f.path)}`),
    recipe.suite,
    target,
    ...sources.map((f) => f.path),
  ];
}

/**
 * The tarball of `recipe`'s root in `cacheDir`, made with mmdebstrap when missing (installed
 * first when missing; root only). Tarballs of other recipes are removed.
 */
export async function freshRootImage(recipe: RootRecipe, cacheDir: string, log: Log = () => {}): Promise<string> {
  const image = path.join(cacheDir, `root-${recipeKey(recipe)}.tar`);
  if (existsSync(image)) {
    log(`fresh root: cached ${image}`);
    return image;
  }
  await ensurePackages(['mmdebstrap'], { log });
  mkdirSync(cacheDir, { recursive: true });
  for (const name of readdirSync(cacheDir)) if (/^root-[0-9a-f]+\.tar(\.partial)?$/.test(name)) rmSync(path.join(cacheDir, name), { force: true });
  const partial = `${image}.partial`;
  const started = Date.now();
  log(`fresh root: mmdebstrap ${recipe.suite} (${recipe.variant} + ${recipe.packages.length} packages)…`);
  await run('mmdebstrap', ['--quiet', ...mmdebstrapArgs(recipe, partial)]);
  renameSync(partial, image);
  log(`fresh root: ${image} made in ${seconds(started)}`);
  return image;
}

/** Unpacks `image` into the empty directory `dir`, owners and modes as packed. */
export async function unpackRoot(image: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('tar', ['--extract', '--file', image, '--directory', dir, '--numeric-owner', '--preserve-permissions']);
}
