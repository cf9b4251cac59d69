/**
 * The variables GitLab gives a job besides the project's: its YAML `variables:` as collection items
 * (`YamlProcessor::Result#transform_to_array`), and the predefined `CI_*` variables of the pipeline
 * and of the job, for a pipeline described by a `PipelineContext` (ids, token and registry as the
 * caller sets them up).
 */
import { isValueMap, type Value } from '../ruby/value.js';
import type { JobVariable } from '../variables.js';
import { variableValue } from './located.js';

/** A `variables:` entry as the runner gets it: the value, and `raw` for `expand: false`. */
export function yamlVariable(key: string, value: Value): JobVariable | undefined {
  const text = variableValue({ value, path: [] });
  if (!text) return undefined;
  const raw = isValueMap(value) && value.get('expand') === false;
  return { key, value: text.value, raw };
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
