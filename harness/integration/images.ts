/**
 * Test images that need no registry: `FROM scratch` plus Debian's statically linked busybox for
 * each target architecture. The busybox-static .debs are fetched with `apt-get download` into a
 * cache (`$XDG_CACHE_HOME/catalog/debs`, else `~/.cache/catalog/debs`), so a second run downloads
 * nothing.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ToolkitError } from '../../scripts/core/errors.js';
import { ensureForeignArchitectures, seconds } from './apt.js';
import { run, type Log } from './process.js';

export const DEFAULT_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/ppc64le'] as const;

/** Docker platform → BuildKit TARGETARCH, Debian architecture, and what `uname -m` prints. */
const ARCHES: Readonly<Record<string, { targetArch: string; debianArch: string; unameM: string }>> = {
  'linux/amd64': { targetArch: 'amd64', debianArch: 'amd64', unameM: 'x86_64' },
  'linux/arm64': { targetArch: 'arm64', debianArch: 'arm64', unameM: 'aarch64' },
  'linux/ppc64le': { targetArch: 'ppc64le', debianArch: 'ppc64el', unameM: 'ppc64le' },
  'linux/s390x': { targetArch: 's390x', debianArch: 's390x', unameM: 's390x' },
  'linux/riscv64': { targetArch: 'riscv64', debianArch: 'riscv64', unameM: 'riscv64' },
};

function arch(platform: string): { targetArch: string; debianArch: string; unameM: string } {
  const a = ARCHES[platform];
  if (a === undefined) throw new ToolkitError(`unsupported platform ${platform} (known: ${Object.keys(ARCHES).join(', ')})`);
  return a;
}

/** What `uname -m` prints on `platform` (linux/arm64 → aarch64). */
export function unameMachine(platform: string): string {
  return arch(platform).unameM;
}

export function debCacheDir(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'catalog', 'debs');
}

export const BUSYBOX_DOCKERFILE = `# syntax is the builtin one: no frontend image can be pulled
FROM scratch
ARG TARGETARCH
COPY busybox-\${TARGETARCH} /bin/busybox
ENTRYPOINT ["/bin/busybox"]
`;

export interface BusyboxContext {
  readonly dir: string;
  readonly dockerfile: string;
  readonly platforms: readonly string[];
  /** .deb files downloaded by this call (empty when all came from the cache). */
  readonly downloaded: readonly string[];
}

function cachedDeb(cache: string, debianArch: string): string | undefined {
  const names = readdirSync(cache)
    .filter((n) => n.startsWith('busybox-static_') && n.endsWith(`_${debianArch}.deb`))
    .sort();
  const last = names[names.length - 1];
  return last === undefined ? undefined : path.join(cache, last);
}

/**
 * Writes a build context in `dir`: `Dockerfile` and `busybox-<TARGETARCH>` for each platform.
 * Missing .debs are downloaded (enabling the dpkg architecture first when needed, root only).
 */
export async function busyboxContext(
  dir: string,
  platforms: readonly string[] = DEFAULT_PLATFORMS,
  log: Log = () => {},
): Promise<BusyboxContext> {
  const cache = debCacheDir();
  mkdirSync(cache, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const downloaded: string[] = [];
  const missing = platforms.filter((p) => cachedDeb(cache, arch(p).debianArch) === undefined);
  if (missing.length > 0) {
    const started = Date.now();
    await ensureForeignArchitectures(missing.map((p) => arch(p).debianArch), log);
    const pkgs = missing.map((p) => `busybox-static:${arch(p).debianArch}`);
    log(`downloading ${pkgs.join(' ')} into ${cache}…`);
    await run('apt-get', ['download', '-q', ...pkgs], { cwd: cache });
    for (const p of missing) {
      const deb = cachedDeb(cache, arch(p).debianArch);
      if (deb === undefined) throw new ToolkitError(`apt-get download busybox-static:${arch(p).debianArch} left no .deb in ${cache}`);
      downloaded.push(deb);
    }
    log(`downloaded ${downloaded.length} busybox-static package(s) in ${seconds(started)}`);
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'catalog-busybox-'));
  try {
    for (const p of platforms) {
      const { debianArch, targetArch } = arch(p);
      const deb = cachedDeb(cache, debianArch);
      if (deb === undefined) throw new ToolkitError(`no busybox-static .deb for ${debianArch} in ${cache}`);
      const out = path.join(scratch, debianArch);
      await run('dpkg-deb', ['-x', deb, out]);
      const binary = ['bin/busybox', 'usr/bin/busybox'].map((b) => path.join(out, b)).find((b) => existsSync(b));
      if (binary === undefined) throw new ToolkitError(`${deb} contains no bin/busybox`);
      const target = path.join(dir, `busybox-${targetArch}`);
      copyFileSync(binary, target);
      chmodSync(target, 0o755);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const dockerfile = path.join(dir, 'Dockerfile');
  writeFileSync(dockerfile, BUSYBOX_DOCKERFILE);
  return { dir, dockerfile, platforms: [...platforms], downloaded };
}
