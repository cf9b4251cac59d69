/** rules about spec:inputs and $[[ ]] blocks. */
import type { Rule } from '../rule.js';

export const INPUT_RULES: readonly Rule[] = [];
