/**
 * The job model answered with the place each value is written, for messages that point at the
 * source: a job keyword's effective value (its own, else the nearest one through `extends:`, else
 * its default as `inherit:` allows) and its merged variables, each with its content-document path.
 * The value is the one GitLab's deep merge keeps for anything but a hash; for a hash it is the part
 * written at that path. `!reference` tags are left as they are.
 */
import { rubyToS } from '../ruby/inspect.js';
import { isValueMap, YamlReference, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';
import { defaultFor, extendsOf, inherits, inheritSetting, MAX_EXTENDS_NESTING } from './model.js';

export interface Located<T extends Value = Value> {
  readonly value: T;
  readonly path: readonly PathSegment[];
}

/** Ruby `to_s` of a variable value as the runner exports it; a `{value:, description:}` hash gives its value. */
export function variableValue(entry: Located): Located<string> | undefined {
  const { value, path } = entry;
  if (isValueMap(value)) {
    const inner = value.get('value');
    return inner === undefined ? undefined : variableValue({ value: inner, path: [...path, 'value'] });
  }
  if (Array.isArray(value) || value instanceof YamlReference) return undefined;
  return { value: rubyToS(value), path };
}

/** The entries of a `variables:` mapping with their paths. */
export function variablesOf(variables: Located | undefined): Map<string, Located> {
  const out = new Map<string, Located>();
  if (!variables || !isValueMap(variables.value)) return out;
  for (const [name, value] of variables.value) out.set(name, { value, path: [...variables.path, name] });
  return out;
}

/** Effective job keywords and variables, located. */
export class JobResolver {
  readonly #content: ValueMap;

  constructor(content: Value) {
    this.#content = isValueMap(content) ? content : new Map();
  }

  /** The job's own value for `key` or the one it inherits through `extends:` (later bases win). */
  own(jobName: string, key: string): Located | undefined {
    return this.#own(jobName, key, 0, new Set());
  }

  #own(jobName: string, key: string, depth: number, seen: Set<string>): Located | undefined {
    const job = this.#content.get(jobName);
    if (!isValueMap(job) || seen.has(jobName)) return undefined;
    if (job.has(key)) return { value: job.get(key) ?? null, path: [jobName, key] };
    if (depth > MAX_EXTENDS_NESTING) return undefined;
    const bases = extendsOf(job);
    const next = new Set(seen).add(jobName);
    for (let i = bases.length - 1; i >= 0; i--) {
      const found = this.#own(bases[i] as string, key, depth + 1, next);
      if (found) return found;
    }
    return undefined;
  }

  /** The effective value of `key` for a job: its own (or extended) value, else the default it inherits. */
  get(jobName: string, key: string): Located | undefined {
    const own = this.own(jobName, key);
    if (own) return own;
    if (!inherits(inheritSetting(this.own(jobName, 'inherit')?.value, 'default'), key)) return undefined;
    return defaultFor(this.#content, key);
  }

  /** The job's variables: top-level `variables:` (as `inherit:variables` allows), then the `extends:` chain, then its own. */
  variables(jobName: string): Map<string, Located> {
    const merged = new Map<string, Located>();
    const inherit = inheritSetting(this.own(jobName, 'inherit')?.value, 'variables');
    const top = this.#content.has('variables') ? { value: this.#content.get('variables') ?? null, path: ['variables'] } : undefined;
    for (const [name, entry] of variablesOf(top)) if (inherits(inherit, name)) merged.set(name, entry);
    for (const [name, entry] of this.#chainVariables(jobName, 0, new Set())) merged.set(name, entry);
    return merged;
  }

  #chainVariables(jobName: string, depth: number, seen: Set<string>): Map<string, Located> {
    const job = this.#content.get(jobName);
    const merged = new Map<string, Located>();
    if (!isValueMap(job) || seen.has(jobName)) return merged;
    if (depth <= MAX_EXTENDS_NESTING) {
      const next = new Set(seen).add(jobName);
      for (const base of extendsOf(job)) {
        for (const [name, entry] of this.#chainVariables(base, depth + 1, next)) merged.set(name, entry);
      }
    }
    for (const [name, entry] of variablesOf(job.has('variables') ? { value: job.get('variables') ?? null, path: [jobName, 'variables'] } : undefined)) {
      merged.set(name, entry);
    }
    return merged;
  }
}
