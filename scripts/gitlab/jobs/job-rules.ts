/**
 * Job `rules:`, `only:`/`except:` and `when:` as GitLab decides whether a job is part of a
 * pipeline. `rules:if` and `only:variables` use the pipeline expression language
 * (`../expression.ts`) against the job's variables, an undefined variable being null.
 *
 * `rules:changes` follows `gitlabhq/gitlabhq: lib/gitlab/ci/build/rules/rule/clause/changes.rb`
 * (`satisfied_by?`) and the pipeline's paths (`app/models/ci/pipeline.rb`: `changed_paths`,
 * `modified_paths_since`): the globs and `compare_to` are expanded with the job's variables
 * (`ExpandVariables.expand_existing`); with `compare_to` the paths are those changed since the
 * merge base of that ref and the commit, an unknown ref being the error
 * `rules:changes:compare_to is not a valid ref`; without it, a merge request pipeline's are the
 * merge request's, an updated branch's those of the push, and every other pipeline (a new branch,
 * a tag, a schedule, the web) has none to compare, so the clause holds. No path changed, or no
 * glob: it does not hold. A path matches a glob by `File.fnmatch?` with
 * FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB (`../ruby/fnmatch.ts`).
 */
import { evaluateExpression, regexOfString, testRegex, type ExpressionResult } from '../expression.js';
import { fnmatchPathname } from '../ruby/fnmatch.js';
import { isValueMap, type Value } from '../ruby/value.js';
import { expandExisting } from '../variables.js';

/** Evaluates a `rules:if` / `only:variables` expression against the job's variables (undefined is null). */
export function evaluateVariableExpression(expression: string, variables: ReadonlyMap<string, string>): ExpressionResult {
  return evaluateExpression(expression, (reference) => (reference.kind === 'variable' ? (variables.get(reference.name) ?? null) : null));
}

export type When = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed' | 'never';
const WHENS: ReadonlySet<string> = new Set(['on_success', 'on_failure', 'always', 'manual', 'delayed', 'never']);

export interface Inclusion {
  /** `never`: the job is not part of the pipeline. */
  readonly when: When;
  /** Variables of the matching rule (unexpanded values). */
  readonly variables: ReadonlyMap<string, Value>;
  /** `allow_failure` of the matching rule, when it sets one. */
  readonly allowFailure?: Value | undefined;
  /** Why the job was left out or how it was decided, for the log. */
  readonly reason: string;
  readonly errors: readonly string[];
}

export interface RefContext {
  /** The branch or tag name. */
  readonly ref: string;
  readonly tag: boolean;
  /** `CI_PIPELINE_SOURCE`: `push`, `web`, `schedule`, `merge_request_event`… */
  readonly source: string;
}

export interface InclusionInput {
  readonly rules?: Value | undefined;
  readonly only?: Value | undefined;
  readonly except?: Value | undefined;
  readonly when?: Value | undefined;
  readonly variables: ReadonlyMap<string, string>;
  readonly ref: RefContext;
  /** `rules:exists`: whether a path (relative to the project) exists. Globs are not expanded. */
  readonly exists?: ((path: string) => boolean) | undefined;
  /**
   * `rules:changes`: the paths the pipeline changed, as GitLab computes them. Without it every
   * `changes:` clause holds (what GitLab does when it has nothing to compare).
   */
  readonly changes?: ChangedPaths | undefined;
}

/** What a pipeline's `rules:changes` compares against (see the module comment). */
export interface ChangedPaths {
  /**
   * Without `compare_to`: the merge request's or the branch push's changed paths; undefined when
   * GitLab has none (new branch, tag, schedule, web, API…), which makes the clause hold.
   */
  readonly pipeline: () => readonly string[] | undefined;
  /** The paths changed since the merge base of `ref` and the pipeline's commit; undefined when `ref` names no commit. */
  readonly since: (ref: string) => readonly string[] | undefined;
}

/** `Clause::Changes::CHANGES_MAX_PATTERN_COMPARISONS`. */
const CHANGES_MAX_PATTERN_COMPARISONS = 50_000;

/** GitLab's text when `compare_to` names no commit (`Rules::Rule::Clause::ParseError`). */
export const COMPARE_TO_NOT_A_REF = 'rules:changes:compare_to is not a valid ref';

const jobWhen = (when: Value | undefined): When => (typeof when === 'string' && WHENS.has(when) ? (when as When) : 'on_success');

/**
 * Whether and how a job runs: the first rule whose clauses all hold decides (`when:` defaults to
 * the job's `when:`), no matching rule means `never`; without `rules:`, `only`/`except` decide
 * (GitLab's default is `only: [branches, tags]`).
 */
