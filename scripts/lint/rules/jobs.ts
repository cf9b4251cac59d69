/** rules about jobs, images and secrets. */
import type { Rule } from '../rule.js';

export const JOB_RULES: readonly Rule[] = [];
