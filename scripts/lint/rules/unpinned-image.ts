/**
 * unpinned-image: an `image:` or `services:` entry that names no version (no tag, `latest`) or a
 * tag that moves (`node:20`, `docker:27-dind`, `stable`, `edge`, `lts`). A digest pin is always
 * fine; an image that is only a variable (`$IMAGE`) cannot be judged and is skipped.
 */
import { imageUses, isOnlyVariable, parseImageRef, SHA256_DIGEST } from '../job-facts.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule } from '../rule.js';

export type PinStatus =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'digest' }
  | { readonly kind: 'bad-digest' }
  | { readonly kind: 'untagged' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'floating'; readonly tag: string }
  | { readonly kind: 'tag'; readonly tag: string };

/** How an image reference is pinned. Shared with `image-not-pinned-by-digest`. */
export function pinStatus(image: string): PinStatus {
  const text = image.trim();
  if (text === '' || isOnlyVariable(text)) return { kind: 'unknown' };
  const ref = parseImageRef(text);
  if (ref.digest !== undefined) {
    if (ref.digest.includes('$')) return { kind: 'unknown' };
    return SHA256_DIGEST.test(ref.digest) ? { kind: 'digest' } : { kind: 'bad-digest' };
  }
  if (ref.tag === undefined) return ref.shortName.includes('$') ? { kind: 'unknown' } : { kind: 'untagged' };
  const tag = ref.tag;
  if (tag.includes('$') || tag === '') return { kind: 'unknown' };
  if (tag.toLowerCase() === 'latest') return { kind: 'latest' };
  // A date or build number (`20240101`, `v2024010112`) names one build.
  if (/^v?\d{6,}/.test(tag)) return { kind: 'tag', tag };
  // A bare major version, with or without a variant: `20`, `27-dind`, `3-alpine3.20`, `v2`.
  if (/^v?\d+(?![\d.])/.test(tag)) return { kind: 'floating', tag };
  // `1.27`, `24.0.5-dind`, `v0.36.0`, or a commit-like hex string (`sha-3f2a9c1`).
  if (/\d+\.\d+/.test(tag) || /(?:^|[^0-9a-f])[0-9a-f]{7,40}(?:$|[^0-9a-f])/.test(tag) && /\d/.test(tag)) return { kind: 'tag', tag };
  // No version number at all: `stable`, `edge`, `lts`, `dind`, `alpine`, `bookworm`, `buildx-stable-1`.
  return { kind: 'floating', tag };
}

const KIND = { image: 'image', service: 'service' } as const;

export const unpinnedImage = defineRule({
  id: 'unpinned-image',
  description: 'images and services should name a fixed version: no missing tag, no "latest", no floating tag',
  severity: 'warning',
  messages: {
    untagged: '{{kind}} {{image}} has no tag, so the runner pulls "latest"; pin a full version or a digest',
    latest: '{{kind}} {{image}} uses the "latest" tag; pin a full version or a digest',
    floating: '{{kind}} {{image}} uses the floating tag {{tag}}, which moves to new releases; pin a full version or a digest',
    badDigest: '{{kind}} {{image}} has a malformed digest; a digest pin is "@sha256:" followed by 64 lowercase hex digits',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      for (const use of imageUses(variant.content)) {
        const status = pinStatus(use.image);
        const data = { kind: KIND[use.kind], image: q(use.image) };
        const at = variant.locate(use.path);
        if (status.kind === 'untagged') report({ messageId: 'untagged', data, at });
        else if (status.kind === 'latest') report({ messageId: 'latest', data, at });
        else if (status.kind === 'floating') report({ messageId: 'floating', data: { ...data, tag: q(status.tag) }, at });
        else if (status.kind === 'bad-digest') report({ messageId: 'badDigest', data, at });
      }
    }
  },
});