export function evaluateInclusion(input: InclusionInput): Inclusion {
  const errors: string[] = [];
  if (input.rules !== undefined && input.rules !== null) {
    const rules = Array.isArray(input.rules) ? input.rules : [];
    for (const [index, rule] of rules.entries()) {
      if (!isValueMap(rule)) continue;
      if (!ruleMatches(rule, input, errors)) continue;
      const when = rule.has('when') ? jobWhen(rule.get('when')) : jobWhen(input.when);
      const variables = rule.get('variables');
      return {
        when,
        variables: isValueMap(variables) ? variables : new Map(),
        allowFailure: rule.get('allow_failure'),
        reason: `rule ${index + 1} matched (when: ${when})`,
        errors,
      };
    }
    return { when: 'never', variables: new Map(), reason: 'no rule matched', errors };
  }
  const only = input.only ?? (input.except === undefined ? undefined : null);
  if (only !== undefined && only !== null && !refPolicyMatches(only, input, errors)) {
    return { when: 'never', variables: new Map(), reason: 'excluded by only:', errors };
  }
  if (input.except !== undefined && input.except !== null && refPolicyMatches(input.except, input, errors)) {
    return { when: 'never', variables: new Map(), reason: 'excluded by except:', errors };
  }
  const when = jobWhen(input.when);
  return { when, variables: new Map(), reason: `when: ${when}`, errors };
}

function ruleMatches(rule: ReadonlyMap<string, Value>, input: InclusionInput, errors: string[]): boolean {
  const condition = rule.get('if');
  if (typeof condition === 'string') {
    const result = evaluateVariableExpression(condition, input.variables);
    if (!result.ok) {
      errors.push(result.error);
      return false;
    }
    if (!result.matches) return false;
  }
  const exists = rule.get('exists');
  if (exists !== undefined && input.exists) {
    const paths = (isValueMap(exists) ? exists.get('paths') : exists) ?? [];
    const list = (Array.isArray(paths) ? paths : [paths]).filter((p): p is string => typeof p === 'string');
    // Globs are not expanded here: a pattern with glob characters counts as present.
    if (!list.some((p) => /[*?[{]/.test(p) || input.exists?.(p))) return false;
  }
  const changes = rule.get('changes');
  if (changes !== undefined && changes !== null && input.changes) {
    const matched = changesMatch(changes, input.changes, input.variables);
    if (typeof matched === 'string') {
      errors.push(matched);
      return false;
    }
    if (!matched) return false;
  }
  return true;
}

/** `Clause::Changes#satisfied_by?`: true, false, or GitLab's error text. */
function changesMatch(changes: Value, paths: ChangedPaths, variables: ReadonlyMap<string, string>): boolean | string {
  const list = [...variables].map(([key, value]) => ({ key, value }));
  const expand = (text: string): string => {
    const expanded = expandExisting(text, list, false);
    return expanded.ok ? expanded.value : text;
  };
  // `changes: [globs]` is `changes: {paths: [globs]}` (Entry::Rules::Rule::Changes).
  const globsValue = isValueMap(changes) ? changes.get('paths') : changes;
  const globs = (Array.isArray(globsValue) ? globsValue : [globsValue]).filter((g): g is string => typeof g === 'string');
  const compareTo = isValueMap(changes) ? changes.get('compare_to') : undefined;
  let modified: readonly string[] | undefined;
  if (typeof compareTo === 'string') {
    modified = paths.since(expand(compareTo));
    if (modified === undefined) return COMPARE_TO_NOT_A_REF;
  } else {
    modified = paths.pipeline();
    if (modified === undefined) return true;
  }
  if (modified.length === 0) return false;
  const expanded = [...new Set([...new Set(globs)].map(expand))];
  if (expanded.length === 0) return false;
  // Past CHANGES_MAX_PATTERN_COMPARISONS comparisons GitLab assumes a match.
  if (modified.length * expanded.length > CHANGES_MAX_PATTERN_COMPARISONS) return true;
  return modified.some((path) => expanded.some((glob) => fnmatchPathname(glob, path)));
}

/** `only:`/`except:` in the array form (refs) or the hash form (`refs:`, `variables:`). */
function refPolicyMatches(policy: Value, input: InclusionInput, errors: string[]): boolean {
  if (isValueMap(policy)) {
    const refs = policy.get('refs');
    const variables = policy.get('variables');
    const refsOk = refs === undefined || refsMatch(refs, input.ref);
    const variablesOk =
      variables === undefined ||
      (Array.isArray(variables) ? variables : [variables]).some((expression) => {
        if (typeof expression !== 'string') return false;
        const result = evaluateVariableExpression(expression, input.variables);
        if (!result.ok) errors.push(result.error);
        return result.ok && result.matches;
      });
    return refsOk && variablesOk;
  }
  return refsMatch(policy, input.ref);
}

function refsMatch(refs: Value, ref: RefContext): boolean {
  const list = (Array.isArray(refs) ? refs : [refs]).filter((r): r is string => typeof r === 'string');
  return list.some((entry) => {
    if (entry === 'branches') return !ref.tag;
    if (entry === 'tags') return ref.tag;
    if (entry === 'pushes') return ref.source === 'push';
    if (['api', 'external', 'pipelines', 'schedules', 'triggers', 'web', 'merge_requests', 'chat', 'external_pull_requests'].includes(entry)) {
      const sources: Record<string, string> = { pipelines: 'pipeline', schedules: 'schedule', triggers: 'trigger', merge_requests: 'merge_request_event' };
      return ref.source === (sources[entry] ?? entry);
    }
    const regex = regexOfString(entry);
    if (regex) return testRegex(regex, ref.ref);
    return entry === ref.ref;
  });
}
