/**
 * What GitLab checks in a merged pipeline before it creates any job, with GitLab's texts:
 * - `extends:` and `!reference` that cannot be resolved (`extends.ts`, `references.ts`);
 * - `Entry::Jobs`: "jobs config should contain at least one visible job";
 * - `YamlProcessor#run_logical_validations!` (gitlabhq lib/gitlab/ci/yaml_processor.rb) on each
 *   visible job: its stage among the pipeline's (`.pre`, the `stages:` or build/test/deploy,
 *   `.post`; a job without `stage:` is in `test`), `dependencies:` and `needs:` (also in `rules:`)
 *   naming jobs of the pipeline in the same or an earlier stage (an `optional: true` need may name
 *   none), needs listed twice, `environment:on_stop`; then needs that form a cycle;
 * - `Pipeline::Seed::Build#needs_errors`: at most `ci_needs_size_limit` (50) needs per job.
 * GitLab stops at the first error; every error is returned here, each with the configuration path
 * it is about (before `extends:` is merged: where the value is written).
 *
 * Parallel jobs are checked under the names they are written with: a need of `build` covers every
 * `build 1/2`…, and a need of `build 1/2` (or a matrix instance) is taken as a need of `build`.
 */
import { closestNames, quotedAlternatives } from '../../core/suggest.js';
import { rubyToS } from '../ruby/inspect.js';
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';
import type { JobConfigError } from './config-error.js';
import { expandExtends } from './extends.js';
import { JobResolver } from './located.js';
import { isHiddenJobName, jobsOf } from './model.js';
import { resolveAllReferences } from './references.js';

export interface PipelineError {
  readonly message: string;
  /** Where in the configuration (as written, before `extends:`) the problem is. */
  readonly path: readonly PathSegment[];
  /** Whether the problem is the key at `path` (a job) or its value. */
  readonly part: 'key' | 'value';
  /** Ours, not GitLab's: the job names near a misspelt one. */
  readonly hint?: string | undefined;
}

/** `Config::Entry::Stages` wrapped with the edge stages (`.pre`, `.post`). */
export const DEFAULT_STAGES = ['build', 'test', 'deploy'] as const;
/** `Entry::Job`'s default stage. */
export const DEFAULT_JOB_STAGE = 'test';
/** `ci_needs_size_limit`'s default (plan limit). */
export const NEEDS_LIMIT = 50;
/** `Ci::BuildNeed::MAX_JOB_NAME_LENGTH`. */
export const MAX_NEED_NAME_LENGTH = 255;

export function validatePipeline(config: ValueMap): PipelineError[] {
  const errors: PipelineError[] = [];
  const sink = (error: JobConfigError) => errors.push({ message: error.message, path: error.path ?? [], part: 'value', hint: extendsHint(error, config) });
  const resolved = resolveAllReferences(expandExtends(config, sink), sink);
  const located = new JobResolver(config);
  const at = (job: string, key: string, ...rest: PathSegment[]): PipelineError['path'] => {
    const own = located.own(job, key);
    return own ? [...own.path, ...rest] : [job];
  };

  const jobs = jobsOf(resolved).filter((job) => !job.hidden);
  if (jobs.length === 0) {
    errors.push({ message: 'jobs config should contain at least one visible job', path: [], part: 'value' });
    return errors;
  }
  const stages = stagesOf(resolved);
  if (!stages) return errors;
  const stageOf = new Map(jobs.map((job) => [job.name, job.job.get('stage') ?? DEFAULT_JOB_STAGE]));
  const stageIndex = (name: string) => {
    const stage = stageOf.get(name);
    return typeof stage === 'string' ? stages.indexOf(stage) : -1;
  };
  const parallel = jobs.filter((job) => job.job.has('parallel')).map((job) => job.name);
  /** The job a name stands for: itself, or the parallel job whose instance it names. */
  const jobNamed = (name: string) => (stageOf.has(name) ? name : parallel.find((job) => name.startsWith(`${job} `)));

  const needsGraph = new Map<string, string[]>();
  for (const { name, job } of jobs) {
    const stage = stageOf.get(name) as Value;
    if (typeof stage !== 'string' || !stages.includes(stage)) {
      errors.push({
        message: `${name} job: chosen stage ${rubyToS(stage)} does not exist; available stages are ${stages.join(', ')}`,
        path: job.has('stage') ? at(name, 'stage') : [name],
        part: job.has('stage') ? 'value' : 'key',
      });
    }
    const dependency = (kind: 'dependency' | 'need', other: string, path: readonly PathSegment[], optional = false) => {
      const target = jobNamed(other);
      if (target === undefined) {
        if (!optional) errors.push({ message: `${name} job: undefined ${kind}: ${other}`, path, part: 'value', hint: didYouMean(other, [...stageOf.keys()]) });
        return;
      }
      if (kind === 'need' && other.length > MAX_NEED_NAME_LENGTH) {
        errors.push({ message: `${name} job: need \`${other}\` name is too long (maximum is ${MAX_NEED_NAME_LENGTH} characters)`, path, part: 'value' });
      }
      const own = stageIndex(name);
      const theirs = stageIndex(target);
      if (own >= 0 && (theirs < 0 || theirs > own)) {
        errors.push({ message: `${name} job: ${kind} ${other} is not defined in current or prior stages`, path, part: 'value' });
      }
    };

    const dependencies = job.get('dependencies');
    if (Array.isArray(dependencies)) {
      dependencies.forEach((item, i) => {
        if (typeof item === 'string') dependency('dependency', item, at(name, 'dependencies', i));
      });
    }

    const needSets: { needs: Value | undefined; base: PipelineError['path'] }[] = [{ needs: job.get('needs'), base: at(name, 'needs') }];
    const rules = job.get('rules');
    if (Array.isArray(rules)) {
      rules.forEach((rule, r) => {
        if (isValueMap(rule) && rule.has('needs')) needSets.push({ needs: rule.get('needs'), base: at(name, 'rules', r, 'needs') });
      });
    }
    needSets.forEach(({ needs, base }, set) => {
      const list = jobNeeds(needs);
      for (const need of list) dependency('need', need.name, [...base, ...needPath(needs, need.index, need.inHash)], need.optional);
      const seen = new Set<string>();
      const duplicated = [...new Set(list.map((n) => n.name).filter((n) => seen.has(n) || !seen.add(n)))];
      if (duplicated.length > 0) errors.push({ message: `${name} has the following needs duplicated: ${duplicated.join(', ')}.`, path: base, part: 'value' });
      if (set > 0) return;
      const count = needsCount(needs);
      if (count > NEEDS_LIMIT) {
        errors.push({
          message: `${name}: one job can only need ${NEEDS_LIMIT} others, but you have listed ${count}. See needs keyword documentation for more details`,
          path: base,
          part: 'value',
        });
      }
      needsGraph.set(name, list.map((n) => jobNamed(n.name)).filter((n): n is string => n !== undefined));
    });

    errors.push(...onStopErrors(name, job, resolved, at));
  }

  const cycle = findCycle(needsGraph);
  if (cycle) errors.push({ message: 'The pipeline has circular dependencies', path: at(cycle, 'needs'), part: 'value' });
  return errors;
}

