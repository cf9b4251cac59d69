/**
 * The jobs of a rendered pipeline as the runner gets them: effective keywords through `extends:`,
 * `default:` and `inherit:` (the lint job model's `JobResolver`), `!reference` tags resolved,
 * stages (`.pre` first and `.post` last, GitLab's default list when `stages:` is absent),
 * predefined variables, and GitLab's expansion of variable values (server-side nested, runner one level).
 */
import { isValueMap, YamlReference, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { rubyToS } from '../../scripts/gitlab/ruby/inspect.js';
import { jobsOf, JobResolver, variableValue } from '../../scripts/lint/job-model.js';

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

const MAX_REFERENCE_DEPTH = 10;

/** Resolves `!reference [job, key, …]` tags anywhere in a value (nested up to 10 levels, as GitLab). */
export function resolveReferences(value: Value, pipeline: ValueMap, depth = 0): Value {
  if (value instanceof YamlReference) {
    if (depth >= MAX_REFERENCE_DEPTH) throw new Error('!reference: too deep nesting');
    let target: Value | undefined = pipeline;
    for (const segment of value.path) {
      target = isValueMap(target) && typeof segment === 'string' ? target.get(segment) : undefined;
    }
    if (target === undefined) throw new Error(`!reference [${value.path.map((p) => rubyToS(p)).join(', ')}] could not be found`);
    return resolveReferences(target, pipeline, depth + 1);
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, pipeline, depth));
  if (isValueMap(value)) return new Map([...value].map(([k, v]) => [k, resolveReferences(v, pipeline, depth)]));
  return value;
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
  const resolver = new JobResolver(pipeline);
  const declared = pipeline.get('stages');
  const stageList = Array.isArray(declared) ? declared.filter((s): s is string => typeof s === 'string') : [...DEFAULT_STAGES];
  const stages = ['.pre', ...stageList.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
  const jobs: PipelineJob[] = [];
  for (const ref of jobsOf(pipeline)) {
    if (ref.hidden) continue;
    const get = (key: string): Value | undefined => {
      const found = resolver.get(ref.name, key);
      if (!found) return undefined;
      try {
        return resolveReferences(found.value, pipeline);
      } catch (error) {
        errors.push(`${ref.name}: ${(error as Error).message}`);
        return undefined;
      }
    };
    // Trigger jobs (`trigger:`) start child pipelines, not scripts: out of scope for a shell runner.
    if (get('trigger') !== undefined) {
      warnings.push(`${ref.name}: trigger jobs are not run`);
      continue;
    }
    const stageValue = get('stage');
    const stage = typeof stageValue === 'string' ? stageValue : 'test';
    const stageIndex = stages.indexOf(stage);
    if (stageIndex < 0) {
      errors.push(`${ref.name}: chosen stage ${stage} does not exist; available stages are ${stages.join(', ')}`);
      continue;
    }
    if (scriptOf(get('script')).length === 0) {
      errors.push(`jobs:${ref.name} config should implement the script:, run:, or trigger: keyword`);
      continue;
    }
    const variables = new Map<string, Value>();
    for (const [name, entry] of resolver.variables(ref.name)) variables.set(name, resolveReferences(entry.value, pipeline));
    const artifacts = get('artifacts');
    const reports = isValueMap(artifacts) ? artifacts.get('reports') : undefined;
    const dotenv = isValueMap(reports) ? scriptOf(reports.get('dotenv')) : [];
    const idTokens = get('id_tokens');
    const dependencies = get('dependencies');
    const timeout = get('timeout');
    jobs.push({
      name: ref.name,
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
        variables,
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

export interface JobVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean | undefined;
  /** `expand: false` / a raw variable: its value is never expanded. */
  readonly raw?: boolean | undefined;
  /** A file-type variable: the value is written to a file and the variable holds its path. */
  readonly file?: boolean | undefined;
}

/** A `variables:` entry as the runner gets it: the value, and `raw` for `expand: false`. */
export function yamlVariable(key: string, value: Value): JobVariable | undefined {
  const text = variableValue({ value, path: [] });
  if (!text) return undefined;
  const raw = isValueMap(value) && value.get('expand') === false;
  return { key, value: text.value, raw };
}

const GITLAB_REFERENCE = /\$([a-zA-Z_][a-zA-Z0-9_]*)|\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|%([a-zA-Z_][a-zA-Z0-9_]*)%/g;

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

function sortAndExpandAll(variables: readonly JobVariable[]): JobVariable[] {
  const byKey = new Map<string, JobVariable>();
  for (const variable of variables) byKey.set(variable.key, variable);
  const cache = new Map<string, string>();
  const visiting = new Set<string>();
  let cyclic = false;
  const expandText = (text: string): string =>
    text.replace(GITLAB_REFERENCE, (match: string, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      const target = byKey.get(name);
      if (!target || target.raw || target.file) return match;
      return resolve(name, target);
    });
  const resolve = (key: string, variable: JobVariable): string => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (visiting.has(key)) {
      cyclic = true;
      return variable.value;
    }
    visiting.add(key);
    const value = expandText(variable.value);
    visiting.delete(key);
    cache.set(key, value);
    return value;
  };
  const expanded = variables.map((variable) => (variable.raw ? variable : { ...variable, value: expandText(variable.value) }));
  return cyclic ? [...variables] : expanded;
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

/** GitLab's `Gitlab::Utils.slugify`: lowercase, non-`[a-z0-9]` → `-`, first 63 characters, no leading/trailing `-`. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

export interface PipelineContext {
  readonly commitSha: string;
  /** Branch or tag name. */
  readonly ref: string;
  readonly tag?: boolean | undefined;
  readonly defaultBranch: string;
  /** `group/sub/project`. */
  readonly projectPath: string;
  /** The checkout the jobs run in (`CI_PROJECT_DIR`). */
  readonly projectDir: string;
  /** `https://gitlab.example.com` (no trailing slash). */
  readonly serverUrl: string;
  /** Container registry `host[:port]`; `CI_REGISTRY*` are set only when given. */
  readonly registry?: string | undefined;
  /** `CI_PROJECT_ID` (default 1): GitLab always sets it; ecr-login's default STS session name uses it. */
  readonly projectId?: number | undefined;
  readonly pipelineId?: number | undefined;
  /** The first job's id; later jobs count up. */
  readonly firstJobId?: number | undefined;
  readonly jobToken?: string | undefined;
  /** `push` unless told. */
  readonly pipelineSource?: string | undefined;
  readonly commitMessage?: string | undefined;
  readonly commitTimestamp?: string | undefined;
  readonly commitBeforeSha?: string | undefined;
}

/** Predefined variables that are the same for every job of the pipeline. */
export function pipelineVariables(ctx: PipelineContext): JobVariable[] {
  const server = new URL(ctx.serverUrl);
  const pathParts = ctx.projectPath.split('/');
  const name = pathParts[pathParts.length - 1] ?? ctx.projectPath;
  const namespace = pathParts.slice(0, -1).join('/');
  const vars: [string, string][] = [
    ['CI', 'true'],
    ['GITLAB_CI', 'true'],
    ['CI_SERVER', 'yes'],
    ['CI_SERVER_URL', ctx.serverUrl],
    ['CI_SERVER_HOST', server.hostname],
    ['CI_SERVER_PORT', server.port || (server.protocol === 'https:' ? '443' : '80')],
    ['CI_SERVER_PROTOCOL', server.protocol.replace(':', '')],
    ['CI_SERVER_FQDN', server.host],
    ['CI_API_V4_URL', `${ctx.serverUrl}/api/v4`],
    ['CI_PIPELINE_ID', String(ctx.pipelineId ?? 1)],
    ['CI_PIPELINE_IID', String(ctx.pipelineId ?? 1)],
    ['CI_PIPELINE_SOURCE', ctx.pipelineSource ?? 'push'],
    ['CI_PIPELINE_URL', `${ctx.serverUrl}/${ctx.projectPath}/-/pipelines/${ctx.pipelineId ?? 1}`],
    ['CI_PROJECT_ID', String(ctx.projectId ?? 1)],
    ['CI_PROJECT_PATH', ctx.projectPath],
    ['CI_PROJECT_PATH_SLUG', slugify(ctx.projectPath)],
    ['CI_PROJECT_NAME', name],
    ['CI_PROJECT_TITLE', name],
    ['CI_PROJECT_NAMESPACE', namespace],
    ['CI_PROJECT_ROOT_NAMESPACE', pathParts[0] ?? ''],
    ['CI_PROJECT_DIR', ctx.projectDir],
    ['CI_BUILDS_DIR', ctx.projectDir.slice(0, Math.max(1, ctx.projectDir.lastIndexOf('/')))],
    ['CI_PROJECT_URL', `${ctx.serverUrl}/${ctx.projectPath}`],
    ['CI_REPOSITORY_URL', `${ctx.serverUrl}/${ctx.projectPath}.git`],
    ['CI_DEFAULT_BRANCH', ctx.defaultBranch],
    ['CI_COMMIT_SHA', ctx.commitSha],
    ['CI_COMMIT_SHORT_SHA', ctx.commitSha.slice(0, 8)],
    ['CI_COMMIT_BEFORE_SHA', ctx.commitBeforeSha ?? '0000000000000000000000000000000000000000'],
    ['CI_COMMIT_REF_NAME', ctx.ref],
    ['CI_COMMIT_REF_SLUG', slugify(ctx.ref)],
    [ctx.tag ? 'CI_COMMIT_TAG' : 'CI_COMMIT_BRANCH', ctx.ref],
  ];
  if (ctx.tag) vars.push(['CI_COMMIT_TAG_MESSAGE', '']);
  if (ctx.commitMessage !== undefined) {
    vars.push(['CI_COMMIT_MESSAGE', ctx.commitMessage], ['CI_COMMIT_TITLE', ctx.commitMessage.split('\n')[0] ?? '']);
  }
  if (ctx.commitTimestamp !== undefined) vars.push(['CI_COMMIT_TIMESTAMP', ctx.commitTimestamp]);
  if (ctx.registry) {
    vars.push(['CI_REGISTRY', ctx.registry], ['CI_REGISTRY_IMAGE', `${ctx.registry}/${ctx.projectPath.toLowerCase()}`]);
  }
  return vars.map(([key, value]) => ({ key, value, raw: true }));
}

/** Predefined variables of one job (`CI_JOB_*`, the job token and the registry credentials). */
export function jobPredefinedVariables(ctx: PipelineContext, job: { name: string; stage: string; id: number }): JobVariable[] {
  const token = ctx.jobToken ?? `glcbt-local-${job.id}`;
  const vars: JobVariable[] = [
    { key: 'CI_JOB_ID', value: String(job.id), raw: true },
    { key: 'CI_JOB_NAME', value: job.name, raw: true },
    { key: 'CI_JOB_NAME_SLUG', value: slugify(job.name), raw: true },
    { key: 'CI_JOB_STAGE', value: job.stage, raw: true },
    { key: 'CI_JOB_URL', value: `${ctx.serverUrl}/${ctx.projectPath}/-/jobs/${job.id}`, raw: true },
    { key: 'CI_JOB_TOKEN', value: token, raw: true, masked: true },
  ];
  if (ctx.registry) {
    vars.push({ key: 'CI_REGISTRY_USER', value: 'gitlab-ci-token', raw: true }, { key: 'CI_REGISTRY_PASSWORD', value: token, raw: true, masked: true });
  }
  return vars;
}
