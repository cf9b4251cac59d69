/**
 * `test-integration [--scenario buildx-ecr|podman-native|rebuild] [--keep] [--verbose]` (./main.ts): runs
 * an example pipeline end to end against a real local Docker engine, a TLS registry standing in for
 * ECR and moto, and prints what the registry holds: the image index (buildx-ecr, podman-native; the
 * latter also the merge's refusals of a missing and of a mismatched platform), or the two build
 * times and cached steps of a no-change rebuild (rebuild). Progress goes to stderr, the result to
 * stdout. Needs root (dockerd, namespaces, apt for what is missing). The test suites under
 * test/integration assert on the same runs; this command shows them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../scripts/core/errors.js';
import { prepareHost } from '../integration/host.js';
import type { Log } from '../integration/process.js';
import { runBuildxEcrScenario, type BuildxEcrScenarioResult } from '../integration/scenario.js';
import type { ExitCode, Io } from '../../scripts/cli/io.js';

export interface TestIntegrationArgs {
  readonly scenario?: string | undefined;
  readonly keep?: boolean | undefined;
  readonly verbose?: boolean | undefined;
}

export const SCENARIOS = ['buildx-ecr', 'podman-native', 'rebuild'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The index as a Markdown-style table: one row per platform, the index digest and tags after it. */
export function indexTable(result: Pick<BuildxEcrScenarioResult, 'imageRef' | 'platforms' | 'unames' | 'registryDigest' | 'latestDigest'>): string {
  const rows = result.platforms.map((p) => [p.platform, p.digest, result.unames[p.platform] ?? '']);
  const header = ['platform', 'digest', 'uname -m'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `image index ${result.imageRef}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `latest: ${result.latestDigest === result.registryDigest ? 'same index' : (result.latestDigest ?? 'not set')}`,
    '',
  ].join('\n');
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface ScenarioRun {
  readonly ok: boolean;
  readonly output: string;
}

type ScenarioRunner = (options: { workDir: string; log: Log; repo: string; keep: boolean; verbose: boolean }) => Promise<ScenarioRun>;

/** What a run is made of: the host preparation and each scenario (tests put their own in). */
export interface TestIntegrationParts {
  readonly prepareHost: (log: Log) => Promise<void>;
  readonly scenarios: Readonly<Record<Scenario, ScenarioRunner>>;
}

const SCENARIO_RUNNERS: Readonly<Record<Scenario, ScenarioRunner>> = {
  'buildx-ecr': async (options) => {
    const result = await runBuildxEcrScenario(options);
    for (const job of result.pipeline.jobs) options.log(`job ${job.name}: ${job.status}${job.durationMs === undefined ? '' : ` (${seconds(job.durationMs)})`}`);
    const leaks = result.leaks.map((l) => `secret leak: ${l.secret} (${l.form}) in ${l.file}:${l.line}\n`).join('');
    return { ok: result.pipeline.status === 'success' && result.leaks.length === 0, output: indexTable(result) + leaks };
  },
  'podman-native': async (options) => {
    const { runPodmanNativeScenario } = await import('../integration/scenario-podman.js');
    const result = await runPodmanNativeScenario(options);
    const { good } = result;
    const refusals = [
      ['arm64 image deleted, merge re-run', result.missing],
      ['amd64 image under the arm64 tag, merge by tags', result.mismatchTemplate],
    ] as const;
    const output = [
      indexTable({ imageRef: `${good.image}@${good.indexDigest}`, platforms: good.platforms, unames: good.unames, registryDigest: good.indexDigest, latestDigest: good.tagDigests['latest'] }),
      ...refusals.map(([what, run]) => `${what}: pipeline ${run.run.pipeline.status}; ${run.errors.join('; ')}`),
      '',
    ].join('\n');
    return { ok: good.run.pipeline.status === 'success' && refusals.every(([, run]) => run.run.pipeline.status === 'failed'), output };
  },
  rebuild: async (options) => {
    const { REBUILD_WORKLOAD, runRebuildScenarioStandalone } = await import('../integration/scenario-rebuild.js');
    const result = await runRebuildScenarioStandalone({ ...options, workload: REBUILD_WORKLOAD });
    const section = (ms: number | undefined): string => (ms === undefined ? '?' : seconds(ms));
    const output = [
      `registry cache ${result.cacheTag}; local build cache and images emptied before each build`,
      `first build:  job ${seconds(result.firstBuildMs)}, "build and push" section ${section(result.first.buildSectionMs)}`,
      `second build: job ${seconds(result.secondBuildMs)}, "build and push" section ${section(result.second.buildSectionMs)}`,
      `${result.cachedSteps.length} of ${result.second.steps.length} step(s) of the second build CACHED:`,
      ...result.cachedSteps.map((step) => `  ${step}`),
      '',
    ].join('\n');
    return { ok: result.cachedSteps.length > 0, output };
  },
};

export async function runTestIntegration(
  args: TestIntegrationArgs,
  io: Io,
  parts: TestIntegrationParts = { prepareHost, scenarios: SCENARIO_RUNNERS },
): Promise<ExitCode> {
  const scenario = args.scenario ?? 'buildx-ecr';
  if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new UsageError(`--scenario: expected one of ${SCENARIOS.join(', ')}`);
  const started = Date.now();
  const log = (line: string) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  await parts.prepareHost(log);
  const keep = args.keep ?? false;
  const workDir = await mkdtemp(path.join(tmpdir(), 'catalog-integration-'));
  try {
    const result = await parts.scenarios[scenario as Scenario]({ workDir, log, repo: io.cwd, keep, verbose: args.verbose ?? false });
    io.stdout(result.output);
    return result.ok ? 0 : 1;
  } finally {
    // The environment removes what it put there; the directory itself is this command's.
    if (!keep) await rm(workDir, { recursive: true, force: true });
  }
}
