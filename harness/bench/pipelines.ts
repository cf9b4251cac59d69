/**
 * The benchmark's heavy groups (3–5), in job containers as test/pipelines/pipelines-in-job-containers.test.ts
 * runs the examples: gitlab-ci-local's docker executor on a job engine, dind as a TLS service, the
 * world (moto, the ECR registry, the Docker Hub mirror). Run on its own as
 * `flock -x /tmp/catalog-heavy.lock node dist/harness/bench/pipelines.js --out FILE` (bench.ts does
 * that); it writes what it measured as JSON (HeavyResults) and keeps the job logs in `FILE.logs/`;
 * `--out FILE --relog` reads those logs again into FILE.
 *
 * Pipelines, all on the default branch of one environment:
 * - `cache-cold`, `cache-no-change`, `cache-late-layer`: examples/buildx-ecr with `buildx-driver: docker`
 *   (no moby/buildkit here), the CPU-bound context harness/bench/cpu-app and three platforms (amd64
 *   natively, arm64 and ppc64le under QEMU), built three times: into an empty registry, again with no
 *   change, and with the `LATE` build argument changed (its last layer only). Each build job's dind is
 *   a new container, so only the registry cache can answer a step.
 * - `podman-native`: examples/podman-native with `emulation: true` for arm64 and ppc64le (their
 *   runners' CPUs are not this machine's), for podman-arch-build and manifest-merge of 3 platforms.
 * Per job: its wall time (gitlab-ci-local's), the components' sections (job-log.ts), and its real
 * work (the sections named in WORK); everything else is overhead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, keyPairVariables } from '../integration/cosign.js';
import { catalogRepo, startEnvironment } from '../integration/environment.js';
import { gitlabCiLocalDockerRunner, startJobEngine } from '../integration/gitlab-ci-local-docker.js';
import { checkGitlabCiLocal } from '../integration/gitlab-ci-local-run.js';
import { startWorld, WORLD_ENGINE_OPTIONS, WORLD_STAND_INS } from '../integration/job-world.js';
import { pipelineFailure, type ExtraVariable, type PipelineRun } from '../integration/runner.js';
import { parseYamlForEditing } from '../../scripts/gitlab/yaml/psych.js';
import { buildStepTimes, sectionsOf, secondsIn, type Section, type StepTime } from './job-log.js';

/** The component each job of the benchmarked pipelines runs. */
const COMPONENT: Readonly<Record<string, string>> = {
  'ecr-login-check': 'ecr-login (check job)',
  'build-image': 'buildx-ecr (+ ecr-login)',
  'verify-image': 'ecr-login (in a job of your own)',
  'podman-build-amd64': 'podman-arch-build (+ ecr-login)',
  'podman-build-arm64': 'podman-arch-build (+ ecr-login)',
  'podman-build-ppc64le': 'podman-arch-build (+ ecr-login)',
  'manifest-merge': 'manifest-merge (+ ecr-login)',
};

/** A component's real work: its sections that build, push or merge (or the check job's check). */
export const WORK_SECTIONS: readonly string[] = ['bx_build', 'pab_build', 'pab_push', 'mm_index', 'mm_push', 'ecr_login_check'];
/** ecr-login's own sections in any job. */
export const LOGIN_SECTIONS: readonly string[] = ['ecr_login', 'ecr_login_aws', 'ecr_login_registries'];

export const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/ppc64le'] as const;

export interface JobTiming {
  readonly pipeline: string;
  readonly job: string;
  readonly component: string;
  readonly status: string;
  readonly wallMs: number | undefined;
  readonly sections: readonly Section[];
  /** Seconds in WORK_SECTIONS. */
  readonly workS: number | undefined;
  /** Seconds in LOGIN_SECTIONS. */
  readonly loginS: number | undefined;
  /** Wall time minus work. */
  readonly overheadS: number | undefined;
  /** Wall time in no section (containers, services, clone, the lines between sections, after_script). */
  readonly outsideSectionsS: number | undefined;
  readonly steps: readonly StepTime[];
}

