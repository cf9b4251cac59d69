/**
 * Reading what a registry serves, the way every scenario asserts on it: the digest of a manifest
 * (sha256 of the exact bytes served) and the image platforms of an index. Pure functions; the
 * environment (environment.ts) fetches the bytes.
 */
import { createHash } from 'node:crypto';

export interface PlatformEntry {
  readonly platform: string;
  readonly digest: string;
}

export interface IndexEntries {
  readonly digest: string;
  readonly mediaType: string;
  /** Image manifests of the index; BuildKit's attestation manifests (`unknown/unknown`) left out. */
  readonly platforms: readonly PlatformEntry[];
}

interface RawIndex {
  mediaType?: string;
  manifests?: {
    digest?: string;
    platform?: { os?: string; architecture?: string; variant?: string };
    annotations?: Record<string, string>;
  }[];
}

/** The content digest of a manifest as served: `sha256:<hex>` of its bytes. */
export function manifestDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** An index's digest, media type and image platforms (`os/architecture[/variant]`). */
export function indexEntries(text: string): IndexEntries {
  const index = JSON.parse(text) as RawIndex;
  const platforms = (index.manifests ?? [])
    .filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
    .map((m) => ({
      platform: [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter((p) => p !== undefined && p !== '').join('/'),
      digest: m.digest ?? '',
    }));
  return { digest: manifestDigest(text), mediaType: index.mediaType ?? '', platforms };
}
