/**
 * One interface for the harness's runners, so that neither a scenario nor a test is tied to one:
 * - the emulation (`emulationRunner`, environment.ts): our include processor renders the pipeline in
 *   the environment's project clone and pipeline.ts runs its jobs the way GitLab Runner's shell
 *   executor would;
 * - gitlab-ci-local (`gitlabCiLocalRunner`, gitlab-ci-local-run.ts): the independent tool parses
 *   the pipeline, resolves its includes, evaluates the rules and runs the jobs itself, in a clone of
 *   its own;
 * - gitlab-ci-local's docker executor (`gitlabCiLocalDockerRunner`, gitlab-ci-local-docker.ts): the
 *   same, but every job runs in a container of its `image:` with its `services:` on a job engine.
 * All run in an integration environment (environment.ts), every job shell inside its namespace,
 * and report in one shape (PipelineRun). What a runner cannot do is in its `capabilities`; a run
 * that asks for it is refused rather than run differently.
 */
import type { ValueMap } from '../../scripts/gitlab/ruby/value.js';

export type RunnerName = 'emulation' | 'gitlab-ci-local' | 'gitlab-ci-local-docker';

/** What a runner can do that GitLab does. */
export interface RunnerCapabilities {
  /**
   * Gives a job the JWT of each `id_tokens` name it declares, and only those. Without it (gitlab-ci-local
   * mints no ID tokens) the tokens are masked project variables every job gets, as ecr-login's
   * `id-token-variable` documents.
   */
  readonly idTokens: boolean;
  /** Runs tag pipelines (`tag: true`); gitlab-ci-local runs the checked-out branch only. */
  readonly tagPipelines: boolean;
  /** Keeps `raw` variables (`expand: false`) unexpanded; gitlab-ci-local expands every variable. */
  readonly rawVariables: boolean;
  /** Reports the pipeline as our include processor rendered it (`PipelineRun.rendered`). */
  readonly renderedPipeline: boolean;
  /**
   * Runs each job in a container of its `image:` with its `services:`, as GitLab's docker executor
   * does (gitlab-ci-local-docker.ts); without it, every job is a shell on this machine.
   */
  readonly jobContainers: boolean;
}

/** A variable the caller defines (like a project CI/CD variable): above everything in the YAML. */
export interface ExtraVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean | undefined;
  readonly file?: boolean | undefined;
  /** `expand: false` / "Expand variable reference" unchecked. */
  readonly raw?: boolean | undefined;
}

export interface RunOptions {
  /** A name for the run's files (`PipelineRun.dir`); unique per runner within the environment. */
  readonly name: string;
  /** The pipeline's branch or tag (default: the default branch). */
  readonly ref?: string | undefined;
  /** `ref` is a tag (refused by a runner without `tagPipelines`). */
  readonly tag?: boolean | undefined;
  /** Project CI/CD variables, added to `AWS_API_ENDPOINT` (moto). */
  readonly variables?: readonly ExtraVariable[] | undefined;
  /** The ID token of each name (see `RunnerCapabilities.idTokens`); default `AWS_ID_TOKEN`: a GitLab-shaped JWT for `ref`. */
  readonly idTokens?: Readonly<Record<string, string>> | undefined;
  /** Added to (or replacing) the jobs' base environment `env.jobEnv`. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * Paths (relative) of the environment's project that are not committed but needed (a build
   * context written by the scenario): a runner that works in a clone of its own copies them there.
   */
  readonly copy?: readonly string[] | undefined;
  /**
   * JSON schema rules not to enforce, for a runner that validates the pipeline with GitLab's editor
   * schema (gitlab-ci-local's `--ignore-schema-paths`) where that schema is stricter than GitLab.
   */
  readonly ignoreSchemaPaths?: readonly string[] | undefined;
  /** Job output goes to the environment's log too (default: the environment's `verbose`). */
  readonly verbose?: boolean | undefined;
}

export type JobStatus = 'success' | 'failed' | 'skipped' | 'manual';

export interface JobResult {
  readonly name: string;
  readonly stage: string;
  /** `skipped`: in the pipeline but never started; `manual`: a manual job nobody started. */
  readonly status: JobStatus;
  /** Failed, but `allow_failure` lets the pipeline go on. */
  readonly allowedFailure: boolean;
  /** Wall time; undefined from a runner that does not report it. */
  readonly durationMs?: number | undefined;
  /** Absent for jobs that did not run. */
  readonly logFile?: string | undefined;
  /** The job's `artifacts:reports:dotenv` variables. */
  readonly dotenv: Readonly<Record<string, string>>;
  /** The job's `image:`: the one the emulation would use (it runs none), the one a runner with `jobContainers` ran it in. */
  readonly image?: string | undefined;
  /** The services started for the job: `<image> (<aliases>)` (a runner with `jobContainers`). */
  readonly services?: readonly string[] | undefined;
  readonly exitCode?: number | undefined;
  readonly reason?: string | undefined;
  /** The last lines of the log of a job that did not succeed. */
  readonly logTail?: readonly string[] | undefined;
  /**
   * What the runner let pass without changing the job's status: an after_script that failed (GitLab
   * ignores it too), a dotenv report GitLab would have rejected (gitlab-ci-local is lenient).
   */
  readonly warnings?: readonly string[] | undefined;
}

export interface PipelineResult {
  /** `blocked`: a manual job that does not allow failure holds the rest back. */
  readonly status: 'success' | 'failed' | 'blocked';
  readonly jobs: readonly JobResult[];
  /** Why the pipeline failed as a whole: configuration and rule errors, a runner that exited non-zero. */
  readonly errors: readonly string[];
}

export interface PipelineRun {
  readonly runner: RunnerName;
  readonly pipeline: PipelineResult;
  /** The run's own directory, `<workDir>/<runner's group>/<name>`. */
  readonly dir: string;
  /** The jobs' CI_PROJECT_DIR: the environment's project clone, or the runner's own clone of it. */
  readonly project: string;
  /** The directories holding what the jobs printed and reported (their logs, stored reports). */
  readonly jobOutput: readonly string[];
  /** Every secret value the run handed to jobs (ID tokens), for leak checks. */
  readonly secrets: readonly string[];
  /** The rendered pipeline the runner ran, from a runner with `renderedPipeline`. */
  readonly rendered?: ValueMap | undefined;
  /** What the runner itself printed, from a runner that is a program of its own (gitlab-ci-local). */
  readonly output?: { readonly stdout: string; readonly stderr: string } | undefined;
}

export interface Runner {
  readonly name: RunnerName;
  readonly capabilities: RunnerCapabilities;
  /** Runs `pipelineText` (a `.gitlab-ci.yml`) in the environment the runner was made for. */
  run(pipelineText: string, options: RunOptions): Promise<PipelineRun>;
}

/** A failed pipeline as one message: its errors, and each failed job's reason, warnings and log tail. */
export function pipelineFailure(pipeline: PipelineResult): string {
  const shown = pipeline.jobs.filter((j) => j.status === 'failed' || (j.warnings?.length ?? 0) > 0);
  return (
    `pipeline ${pipeline.status}: ${pipeline.errors.join('; ')}\n` +
    shown.map((j) => `--- ${j.name}: ${[j.reason ?? '', ...(j.warnings ?? [])].join('; ')}\n${(j.logTail ?? []).join('\n')}`).join('\n')
  );
}
