/**
 * What a new machine of this kind has that is not from Debian's archive, copied from this machine
 * into a fresh root (image.ts), at the same paths:
 *
 * - Node and npm: the machine's `node` binary, its headers (npm is set to build native
 *   addons against them), npm and corepack from npm's global root and their links next to `node`;
 * - npm's configuration: the user and global npmrc files (registry, CA file, …);
 * - the trust store: the machine's own CAs (/usr/local/share/ca-certificates, made into the root's
 *   bundle by its update-ca-certificates) and the file NODE_EXTRA_CA_CERTS names, so that npm and
 *   Node reach the registry through whatever TLS proxy this machine is behind;
 * - moto_server, which the README names as a prerequisite the commands do not install (a Python
 *   package, not Debian's): this machine's pyenv (its scripts and shims) and the one Python version
 *   moto_server runs with, that version bind-mounted read-only at run time (`pythonPrefix`), not
 *   copied (a gigabyte);
 * - /etc/resolv.conf and /etc/hosts, so that names resolve as on this machine;
 * - the repository: a clone of the work tree's HEAD at /repo (committed files only: no
 *   node_modules, no dist).
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cloneRepository } from '../../scripts/core/git.js';
import { HarnessError } from '../errors.js';
import { run, runUnchecked } from '../integration/process.js';

export interface HostTools {
  /** The machine's `node` binary (the first on PATH outside node_modules). */
  readonly node: string;
  /** npm's global node_modules. */
  readonly npmRoot: string;
  /** npmrc files that exist (user and global). */
  readonly npmConfigFiles: readonly string[];
  /** NODE_EXTRA_CA_CERTS, when set. */
  readonly extraCaCerts?: string;
  /** The pyenv installation moto_server comes from (PYENV_ROOT). */
  readonly pyenvRoot: string;
  /** The Python installation whose bin/ holds moto_server (under pyenvRoot/versions). */
  readonly pythonPrefix: string;
}

/**
 * The machine's PATH: this process's without the node_modules/.bin directories `npm test` puts first
 * (where the devDependency `node` is Node 22, not the machine's).
 */
function machinePath(): string {
  return (process.env['PATH'] ?? '')
    .split(':')
    .filter((dir) => dir !== '' && !dir.split(path.sep).includes('node_modules'))
    .join(':');
}

/** This process's environment without npm's `npm_*` variables and node_modules on PATH, for asking npm about the machine's configuration. */
function plainEnv(): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0])));
  return { ...env, PATH: machinePath() };
}

function onPath(name: string): string | undefined {
  for (const dir of machinePath().split(':')) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Where moto_server really is: a pyenv shim is asked (`pyenv which`). */
async function motoServerScript(pyenvRoot: string): Promise<string | undefined> {
  const found = onPath('moto_server');
  if (found === undefined) return undefined;
  if (path.dirname(found) !== path.join(pyenvRoot, 'shims')) return found;
  const result = await runUnchecked(path.join(pyenvRoot, 'bin', 'pyenv'), ['which', 'moto_server'], { env: { ...plainEnv(), PYENV_ROOT: pyenvRoot } });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** What this machine has to give a fresh root, or why it cannot. */
export async function hostTools(): Promise<HostTools | string> {
  const pyenvRoot = process.env['PYENV_ROOT'] || path.join(process.env['HOME'] ?? '/root', '.pyenv');
  const moto = await motoServerScript(pyenvRoot);
  if (moto === undefined) return 'moto_server is not on PATH (a prerequisite of the README; the fresh root takes it from this machine)';
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(moto, 'utf8').split('\n', 1)[0] ?? '')?.[1];
  const pythonPrefix = shebang === undefined ? undefined : path.dirname(path.dirname(shebang));
  if (pythonPrefix === undefined || path.dirname(pythonPrefix) !== path.join(pyenvRoot, 'versions')) {
    return `moto_server (${moto}) is not from a pyenv Python under ${pyenvRoot}/versions: the fresh root only knows how to take it from there`;
  }
  const configs: string[] = [];
  for (const key of ['userconfig', 'globalconfig']) configs.push((await run('npm', ['config', 'get', key], { env: plainEnv() })).trim());
  const npmRoot = (await run('npm', ['root', '--global'], { env: plainEnv() })).trim();
  const node = onPath('node');
  if (node === undefined) return 'no node on PATH';
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  return {
    node: realpathSync(node),
    npmRoot,
    npmConfigFiles: configs.filter((f) => existsSync(f)),
    ...(extra ? { extraCaCerts: extra } : {}),
    pyenvRoot,
    pythonPrefix,
  };
}

/** `source` to the same path under `root`, symlinks as symlinks, modes and times kept. */
function copyIn(root: string, source: string): void {
  const target = path.join(root, source);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
}

export async function provisionRoot(root: string, tools: HostTools, repo: string): Promise<void> {
  // Node, its headers, npm and corepack with the links to them next to node (npm, npx, corepack).
  copyIn(root, tools.node);
  const prefix = path.dirname(path.dirname(tools.node));
  if (existsSync(path.join(prefix, 'include', 'node'))) copyIn(root, path.join(prefix, 'include', 'node'));
  for (const name of ['npm', 'corepack']) if (existsSync(path.join(tools.npmRoot, name))) copyIn(root, path.join(tools.npmRoot, name));
  const bin = path.dirname(tools.node);
  for (const name of ['npm', 'npx', 'corepack']) {
    const link = path.join(bin, name);
    if (!existsSync(link) || !lstatSync(link).isSymbolicLink()) continue;
    mkdirSync(path.join(root, bin), { recursive: true });
    rmSync(path.join(root, link), { force: true });
    symlinkSync(readlinkSync(link), path.join(root, link));
  }
  for (const file of tools.npmConfigFiles) copyIn(root, file);

  // The trust store: the machine's CAs into the root's bundle, then NODE_EXTRA_CA_CERTS as it is.
  const localCas = '/usr/local/share/ca-certificates';
  if (existsSync(localCas)) for (const name of readdirSync(localCas)) copyIn(root, path.join(localCas, name));
  await run('chroot', [root, 'update-ca-certificates'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  if (tools.extraCaCerts !== undefined) copyIn(root, tools.extraCaCerts);

  // Their contents as plain files (a symlink in the root must not lead the write out of it).
  for (const file of ['/etc/resolv.conf', '/etc/hosts']) {
    rmSync(path.join(root, file), { force: true });
    writeFileSync(path.join(root, file), readFileSync(file));
  }

  // pyenv without its Python versions; the one moto_server needs is bind-mounted by the run.
  for (const name of readdirSync(tools.pyenvRoot)) if (name !== 'versions') copyIn(root, path.join(tools.pyenvRoot, name));
  mkdirSync(path.join(root, tools.pythonPrefix), { recursive: true });

  const target = path.join(root, 'repo');
  await cloneRepository(repo, target);
  if (!existsSync(path.join(target, 'scripts', 'main.sh'))) throw new HarnessError(`${repo} cloned into ${target} has no scripts/main.sh`);
}

/** The environment of a root shell on a new machine of this kind: HOME, PATH (pyenv's shims first, as its profile sets), the locale, and NODE_EXTRA_CA_CERTS where this machine needs it. */
export function freshMachineEnv(tools: HostTools): Record<string, string> {
  return {
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    PYENV_ROOT: tools.pyenvRoot,
    PATH: [path.join(tools.pyenvRoot, 'shims'), path.join(tools.pyenvRoot, 'bin'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
    ...(tools.extraCaCerts === undefined ? {} : { NODE_EXTRA_CA_CERTS: tools.extraCaCerts }),
  };
}
