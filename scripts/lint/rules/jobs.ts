/** rules about jobs, images and secrets. */
import type { Rule } from '../rule.js';
import { buildxOnTlsWithoutContext } from './buildx-on-tls-without-context.js';
import { deprecatedKeyword } from './deprecated-keyword.js';
import { dindTlsMismatch } from './dind-tls-mismatch.js';
import { imageNotPinnedByDigest } from './image-not-pinned-by-digest.js';
import { jobNameCollision } from './job-name-collision.js';
import { passwordOnArgv } from './password-on-argv.js';
import { secretInPlaintext } from './secret-in-plaintext.js';
import { unpinnedImage } from './unpinned-image.js';
import { variableValueType } from './variable-value-type.js';

export const JOB_RULES: readonly Rule[] = [
  buildxOnTlsWithoutContext,
  deprecatedKeyword,
  dindTlsMismatch,
  imageNotPinnedByDigest,
  jobNameCollision,
  passwordOnArgv,
  secretInPlaintext,
  unpinnedImage,
  variableValueType,
];
