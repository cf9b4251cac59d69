/**
 * `!reference [job, key, …]` tags as `Gitlab::Ci::Config::Yaml::Tags::Resolver` replaces them
 * (gitlabhq lib/gitlab/ci/config/yaml/tags/resolver.rb, reference.rb, base.rb), after `extends:`:
 * each tag becomes the value at its path in the configuration, itself resolved. A tag resolves once
 * (every place that holds it gets the same value); a tag reached again while it is being resolved is
 * a cycle. The value is put in place as it is: a list referenced inside a list stays nested (the
 * keywords that take commands flatten it later).
 */
import { rubyInspect } from '../ruby/inspect.js';
import { isValueMap, YamlReference, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';
import { JobConfigError, type ConfigErrorSink } from './config-error.js';

/**
 * GitLab's documentation allows `!reference` tags nested 10 levels deep; a deeper chain is refused
 * here so that a long chain fails the same way everywhere.
 */
export const MAX_REFERENCE_NESTING = 10;

/**
 * Every `!reference` in `config` resolved against `config` itself (`Resolver#to_hash`). With `sink`,
 * each error goes there (with the path of the tag) and the tag becomes nil, so that every error is found.
 */
export function resolveAllReferences(config: ValueMap, sink?: ConfigErrorSink): ValueMap {
  return new ReferenceResolver(config, sink).resolve(config, []) as ValueMap;
}

/** The `!reference` tags inside `value` resolved against `config`. */
export function resolveReferences(value: Value, config: ValueMap): Value {
  return new ReferenceResolver(config).resolve(value, []);
}

class ReferenceResolver {
  readonly #config: ValueMap;
  readonly #sink: ConfigErrorSink | undefined;
  /** `resolved_status` / `resolved_value` of each tag object. */
  readonly #resolved = new Map<YamlReference, { readonly value: Value } | 'resolving'>();
  #nesting = 0;
  #sunk = 0;

  constructor(config: ValueMap, sink?: ConfigErrorSink) {
    this.#config = config;
    this.#sink = sink;
  }

  /** `deep_resolve`: arrays item by item, hashes value by value, a tag by its target. */
  resolve(value: Value, path: readonly PathSegment[]): Value {
    if (value instanceof YamlReference) return this.#resolveOrSink(value, path);
    if (Array.isArray(value)) return value.map((item, i) => this.resolve(item, [...path, i]));
    if (isValueMap(value)) return new Map([...value].map(([key, item]) => [key, this.resolve(item, [...path, key])]));
    return value;
  }

  #resolveOrSink(tag: YamlReference, path: readonly PathSegment[]): Value {
    if (!this.#sink) return this.#resolveTag(tag, path);
    const before = this.#sunk;
    try {
      return this.#resolveTag(tag, path);
    } catch (error) {
      if (!(error instanceof JobConfigError)) throw error;
      // A tag whose target failed on its own is not reported again.
      if (this.#sunk === before) {
        this.#sunk++;
        this.#sink(error);
      }
      this.#resolved.set(tag, { value: null });
      return null;
    }
  }

  #resolveTag(tag: YamlReference, path: readonly PathSegment[]): Value {
    const shown = `!reference ${rubyInspect([...tag.path])}`;
    const fail = (problem: string) => new JobConfigError(`${shown} ${problem}`, path);
    if (tag.path.length === 0 || !tag.path.every((segment) => typeof segment === 'string')) throw fail('is not valid');
    const state = this.#resolved.get(tag);
    if (state === 'resolving') throw fail('is part of a circular chain');
    if (state) return state.value;
    if (this.#nesting >= MAX_REFERENCE_NESTING) throw fail(`is nested more than ${MAX_REFERENCE_NESTING} levels deep`);
    this.#resolved.set(tag, 'resolving');
    this.#nesting++;
    const before = this.#sunk;
    try {
      // `config.dig(*location)`: a missing key gives nil; digging into anything but a hash raises
      // TypeError; both are "could not be found", and so is a target that resolves to nil or false.
      let target: Value | undefined = this.#config;
      for (const segment of tag.path) {
        if (target === null || target === undefined) break;
        if (!isValueMap(target)) throw fail('could not be found');
        target = target.get(segment as string);
      }
      const value = target === undefined ? null : this.resolve(target, tag.path as string[]);
      if (value === null || value === false) {
        if (this.#sunk > before) return null;
        throw fail('could not be found');
      }
      this.#resolved.set(tag, { value });
      return value;
    } finally {
      this.#nesting--;
      if (this.#resolved.get(tag) === 'resolving') this.#resolved.delete(tag);
    }
  }
}
