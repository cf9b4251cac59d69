/**
 * The rules, listed by hand (no discovery: what runs is what is written here) in three groups,
 * each kept sorted by id in its own file; the registry is sorted by id.
 */
import type { Rule } from '../rule.js';
import { CHECK_RULES } from './checks.js';
import { INPUT_RULES } from './inputs.js';
import { JOB_RULES } from './jobs.js';

export const RULES: readonly Rule[] = [...INPUT_RULES, ...JOB_RULES, ...CHECK_RULES].sort((a, b) => a.id.localeCompare(b.id));
