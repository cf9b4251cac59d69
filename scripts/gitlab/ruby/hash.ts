/**
 * ActiveSupport's `Hash#deep_merge`, which GitLab uses wherever configurations combine: included
 * files (`External::Processor`), `extends:` (`Config::Extendable::Entry`) and `default:`-style
 * overrides.
 */
import { isValueMap, type ValueMap } from './value.js';

/** `a.deep_merge(b)`: `b` wins, hashes merge recursively, anything else (arrays too) is replaced; a key keeps the position where it first appeared. */
export function deepMerge(a: ValueMap, b: ValueMap): ValueMap {
  const out: ValueMap = new Map(a);
  for (const [key, value] of b) {
    const current = out.get(key);
    out.set(key, isValueMap(current) && isValueMap(value) ? deepMerge(current, value) : value);
  }
  return out;
}