/** `did you mean "a"?` among `names`, or nothing when none is near. */
function didYouMean(name: string, names: readonly string[]): string | undefined {
  const near = closestNames(name, names);
  return near.length > 0 ? `did you mean ${quotedAlternatives(near)}?` : undefined;
}

/** For `unknown keys in \`extends\``: the entries near each unknown base. */
function extendsHint(error: JobConfigError, config: ValueMap): string | undefined {
  const unknown = /: unknown keys in `extends` \((.*)\)$/.exec(error.message)?.[1];
  if (unknown === undefined) return undefined;
  const names = [...config.keys()];
  const hints = unknown.split(', ').flatMap((base) => didYouMean(base, names) ?? []);
  return hints.length > 0 ? hints.join('; ') : undefined;
}

/** `.pre`, the pipeline's stages (default build, test, deploy), `.post`; undefined when `stages:` is not a list of strings. */
function stagesOf(config: ValueMap): string[] | undefined {
  const declared = config.get('stages') ?? null;
  const stages = declared === null ? [...DEFAULT_STAGES] : declared;
  if (!Array.isArray(stages) || !stages.every((s) => typeof s === 'string')) return undefined;
  return [...new Set(['.pre', ...(stages as string[]), '.post'])];
}

interface JobNeed {
  readonly name: string;
  readonly optional: boolean;
  /** Its index in the needs list, and whether it is written as a hash (`{job: …}`). */
  readonly index: number;
  readonly inHash: boolean;
}

/** The needs of kind `job` (`Entry::Need`): a name, or a hash with `job:` and no `pipeline:`/`project:`. */
function jobNeeds(needs: Value | undefined): JobNeed[] {
  if (needs === undefined || needs === null) return [];
  const list = Array.isArray(needs) ? needs : [needs];
  const found: JobNeed[] = [];
  list.forEach((need, index) => {
    if (typeof need === 'string') found.push({ name: need, optional: false, index, inHash: false });
    else if (isValueMap(need) && typeof need.get('job') === 'string' && !need.has('pipeline') && !need.has('project')) {
      found.push({ name: need.get('job') as string, optional: need.get('optional') === true, index, inHash: true });
    }
  });
  return found;
}

const needsCount = (needs: Value | undefined): number => (Array.isArray(needs) ? needs.length : needs === undefined || needs === null ? 0 : 1);

/** The path of one need under `needs:` (a list item, its `job:` for a hash; the value itself when `needs:` is one hash). */
const needPath = (needs: Value | undefined, index: number, inHash: boolean): PathSegment[] => [
  ...(Array.isArray(needs) ? [index] : []),
  ...(inHash ? ['job'] : []),
];

/** `validate_on_stop_job!`. */
function onStopErrors(
  name: string,
  job: ValueMap,
  config: ValueMap,
  at: (job: string, key: string, ...rest: PathSegment[]) => PipelineError['path'],
): PipelineError[] {
  const environment = job.get('environment');
  if (!isValueMap(environment)) return [];
  const onStop = environment.get('on_stop');
  if (typeof onStop !== 'string') return [];
  const path = at(name, 'environment', 'on_stop');
  const error = (problem: string): PipelineError[] => [{ message: `${name} job: on_stop job ${onStop} ${problem}`, path, part: 'value' }];
  const stopJob = isHiddenJobName(onStop) ? undefined : config.get(onStop);
  if (!isValueMap(stopJob)) return error('is not defined');
  const stopEnvironment = stopJob.get('environment');
  if (stopEnvironment === undefined || stopEnvironment === null) return error('does not have environment defined');
  const nameOf = (env: Value | undefined) => (isValueMap(env) ? env.get('name') : env);
  if (!isValueMap(stopEnvironment) || nameOf(stopEnvironment) !== nameOf(environment)) return error('have different environment name');
  if (stopEnvironment.get('action') !== 'stop') return error('needs to have action stop defined');
  return [];
}

/** A job on a cycle of `needs:` (Ruby's TSort raises `Cyclic`): the first met again while its needs are followed. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string): string | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return node;
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node);
    if (found !== undefined) return found;
  }
  return undefined;
}
