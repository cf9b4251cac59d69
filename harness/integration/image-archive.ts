/**
 * An image tarball made from a root directory, without a daemon: one uncompressed layer (the
 * directory as a tar), an image config, and both index formats `docker load` and `podman load`
 * read: the OCI layout (`oci-layout`, `index.json` naming every tag) and the classic
 * `manifest.json` with its RepoTags. Uncompressed, because loading it then costs one copy and no
 * decompression, and the archives stay on this machine.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './process.js';

export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly user?: string;
  readonly volumes?: readonly string[];
  /** `2375/tcp`, … */
  readonly exposedPorts?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `docker:29.5.2-cli` → `docker.io/library/docker:29.5.2-cli`, as the engine names it. */
export function fullImageName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

/** The config JSON's `config` part, in the key order and forms docker writes. */
function runtimeConfig(config: ImageConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
  };
  if (config.entrypoint !== undefined) out['Entrypoint'] = config.entrypoint;
  if (config.cmd !== undefined) out['Cmd'] = config.cmd;
  if (config.workingDir !== undefined) out['WorkingDir'] = config.workingDir;
  if (config.user !== undefined) out['User'] = config.user;
  if (config.volumes !== undefined && config.volumes.length > 0) out['Volumes'] = Object.fromEntries(config.volumes.map((v) => [v, {}]));
  if (config.exposedPorts !== undefined && config.exposedPorts.length > 0) {
    out['ExposedPorts'] = Object.fromEntries(config.exposedPorts.map((p) => [p, {}]));
  }
  if (config.labels !== undefined) out['Labels'] = config.labels;
  return out;
}

/**
 * Writes `archive`: the image of `root` with `config`, tagged `tags`. `root` is read, never changed;
 * `workDir` (created, removed afterwards) holds the blobs while the archive is assembled.
 */
export async function writeImageArchive(options: {
  readonly root: string;
  readonly config: ImageConfig;
  readonly tags: readonly string[];
  readonly archive: string;
  readonly workDir: string;
  /** The image's creation time (fixed per recipe, so that equal inputs give equal configs). */
  readonly created: string;
  readonly comment: string;
}): Promise<{ readonly size: number; readonly layerSize: number }> {
  const { workDir } = options;
  rmSync(workDir, { recursive: true, force: true });
  const blobs = path.join(workDir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layerTmp = path.join(workDir, 'layer.tar');
  // Numeric owners (the root's /etc/passwd is not the machine's); file capabilities kept.
  await run('tar', [
    '--create', '--file', layerTmp, '--directory', options.root, '--numeric-owner', '--sort=name',
    '--xattrs', '--xattrs-include=security.capability', '.',
  ]);
  const layerDigest = await sha256File(layerTmp);
  const layerSize = statSync(layerTmp).size;
  renameSync(layerTmp, path.join(blobs, layerDigest));

  const configJson = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: options.created,
    config: runtimeConfig(options.config),
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: options.created, created_by: options.comment }],
  });
  const configDigest = sha256Text(configJson);
  writeFileSync(path.join(blobs, configDigest), configJson);

  const manifestJson = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: Buffer.byteLength(configJson) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layerSize }],
  });
  const manifestDigest = sha256Text(manifestJson);
  writeFileSync(path.join(blobs, manifestDigest), manifestJson);

  writeFileSync(path.join(workDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(workDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: options.tags.map((tag) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifestDigest}`,
        size: Buffer.byteLength(manifestJson),
        annotations: {
          'io.containerd.image.name': fullImageName(tag),
          'org.opencontainers.image.ref.name': tag.slice(tag.lastIndexOf(':') + 1),
        },
      })),
    }),
  );
  writeFileSync(
    path.join(workDir, 'manifest.json'),
    JSON.stringify([{ Config: `blobs/sha256/${configDigest}`, RepoTags: options.tags, Layers: [`blobs/sha256/${layerDigest}`] }]),
  );
  const partial = `${options.archive}.partial-${process.pid}`;
  await run('tar', ['--create', '--file', partial, '--directory', workDir, 'oci-layout', 'index.json', 'manifest.json', 'blobs']);
  renameSync(partial, options.archive);
  rmSync(workDir, { recursive: true, force: true });
  return { size: statSync(options.archive).size, layerSize };
}
