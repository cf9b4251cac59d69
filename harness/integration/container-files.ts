/**
 * The files the jobs of a containerised run left in their containers, copied out for a secret scan
 * (secrets.ts): gitlab-ci-local removes a job's containers when it ends unless told `--no-cleanup`
 * (`DockerRunnerOptions.keepContainers`), so a run that keeps them is followed by
 * `copyContainerFiles`, which takes, for every container of the job engine but the world's
 * (job-world.ts):
 * - the files `docker diff` lists as added or changed, out of `docker export` (image files the job
 *   never touched are not the job's and are left out);
 * - the contents of its volumes (the build directory `/builds/...`, `/certs/client`, gitlab-ci-local's
 *   file-variable volume), which `docker export` leaves out; image stores (`/var/lib/docker` of
 *   dind, `/var/lib/containers` of podman) excepted: what images hold is another scan's matter;
 * and then removes the containers, so that the next run's copy holds only its own. Files of the
 * build directory that are the project's own, byte for byte (`project`: the checkout the runner
 * copied in), are dropped: the repository is not what a job wrote.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { docker, dockerCli, type Engine } from './engine.js';
import { runUnchecked } from './process.js';

/** Paths no job writes secrets to: kernel filesystems and image stores. */
const SKIPPED = ['/proc', '/sys', '/dev', '/var/lib/docker', '/var/lib/containers', '/home/podman/.local/share/containers'];
const skipped = (p: string): boolean => SKIPPED.some((s) => p === s || p.startsWith(`${s}/`));

export interface CopiedContainer {
  readonly name: string;
  /** Where its files are, under `<dir>/<name>`. */
  readonly dir: string;
  /** Paths `docker diff` lists as added or changed (image stores and kernel filesystems left out). */
  readonly changed: number;
  /** Volumes copied. */
  readonly volumes: number;
}

/** The project's files as the jobs saw them: its checkout on the host and where it is in the containers. */
export interface ProjectCheckout {
  readonly hostDir: string;
  /** CI_PROJECT_DIR in the containers, e.g. `/builds/platform/ci-catalog`. */
  readonly containerDir: string;
}

/** Removes the files under `copy` that are identical to the same path under `original`. */
function dropUnchanged(copy: string, original: string): void {
  if (!existsSync(copy)) return;
  for (const entry of readdirSync(copy, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const same = path.join(original, path.relative(copy, file));
    if (existsSync(same) && readFileSync(same).equals(readFileSync(file))) rmSync(file);
  }
}

/** Copies the job-written files of every container except those named `catalog-world-*` into `dir`, then removes those containers. */
export async function copyContainerFiles(engine: Pick<Engine, 'host' | 'env'>, dir: string, project: ProjectCheckout): Promise<CopiedContainer[]> {
  const listed = (await docker(['ps', '-a', '--format', '{{.ID}} {{.Names}}'], engine)).split('\n').filter((l) => l.trim() !== '');
  const copied: CopiedContainer[] = [];
  for (const line of listed) {
    const [id = '', name = ''] = line.trim().split(' ');
    if (name.startsWith('catalog-world-')) continue;
    const out = path.join(dir, name);
    mkdirSync(out, { recursive: true });
    const changed = (await docker(['diff', id], engine))
      .split('\n')
      .filter((l) => /^[AC] \//.test(l))
      .map((l) => l.slice(2))
      .filter((p) => !skipped(p));
    const list = path.join(dir, `${name}.list`);
    writeFileSync(list, changed.map((p) => p.slice(1)).join('\n') + '\n');
    // Members named in the list only (`--no-recursion`: a changed directory does not bring the
    // image's files in it); a listed path that lives in a volume is not in the export: not an error.
    const exported = await runUnchecked('sh', ['-c', '"$1" --host "$2" export "$3" | tar -x -C "$4" --no-recursion -T "$5"', 'sh', dockerCli(), engine.host, id, out, list], { env: engine.env });
    let volumes = 0;
    const mounts = JSON.parse(await docker(['inspect', '--format', '{{json .Mounts}}', id], engine)) as { Destination: string }[] | null;
    for (const { Destination } of mounts ?? []) {
      if (skipped(Destination)) continue;
      const target = path.join(out, 'volumes', Destination);
      mkdirSync(target, { recursive: true });
      await runUnchecked('sh', ['-c', '"$1" --host "$2" cp "$3:$4/." - | tar -x -C "$5"', 'sh', dockerCli(), engine.host, id, Destination, target], { env: engine.env });
      volumes += 1;
    }
    dropUnchanged(path.join(out, 'volumes', project.containerDir), project.hostDir);
    if (exported.exitCode !== 0 && changed.length > 0 && !/Not found in archive/.test(exported.stderr)) {
      throw new HarnessError(`copying the files of container ${name}: ${exported.stderr.trim()}`);
    }
    copied.push({ name, dir: out, changed: changed.length, volumes });
  }
  const ids = listed.filter((l) => !l.includes(' catalog-world-')).map((l) => l.trim().split(' ')[0] ?? '');
  if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids], engine);
  return copied;
}
