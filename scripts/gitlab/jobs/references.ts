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
import { JobConfigError } from './config-error.js';

/**
 * GitLab's documentation allows `!reference` tags nested 10 levels deep; a deeper chain is refused
 * here so that a long chain fails the same way everywhere.
 */
export const MAX_REFERENCE_NESTING = 10;

/** Every `!reference` in `config` resolved against `config` itself (`Resolver#to_hash`). */
export function resolveAllReferences(config: ValueMap): ValueMap {
  return new ReferenceResolver(config).resolve(config) as ValueMap;
}

/** The `!reference` tags inside `value` resolved against `config`. */
export function resolveReferences(value: Value, config: ValueMap): Value {
  return new ReferenceResolver(config).resolve(value);
}

class ReferenceResolver {
  readonly #config: ValueMap;
  /** `resolved_status` / `resolved_value` of each tag object. */
  readonly #resolved = new Map<YamlReference, { readonly value: Value } | 'resolving'>();
  #nesting = 0;

  constructor(config: ValueMap) {
    this.#config = config;
  }

  /** `deep_resolve`: arrays item by item, hashes value by value, a tag by its target. */
  resolve(value: Value): Value {
    if (value instanceof YamlReference) return this.#resolveTag(value);
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (isValueMap(value)) return new Map([...value].map(([key, item]) => [key, this.resolve(item)]));
    return value;
  }

  #resolveTag(tag: YamlReference): Value {
    const shown = `!reference ${rubyInspect([...tag.path])}`;
    if (tag.path.length === 0 || !tag.path.every((segment) => typeof segment === 'string')) throw new JobConfigError(`${shown} is not valid`);
    const state = this.#resolved.get(tag);
    if (state === 'resolving') throw new JobConfigError(`${shown} is part of a circular chain`);
    if (state) return state.value;
    if (this.#nesting >= MAX_REFERENCE_NESTING) throw new JobConfigError(`${shown} is nested more than ${MAX_REFERENCE_NESTING} levels deep`);
    this.#resolved.set(tag, 'resolving');
    this.#nesting++;
    try {
      // `config.dig(*location)`: a missing key gives nil; digging into anything but a hash raises
      // TypeError; both are "could not be found", and so is a target that resolves to nil or false.
      let target: Value | undefined = this.#config;
      for (const segment of tag.path) {
        if (target === null || target === undefined) break;
        if (!isValueMap(target)) throw new JobConfigError(`${shown} could not be found`);
        target = target.get(segment as string);
      }
      const value = target === undefined ? null : this.resolve(target);
      if (value === null || value === false) throw new JobConfigError(`${shown} could not be found`);
      this.#resolved.set(tag, { value });
      return value;
    } finally {
      this.#nesting--;
      if (this.#resolved.get(tag) === 'resolving') this.#resolved.delete(tag);
    }
  }
}
