/**
 * GitLab's job model on the value model of a merged pipeline: which top-level keys are jobs, which
 * are hidden, whom a job `extends:`, and what it takes from `default:` (or the deprecated top-level
 * keywords) and from the top-level `variables:` as its `inherit:` allows. `extends.ts`,
 * `references.ts` and `resolve.ts` build the effective jobs from these; `located.ts` answers the same
 * questions with the source path of each value.
 */
import { rubyToS } from '../ruby/inspect.js';
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';

/**
 * The keys `Gitlab::Ci::Config::Entry::Root` knows (`ALLOWED_KEYS`, gitlabhq
 * lib/gitlab/ci/config/entry/root.rb). Every other top-level key is a job: `types` (removed in
 * GitLab 15.0), `spec` (it belongs to the header document, never to the content) and `pages:deploy`
 * are job names like any other.
 */
export const ROOT_KEYWORDS: ReadonlySet<string> = new Set([
  'default',
  'include',
  'before_script',
  'image',
  'services',
  'after_script',
  'variables',
  'stages',
  'cache',
  'workflow',
]);

/** The Root entries declared `reserved: true`: never a job, whatever they hold (`Root.reserved_nodes_names`). */
const RESERVED_KEYWORDS: ReadonlySet<string> = new Set(['include', 'before_script', 'image', 'services', 'after_script', 'variables', 'stages', 'cache']);

/**
 * Whether a top-level entry is a job, as `Root#filter_jobs!` decides: a reserved keyword never is;
 * `default:` and `workflow:` (known but not reserved) are one only when they look like a job to
 * `Entry::Jobs.find_type` (a mapping with `script:`, `run:` or `trigger:`); any other key is.
 */
export function isJobEntry(name: string, value: Value): boolean {
  if (RESERVED_KEYWORDS.has(name)) return false;
  if (!ROOT_KEYWORDS.has(name)) return true;
  return isValueMap(value) && (value.has('script') || value.has('run') || value.has('trigger'));
}

/** `Entry::Hidden.matching?`: a key starting with `.` is a template, run only through `extends:` or `!reference`. */
export const isHiddenJobName = (name: string): boolean => name.startsWith('.');

export interface JobRef {
  readonly name: string;
  readonly job: ValueMap;
  readonly path: readonly PathSegment[];
  readonly hidden: boolean;
}

/** Every top-level mapping that is a job, hidden ones included, in document order. */
export function jobsOf(content: Value): JobRef[] {
  if (!isValueMap(content)) return [];
  const jobs: JobRef[] = [];
  for (const [name, job] of content) {
    if (!isJobEntry(name, job) || !isValueMap(job)) continue;
    jobs.push({ name, job, path: [name], hidden: isHiddenJobName(name) });
  }
  return jobs;
}

/** The `default:` mapping, unless the pipeline has none or `default:` is itself a job. */
export function defaultsOf(content: ValueMap): ValueMap | undefined {
  const defaults = content.get('default');
  return isValueMap(defaults) && !isJobEntry('default', defaults) ? defaults : undefined;
}

/**
 * The keywords a job takes from `default:` when it does not set them: the `Entry::Default` entries
 * that `Entry::Job` declares `inherit: true`.
 */
export const DEFAULT_KEYWORDS: ReadonlySet<string> = new Set([
  'image',
  'services',
  'before_script',
  'after_script',
  'cache',
  'hooks',
  'tags',
  'timeout',
  'retry',
  'interruptible',
  'artifacts',
  'id_tokens',
  'identity',
]);

/** The deprecated top-level spelling of a default (`Root` delegates these to its `default` entry). */
export const TOP_LEVEL_DEFAULT_KEYWORDS: ReadonlySet<string> = new Set(['image', 'services', 'before_script', 'after_script', 'cache']);

/** Where a job's default for `key` is written: `default:`, else the deprecated top-level keyword. */
export function defaultFor(content: ValueMap, key: string): { readonly value: Value; readonly path: readonly PathSegment[] } | undefined {
  if (!DEFAULT_KEYWORDS.has(key)) return undefined;
  const defaults = defaultsOf(content);
  if (defaults?.has(key)) return { value: defaults.get(key) ?? null, path: ['default', key] };
  if (TOP_LEVEL_DEFAULT_KEYWORDS.has(key) && content.has(key)) return { value: content.get(key) ?? null, path: [key] };
  return undefined;
}

/**
 * `extends:` as `Extendable::Entry#extends_keys` reads it: one name or a list, each `to_s`. A job
 * may extend at most `MAX_EXTENDS_NESTING` levels deep: an entry with more ancestors than that may
 * not extend further (`Extendable::Entry::MAX_NESTING_LEVELS`, "nesting too deep in `extends`"),
 * so the deepest base read is `MAX_EXTENDS_NESTING + 1` levels below the job.
 */
export function extendsOf(job: ValueMap): string[] {
  const value = job.get('extends') ?? null;
  if (value === null) return []; // Array(nil)
  return (Array.isArray(value) ? value : [value]).map(rubyToS);
}

export const MAX_EXTENDS_NESTING = 10;

export type InheritSetting = boolean | readonly string[];

/** `inherit:default` / `inherit:variables` of a job: true (the default), false, or the names it keeps. */
export function inheritSetting(inherit: Value | undefined, kind: 'default' | 'variables'): InheritSetting {
  const setting = isValueMap(inherit) ? inherit.get(kind) : undefined;
  if (setting === false) return false;
  if (Array.isArray(setting)) return setting.filter((s): s is string => typeof s === 'string');
  return true;
}

export const inherits = (setting: InheritSetting, name: string): boolean => setting === true || (Array.isArray(setting) && setting.includes(name));
