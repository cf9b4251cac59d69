/**
 * `catalog test-integration [--scenario buildx-ecr] [--keep] [--verbose]`: runs an example pipeline
 * end to end against a real local Docker engine, a TLS registry standing in for ECR and moto, and
 * prints the image index the registry holds. Progress goes to stderr, the table to stdout.
 * Needs root (dockerd, namespaces, apt for what is missing).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { runBuildxEcrScenario, type BuildxEcrScenarioResult } from '../../integration/scenario.js';
import type { ExitCode, Io } from '../io.js';

export interface TestIntegrationArgs {
  readonly scenario?: string | undefined;
  readonly keep?: boolean | undefined;
  readonly verbose?: boolean | undefined;
}

export const SCENARIOS = ['buildx-ecr'] as const;

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

export async function runTestIntegration(args: TestIntegrationArgs, io: Io): Promise<ExitCode> {
  const scenario = args.scenario ?? 'buildx-ecr';
  if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new UsageError(`--scenario: expected one of ${SCENARIOS.join(', ')}`);
  const started = Date.now();
  const workDir = await mkdtemp(path.join(tmpdir(), 'catalog-integration-'));
  const log = (line: string) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  const result = await runBuildxEcrScenario({ workDir, log, repo: io.cwd, keep: args.keep ?? false, verbose: args.verbose ?? false });
  for (const job of result.pipeline.jobs) log(`job ${job.name}: ${job.status} (${(job.durationMs / 1000).toFixed(1)} s)`);
  if (result.pipeline.status !== 'success') return 1;
  io.stdout(indexTable(result));
  return 0;
}
