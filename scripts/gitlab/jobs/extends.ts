/**
 * `extends:` as `Gitlab::Ci::Config::Extendable` resolves it (gitlabhq
 * lib/gitlab/ci/config/extendable.rb and extendable/entry.rb), on the whole configuration after
 * includes are merged and before `!reference` tags are resolved: every top-level mapping with an
 * `extends:` becomes `{}.deep_merge(base₁).deep_merge(base₂)…deep_merge(itself)`, each base extended
 * first. The `extends:` key stays in the result, as in GitLab.
 */
import { deepMerge } from '../ruby/hash.js';
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import { JobConfigError, type ConfigErrorSink } from './config-error.js';
import { extendsOf, MAX_EXTENDS_NESTING } from './model.js';

/**
 * The configuration with every `extends:` merged in; throws GitLab's `ExtensionError` messages.
 * With `sink`, each error goes there instead and the entry is extended by the bases that can be
 * used (none after a nesting or cycle error), so that every error is found.
 */
export function expandExtends(config: ValueMap, sink?: ConfigErrorSink): ValueMap {
  const context: ValueMap = new Map(config);
  // The path is the element of an `extends:` list that names the first offending base (a component
  // writes one element from an input and another itself), else the whole `extends:` value.
  const fail = (key: string, message: string, element?: number): void => {
    const error = new JobConfigError(`${key}: ${message}`, element === undefined ? [key, 'extends'] : [key, 'extends', element]);
    if (!sink) throw error;
    sink(error);
  };
  // Like `Extendable::Entry#extend!`, an entry is extended again each time it is reached: the
  // merge is idempotent, and the nesting and cycle checks depend on the path it is reached by.
  const extend = (key: string, ancestors: readonly string[]): Value => {
    const value = context.get(key) ?? null;
    if (!isValueMap(value) || !value.has('extends')) return value;
    const bases = extendsOf(value);
    const elementOf = (base: string | undefined): number | undefined => (Array.isArray(value.get('extends')) && base !== undefined ? bases.indexOf(base) : undefined);
    const unknown = bases.filter((base) => !context.has(base));
    if (unknown.length > 0) fail(key, `unknown keys in \`extends\` (${unknown.join(', ')})`, elementOf(unknown[0]));
    const invalid = bases.filter((base) => context.has(base) && !isValueMap(context.get(base)));
    if (invalid.length > 0) fail(key, `invalid base hashes in \`extends\` (${invalid.join(', ')})`, elementOf(invalid[0]));
    const stop = ancestors.length > MAX_EXTENDS_NESTING ? 'nesting too deep in `extends`' : ancestors.includes(key) ? 'circular dependency detected in `extends`' : undefined;
    if (stop !== undefined) {
      fail(key, stop);
      return value;
    }
    let merged: ValueMap = new Map();
    for (const base of bases.filter((b) => isValueMap(context.get(b)))) merged = deepMerge(merged, extend(base, [...ancestors, key]) as ValueMap);
    const extended = deepMerge(merged, value);
    context.set(key, extended);
    return extended;
  };
  for (const key of config.keys()) extend(key, []);
  return context;
}
