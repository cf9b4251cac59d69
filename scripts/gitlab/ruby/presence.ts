/**
 * ActiveSupport's `Object#present?` (`!blank?`), which GitLab asks of include locations, file
 * contents and the value of a pipeline expression.
 */
import { isValueMap, type Value } from './value.js';

/** `String#blank?`: `/\A[[:space:]]*\z/`; Onigmo's Unicode `[[:space:]]` is White_Space (NEL yes, BOM no, unlike `\s`). */
const BLANK = /^\p{White_Space}*$/u;

/** `value.present?`: not nil, not false, not a blank string, not an empty array or hash. */
export const isPresent = (value: Value | undefined): boolean =>
  value !== undefined &&
  value !== null &&
  value !== false &&
  !(typeof value === 'string' && BLANK.test(value)) &&
  !(Array.isArray(value) && value.length === 0) &&
  !(isValueMap(value) && value.size === 0);
