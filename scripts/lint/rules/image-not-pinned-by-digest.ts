/**
 * image-not-pinned-by-digest: an image pinned by a version tag but not by digest. A tag can be
 * pushed again with other content (or removed); `name:tag@sha256:…` always pulls the same bytes.
 * Images without a usable tag are `unpinned-image`'s findings, not this rule's.
 */
import { imageUses } from '../job-facts.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule } from '../rule.js';
import { pinStatus } from './unpinned-image.js';

export const imageNotPinnedByDigest = defineRule({
  id: 'image-not-pinned-by-digest',
  description: 'images and services pinned by tag should also be pinned by digest',
  severity: 'info',
  messages: {
    tagOnly: '{{kind}} {{image}} is pinned by tag but not by digest; a tag can be pushed again with other content, a digest cannot (append "@sha256:<digest>")',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      for (const use of imageUses(variant.content)) {
        if (pinStatus(use.image).kind !== 'tag') continue;
        report({ messageId: 'tagOnly', data: { kind: use.kind, image: q(use.image) }, at: variant.locate(use.path) });
      }
    }
  },
});