export interface HeavyResults {
  readonly date: string;
  /** Why nothing (or not everything) was measured. */
  readonly problems: readonly string[];
  readonly jobs: readonly JobTiming[];
  readonly tools: Readonly<Record<string, string>>;
  /** One-minute load average when the pipelines started and ended (absent in older results). */
  readonly loadAverage?: { readonly start: number; readonly end: number } | undefined;
}

function parseArgs(argv: readonly string[]): { out: string; logs: string; relog: boolean } {
  const i = argv.indexOf('--out');
  const out = i >= 0 ? argv[i + 1] : undefined;
  if (out === undefined) throw new Error('usage: pipelines --out FILE [--relog]');
  return { out: path.resolve(out), logs: `${path.resolve(out)}.logs`, relog: argv.includes('--relog') };
}

/** examples/<name>/.gitlab-ci.yml with `edit` applied to its YAML document. */
function example(repo: string, name: string, edit: (doc: ReturnType<typeof parseYamlForEditing>) => void): string {
  const doc = parseYamlForEditing(readFileSync(path.join(repo, 'examples', name, '.gitlab-ci.yml'), 'utf8'));
  edit(doc);
  return doc.toString();
}

function includeIndexes(doc: ReturnType<typeof parseYamlForEditing>, component: string): number[] {
  return Array.from({ length: doc.lengthAt(['include']) }, (_, i) => i).filter((i) => String(doc.scalarAt(['include', i, 'component'])).includes(`/${component}@`));
}

/** buildx-ecr on the CPU-bound context for three platforms, `LATE=<late>`. */
function cachePipeline(repo: string, late: number): string {
  return example(repo, 'buildx-ecr', (doc) => {
    for (const i of includeIndexes(doc, 'buildx-ecr')) {
      doc.set(['include', i, 'inputs', 'buildx-driver'], 'docker');
      doc.set(['include', i, 'inputs', 'context'], 'harness/bench/cpu-app');
      doc.set(['include', i, 'inputs', 'platforms'], PLATFORMS.join(' '));
      doc.set(['include', i, 'inputs', 'build-args'], `LATE=${late}\n`);
    }
    doc.set(['verify-image', 'variables', 'EXPECTED_PLATFORMS'], PLATFORMS.join(' '));
  });
}

function podmanPipeline(repo: string): string {
  return example(repo, 'podman-native', (doc) => {
    for (const i of includeIndexes(doc, 'podman-arch-build')) {
      if (doc.scalarAt(['include', i, 'inputs', 'arch']) !== 'amd64') doc.set(['include', i, 'inputs', 'emulation'], true);
    }
  });
}

/** One job's timings from its log and gitlab-ci-local's wall time. */
export function jobTiming(pipeline: string, job: { name: string; status: string; durationMs: number | undefined }, log: string): JobTiming {
  const sections = sectionsOf(log);
  const workS = secondsIn(sections, WORK_SECTIONS);
  const wallS = job.durationMs === undefined ? undefined : job.durationMs / 1000;
  return {
    pipeline,
    job: job.name,
    component: COMPONENT[job.name] ?? job.name,
    status: job.status,
    wallMs: job.durationMs,
    sections,
    workS,
    loginS: secondsIn(sections, LOGIN_SECTIONS),
    overheadS: wallS === undefined ? undefined : wallS - (workS ?? 0),
    outsideSectionsS: wallS === undefined || sections.length === 0 ? undefined : wallS - sections.reduce((n, s) => n + s.seconds, 0),
    steps: buildStepTimes(log),
  };
}

/** The run's job timings; each job's log is kept as `<logs>/<pipeline>/<job>.log` (the run's own directory is removed). */
function jobTimings(pipeline: string, run: PipelineRun, logs: string): JobTiming[] {
  mkdirSync(path.join(logs, pipeline), { recursive: true });
  return run.pipeline.jobs.map((j) => {
    const log = j.logFile === undefined ? '' : readFileSync(j.logFile, 'utf8');
    writeFileSync(path.join(logs, pipeline, `${j.name}.log`), log);
    return jobTiming(pipeline, { name: j.name, status: j.status, durationMs: j.durationMs }, log);
  });
}

