/** rules backed by external checkers: GitLab's CI schema and shellcheck. */
import type { Rule } from '../rule.js';

export const CHECK_RULES: readonly Rule[] = [];
