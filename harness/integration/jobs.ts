/**
 * The jobs of a rendered pipeline as the runner gets them: GitLab's effective jobs
 * (`scripts/gitlab/jobs/resolve.ts`: `extends:`, `!reference`, `default:`, `inherit:`) reduced to what
 * the shell runner needs, with stages (`.pre` first and `.post` last, GitLab's default list when
 * `stages:` is absent); and a job's variables as its shell sees them: the server's expansion, then
 * the runner's own.
 */
import { rubyToS } from '../../scripts/gitlab/ruby/inspect.js';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { JobConfigError } from '../../scripts/gitlab/jobs/config-error.js';
import { resolveJobs, type ResolvedJob } from '../../scripts/gitlab/jobs/resolve.js';
import { sortAndExpandAll, type JobVariable } from '../../scripts/gitlab/variables.js';

export const DEFAULT_STAGES: readonly string[] = ['.pre', 'build', 'test', 'deploy', '.post'];

export interface Need {
  readonly job: string;
  readonly optional: boolean;
  /** Whether the needed job's artifacts (and dotenv) are passed. */
  readonly artifacts: boolean;
}

export interface PipelineJob {
  readonly name: string;
  readonly stage: string;
  readonly stageIndex: number;
  readonly config: {
    readonly image?: string | undefined;
    readonly beforeScript: readonly string[];
    readonly script: readonly string[];
    readonly afterScript: readonly string[];
    readonly rules?: Value | undefined;
    readonly only?: Value | undefined;
    readonly except?: Value | undefined;
    readonly when?: Value | undefined;
    readonly allowFailure?: Value | undefined;
    /** `undefined`: no `needs:` (stage order); `[]`: starts at once. */
    readonly needs?: readonly Need[] | undefined;
    /** `dependencies:` names, when set. */
    readonly dependencies?: readonly string[] | undefined;
    /** Merged `variables:` (top level as `inherit:` allows, the `extends:` chain, the job's own). */
    readonly variables: ReadonlyMap<string, Value>;
    /** `artifacts:reports:dotenv` paths. */
    readonly dotenv: readonly string[];
    /** `id_tokens` names. */
    readonly idTokens: readonly string[];
    readonly timeout?: string | undefined;
  };
}

export interface ResolvedPipeline {
  readonly stages: readonly string[];
  readonly jobs: readonly PipelineJob[];
  /** Configuration errors: GitLab would not create the pipeline. */
  readonly errors: readonly string[];
  /** What is left out (trigger jobs). */
  readonly warnings: readonly string[];
}

/** Script lines: a string, or an array whose nested arrays are flattened (one level deep in GitLab, any here). */
function scriptOf(value: Value | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((item) => scriptOf(item));
  return [rubyToS(value)];
}

function needsOf(value: Value | undefined): Need[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : value === null ? [] : [value];
  const needs: Need[] = [];
  for (const item of list) {
    if (typeof item === 'string') needs.push({ job: item, optional: false, artifacts: true });
    else if (isValueMap(item) && typeof item.get('job') === 'string') {
      // `needs:pipeline` / `needs:project` (cross-pipeline) have no `job:` of this pipeline and are not modelled.
      if (item.has('pipeline') || item.has('project')) continue;
      needs.push({ job: item.get('job') as string, optional: item.get('optional') === true, artifacts: item.get('artifacts') !== false });
    }
  }
  return needs;
}

function imageName(value: Value | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (isValueMap(value) && typeof value.get('name') === 'string') return value.get('name') as string;
  return undefined;
}