/**
 * `--relog`: the timings of an earlier run's results read again from its kept logs (after a change
 * to how logs are read), wall times and statuses as they were measured.
 */
function relog(out: string, logs: string): void {
  const results = JSON.parse(readFileSync(out, 'utf8')) as HeavyResults;
  const jobs = results.jobs.map((j) => {
    const file = path.join(logs, j.pipeline, `${j.job}.log`);
    return existsSync(file) ? jobTiming(j.pipeline, { name: j.job, status: j.status, durationMs: j.wallMs }, readFileSync(file, 'utf8')) : j;
  });
  writeFileSync(out, `${JSON.stringify({ ...results, jobs } satisfies HeavyResults, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { out, logs, relog: again } = parseArgs(process.argv.slice(2));
  if (again) {
    relog(out, logs);
    return;
  }
  const repo = catalogRepo();
  const log = (line: string): void => {
    process.stderr.write(`[bench pipelines] ${line}\n`);
  };
  const results: { problems: string[]; jobs: JobTiming[]; tools: Record<string, string> } = { problems: [], jobs: [], tools: {} };
  const load = (): number => Number((os.loadavg()[0] ?? 0).toFixed(2));
  const loadAtStart = load();
  const save = (): void => writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), ...results, loadAverage: { start: loadAtStart, end: load() } } satisfies HeavyResults, null, 2)}\n`);
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    results.problems.push('needs root on Linux (job engine, namespaces)');
    save();
    return;
  }
  const problem = await checkGitlabCiLocal(log);
  if (problem !== undefined) {
    results.problems.push(`gitlab-ci-local cannot run here: ${problem}`);
    save();
    return;
  }
  const base = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-pipelines-'));
  const env = await startEnvironment({ workDir: path.join(base, 'env'), repo, log });
  try {
    const jobEngine = await startJobEngine({
      dir: mkdtempSync('/tmp/cbe-'),
      log,
      standIns: ['docker-cli', 'docker-dind', 'podman', ...WORLD_STAND_INS],
      ...WORLD_ENGINE_OPTIONS,
    });
    try {
      const world = await startWorld({ dir: path.join(base, 'world'), jobEngine, ecrHost: env.ecrHost, ecrPassword: env.token.password, log });
      try {
        const runner = gitlabCiLocalDockerRunner(env, jobEngine, { privileged: true, caFile: world.caBundle, networks: [world.network], volumes: world.volumes });
        // The buildx-ecr example signs its index with the project's key and verify-image checks it.
        const signing = keyPairVariables(await generateKeyPair(mkdtempSync(path.join(base, 'cosign-')), randomBytes(18).toString('base64url')));
        const runs: { name: string; text: string; variables?: ExtraVariable[] }[] = [
          { name: 'cache-cold', text: cachePipeline(repo, 1), variables: signing },
          { name: 'cache-no-change', text: cachePipeline(repo, 1), variables: signing },
          { name: 'cache-late-layer', text: cachePipeline(repo, 2), variables: signing },
          { name: 'podman-native', text: podmanPipeline(repo), variables: [{ key: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/gitlab-podman-push' }] },
        ];
        for (const r of runs) {
          log(`running ${r.name}`);
          const run = await runner.run(r.text, { name: r.name, verbose: false, variables: r.variables });
          if (run.pipeline.status !== 'success') results.problems.push(`${r.name}: ${pipelineFailure(run.pipeline).slice(0, 2000)}`);
          results.jobs.push(...jobTimings(r.name, run, logs));
          save();
        }
        results.tools['job images'] = 'stand-ins of docker:29.5.2-cli, docker:29.5.2-dind, quay.io/podman/stable:v5.8.7 (docs/image-stand-ins.md)';
      } finally {
        await world.stop();
      }
    } finally {
      await jobEngine.stop();
    }
  } catch (error) {
    results.problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    await env.stop();
    rmSync(base, { recursive: true, force: true });
    save();
  }
}

if (process.argv[1]?.endsWith(path.join('bench', 'pipelines.js'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench pipelines: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
