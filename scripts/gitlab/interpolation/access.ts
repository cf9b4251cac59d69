/**
 * `Interpolation::Access`: evaluates `inputs.name`, `inputs.list[0][1]`, `component.version`
 * against the context, with GitLab's error texts.
 */
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';

export const MAX_ACCESS_OBJECTS = 5;
export const MAX_ACCESS_BYTESIZE = 1024;
const MAX_ACCESS_ARRAY_DEPTH = 5;
const VALID_INDEXED_SEGMENT = /^(\w*)((?:\[\d+\])+)$/;

export type AccessResult = { ok: true; value: Value } | { ok: false; errors: string[] };

/** Ruby `str.split(sep, limit)` with a positive limit: at most `limit` parts, trailing empties kept. */
export function rubySplitLimit(text: string, separator: string, limit: number): string[] {
  if (text === '') return [];
  const parts = text.split(separator);
  return parts.length <= limit ? parts : [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

export function evaluateAccess(content: string, context: ValueMap): AccessResult {
  const errors: string[] = [];
  const objects = rubySplitLimit(content, '.', MAX_ACCESS_OBJECTS);
  if (objects.length <= 1) errors.push('invalid pattern used for interpolation. valid pattern is $[[ inputs.input ]]');
  if (Buffer.byteLength(content, 'utf8') > MAX_ACCESS_BYTESIZE) errors.push('maximum interpolation expression size exceeded');
  if (errors.length > 0) return { ok: false, errors };

  let memo: Value = context;
  for (const segment of objects) {
    const step: AccessResult = segment.includes('[') ? indexedSegment(memo, segment, content) : keySegment(memo, segment, content);
    if (!step.ok) return step;
    memo = step.value;
  }
  return { ok: true, value: memo };
}

function keySegment(memo: Value, key: string, content: string): AccessResult {
  if (isValueMap(memo) && memo.has(key)) return { ok: true, value: memo.get(key) ?? null };
  return { ok: false, errors: [`unknown interpolation provided: \`${key}\` in \`${content}\``] };
}

function indexedSegment(memo: Value, segment: string, content: string): AccessResult {
  const parsed = parseIndexedSegment(segment, content);
  if ('error' in parsed) return { ok: false, errors: [parsed.error] };
  const base = keySegment(memo, parsed.baseKey, content);
  if (!base.ok) return base;
  let current = base.value;
  for (const index of parsed.indices) {
    if (!Array.isArray(current)) {
      return { ok: false, errors: [`cannot index into non-array value at [${index}] in \`${content}\``] };
    }
    if (index >= current.length) {
      return { ok: false, errors: [`array index ${index} out of bounds (size: ${current.length}) in \`${content}\``] };
    }
    current = current[index] ?? null;
  }
  return { ok: true, value: current };
}

function parseIndexedSegment(segment: string, content: string): { baseKey: string; indices: number[] } | { error: string } {
  const match = VALID_INDEXED_SEGMENT.exec(segment);
  if (match) {
    const baseKey = match[1] ?? '';
    if (baseKey === '') return { error: `invalid indexed access without a key in \`${content}\`` };
    const indices = [...(match[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number.parseInt(m[1] ?? '0', 10));
    if (indices.length > MAX_ACCESS_ARRAY_DEPTH) {
      return { error: `too many array indices in \`${content}\` (maximum depth: ${MAX_ACCESS_ARRAY_DEPTH})` };
    }
    return { baseKey, indices };
  }
  const opens = [...segment].filter((c) => c === '[').length;
  const closes = [...segment].filter((c) => c === ']').length;
  if (opens !== closes) return { error: `invalid array index in \`${content}\`: missing closing bracket` };
  const invalid = [...segment.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '').find((inside) => !/^\d+$/.test(inside));
  if (invalid !== undefined) return { error: `invalid array index in \`${content}\`: \`${invalid}\` is not a valid index` };
  return { error: `invalid array index syntax in \`${content}\`` };
}