export function resolvePipeline(pipeline: ValueMap): ResolvedPipeline {
  const errors: string[] = [];
  const warnings: string[] = [];
  let config: ValueMap;
  let resolvedJobs: readonly ResolvedJob[];
  try {
    ({ config, jobs: resolvedJobs } = resolveJobs(pipeline));
  } catch (error) {
    if (!(error instanceof JobConfigError)) throw error;
    return { stages: [], jobs: [], errors: [error.message], warnings };
  }
  const declared = config.get('stages');
  const stageList = Array.isArray(declared) ? declared.filter((s): s is string => typeof s === 'string') : [...DEFAULT_STAGES];
  const stages = ['.pre', ...stageList.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
  const jobs: PipelineJob[] = [];
  for (const job of resolvedJobs) {
    if (job.hidden) continue;
    const get = (key: string): Value | undefined => job.config.get(key);
    // Trigger jobs (`trigger:`) start child pipelines, not scripts: out of scope for a shell runner.
    if (get('trigger') !== undefined) {
      warnings.push(`${job.name}: trigger jobs are not run`);
      continue;
    }
    const stageValue = get('stage');
    const stage = typeof stageValue === 'string' ? stageValue : 'test';
    const stageIndex = stages.indexOf(stage);
    if (stageIndex < 0) {
      errors.push(`${job.name}: chosen stage ${stage} does not exist; available stages are ${stages.join(', ')}`);
      continue;
    }
    if (scriptOf(get('script')).length === 0) {
      errors.push(`jobs:${job.name} config should implement the script:, run:, or trigger: keyword`);
      continue;
    }
    const artifacts = get('artifacts');
    const reports = isValueMap(artifacts) ? artifacts.get('reports') : undefined;
    const dotenv = isValueMap(reports) ? scriptOf(reports.get('dotenv')) : [];
    const idTokens = get('id_tokens');
    const dependencies = get('dependencies');
    const timeout = get('timeout');
    jobs.push({
      name: job.name,
      stage,
      stageIndex,
      config: {
        image: imageName(get('image')),
        beforeScript: scriptOf(get('before_script')),
        script: scriptOf(get('script')),
        afterScript: scriptOf(get('after_script')),
        rules: get('rules'),
        only: get('only'),
        except: get('except'),
        when: get('when'),
        allowFailure: get('allow_failure'),
        needs: needsOf(get('needs')),
        dependencies: Array.isArray(dependencies) ? dependencies.filter((d): d is string => typeof d === 'string') : undefined,
        variables: job.variables,
        dotenv,
        idTokens: isValueMap(idTokens) ? [...idTokens.keys()] : [],
        timeout: typeof timeout === 'string' ? timeout : undefined,
      },
    });
  }
  return { stages, jobs, errors, warnings };
}

// ---------------------------------------------------------------------------------------------
// Variables

/**
 * What a job's variables look like in its shell, in two steps as in GitLab:
 * 1. the server (`Ci::BuildRunnerPresenter#runner_variables`:
 *    `sort_and_expand_all(keep_undefined: true, expand_file_refs: false, expand_raw_refs: false)`)
 *    expands references between variables recursively (`$X`, `${X}`, `%X%`); undefined names and
 *    references to raw (`expand: false`) variables stay as written; a cycle leaves all unexpanded;
 * 2. the runner (`JobVariables.Expand`) expands every non-raw value once more against that list,
 *    `os.Expand`-style: unknown names become "", `$$` becomes `$`.
 */
export function expandJobVariables(variables: readonly JobVariable[]): JobVariable[] {
  const server = sortAndExpandAll(variables);
  const lookup = new Map<string, string>();
  for (const variable of server) lookup.set(variable.key, variable.value);
  return server.map((variable) => (variable.raw ? variable : { ...variable, value: expandValue(variable.value, lookup) }));
}

/** gitlab-runner `JobVariables.Get` through `os.Expand`: `${name}`, `$name`; `$$` is `$`; `$*`, `$1`… are "". */
export function expandValue(text: string, lookup: ReadonlyMap<string, string>): string {
  return text.replace(/\$(?:\{([^}]*)\}|([*#$@!?0-9-])|([A-Za-z_][A-Za-z0-9_]*))/g, (match, braced?: string, special?: string, plain?: string) => {
    if (special !== undefined) return special === '$' ? '$' : special === '-' ? (lookup.get('-') ?? '') : '';
    const name = braced ?? plain ?? '';
    if (braced !== undefined && braced === '') return match;
    return lookup.get(name) ?? '';
  });
}

/** The final environment: the last definition of each key, in order. */
export function toEnvironment(variables: readonly JobVariable[]): Map<string, JobVariable> {
  const env = new Map<string, JobVariable>();
  for (const variable of variables) {
    env.delete(variable.key);
    env.set(variable.key, variable);
  }
  return env;
}
