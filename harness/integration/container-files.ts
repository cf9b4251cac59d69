/**
 * The files the jobs of a containerised run left in their containers, for a secret scan
 * (secrets.ts): gitlab-ci-local removes a job's containers when it ends unless told `--no-cleanup`
 * (`DockerRunnerOptions.keepContainers`), so a run that keeps them is followed by
 * `jobContainerFiles`, which names, for every container of the job engine but the world's
 * (job-world.ts), the files on this machine that hold:
 * - what the container added or changed in its root (what `docker diff` lists as A or C): the
 *   upper directory of its writable overlayfs snapshot in the engine's containerd, which holds
 *   exactly those files (image files the job never touched are not the job's and are not there);
 * - the contents of its volumes and bind mounts (the build directory `/builds/...`, `/certs/client`,
 *   gitlab-ci-local's file-variable volume), which the writable layer leaves out; image stores
 *   (`/var/lib/docker` of dind, `/var/lib/containers` of podman) excepted: what images hold is
 *   another scan's matter.
 * The files are read where they are: copying them out (`docker export` streams the whole root of
 * every container, hundreds of MB each, to extract the few changed paths) took ~10 s a container.
 * Files of the build directory that are the project's own, byte for byte (`project`: the checkout
 * the runner copied in), are left out: the repository is not what a job wrote.
 * `removeJobContainers` then removes the containers, so that the next run's scan holds only its own.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { docker, type Engine } from './engine.js';
import { run } from './process.js';
import { filesUnder, type ScannedFile } from './secrets.js';

/** Paths no job writes secrets to: kernel filesystems and image stores. */
const SKIPPED = ['/proc', '/sys', '/dev', '/var/lib/docker', '/var/lib/containers', '/home/podman/.local/share/containers'];
const skipped = (p: string): boolean => SKIPPED.some((s) => p === s || p.startsWith(`${s}/`));
/** containerd's namespace for the containers of dockerd (with the containerd image store). */
const MOBY_NAMESPACE = 'moby';

export interface ContainerFiles {
  readonly name: string;
  /** The files of its writable layer (kernel filesystems and image stores left out). */
  readonly changed: number;
  /** Volumes and bind mounts whose files are in `files` (those another container of the run mounted too are listed once, there). */
  readonly volumes: number;
  /** Each file with its path on this machine and the name it is reported under: `<container>:<path in the container>`. */
  readonly files: readonly ScannedFile[];
}

/** The project's files as the jobs saw them: its checkout on the host and where it is in the containers. */
export interface ProjectCheckout {
  readonly hostDir: string;
  /** CI_PROJECT_DIR in the containers, e.g. `/builds/platform/ci-catalog`. */
  readonly containerDir: string;
}

/** The containers of `engine` but the world's, as `[id, name]` (the full id: containerd knows the snapshot by it), oldest first (a volume several share is listed under the first: the one that made it, as a rule). */
async function jobContainers(engine: Pick<Engine, 'host' | 'env'>): Promise<[string, string][]> {
  const listed = (await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}'], engine)).split('\n').filter((l) => l.trim() !== '');
  // `docker ps` lists the newest first.
  return listed.reverse().map((l): [string, string] => {
    const [id = '', name = ''] = l.trim().split(' ');
    return [id, name];
  }).filter(([, name]) => !name.startsWith('catalog-world-'));
}

/** The upper directory of the container's writable snapshot, from `ctr snapshots mounts` (the mount it would make of the root). */
async function writableLayer(engine: Pick<Engine, 'dir'>, snapshotter: string, id: string): Promise<string> {
  const address = path.join(engine.dir, 'containerd', 'containerd.sock');
  const mount = await run('ctr', ['--address', address, '--namespace', MOBY_NAMESPACE, 'snapshots', '--snapshotter', snapshotter, 'mounts', '/', id]);
  const upper = /(?:^|[\s,])upperdir=([^,\s]+)/.exec(mount)?.[1];
  if (upper === undefined) throw new HarnessError(`the root of container ${id} is not an overlay with a writable upper directory (${snapshotter} snapshotter): ${mount.trim()}`);
  return upper;
}

/** Whether `file` (a container's `inContainer`) is the project's own file, unchanged. */
function projectOwn(file: string, inContainer: string, project: ProjectCheckout): boolean {
  const relative = path.posix.relative(project.containerDir, inContainer);
  if (relative.startsWith('..') || path.posix.isAbsolute(relative)) return false;
  const original = path.join(project.hostDir, relative);
  return existsSync(original) && readFileSync(original).equals(readFileSync(file));
}

/** The files the job containers of `engine` (all but the world's) wrote, where they are on this machine; the containers must stay until they are scanned. */
export async function jobContainerFiles(engine: Pick<Engine, 'host' | 'env' | 'dir'>, project: ProjectCheckout): Promise<ContainerFiles[]> {
  const snapshotter = (await docker(['info', '--format', '{{.Driver}}'], engine)).trim();
  const seenMounts = new Set<string>();
  const found: ContainerFiles[] = [];
  for (const [id, name] of await jobContainers(engine)) {
    const files: ScannedFile[] = [];
    const layer = await writableLayer(engine, snapshotter, id);
    for (const file of filesUnder([layer])) {
      const inContainer = `/${path.relative(layer, file)}`;
      if (!skipped(inContainer)) files.push({ path: file, label: `${name}:${inContainer}` });
    }
    const changed = files.length;
    let volumes = 0;
    const mounts = JSON.parse(await docker(['inspect', '--format', '{{json .Mounts}}', id], engine)) as { Source?: string; Destination: string }[] | null;
    for (const { Source, Destination } of mounts ?? []) {
      // A tmpfs has no source: nothing of it outlives the container.
      if (skipped(Destination) || Source === undefined || Source === '' || !existsSync(Source)) continue;
      const source = realpathSync(Source);
      if (seenMounts.has(source)) continue;
      seenMounts.add(source);
      for (const file of filesUnder([source])) {
        const inContainer = path.posix.join(Destination, path.relative(source, file));
        if (!projectOwn(file, inContainer, project)) files.push({ path: file, label: `${name}:${inContainer}` });
      }
      volumes += 1;
    }
    found.push({ name, changed, volumes, files });
  }
  return found;
}

/** Removes the job containers of `engine` (all but the world's) and their anonymous volumes. */
export async function removeJobContainers(engine: Pick<Engine, 'host' | 'env'>): Promise<void> {
  const ids = (await jobContainers(engine)).map(([id]) => id);
  if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids], engine);
}
