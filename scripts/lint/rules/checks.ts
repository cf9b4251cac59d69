/** rules backed by external checkers: GitLab's CI schema and shellcheck. */
import type { Rule } from '../rule.js';
import { ciSchema } from './ci-schema.js';
import { shellcheck } from './shellcheck.js';

export const CHECK_RULES: readonly Rule[] = [ciSchema, shellcheck];
