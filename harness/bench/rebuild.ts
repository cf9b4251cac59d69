/**
 * The benchmark's part of integration scenario 3 (issue 4): a no-change rebuild of the buildx-ecr
 * example answered from the registry cache. It runs the scenario once (harness/integration/
 * scenario-rebuild.ts, with REBUILD_WORKLOAD so the build has work a cache can save) and reports the
 * build job and its "build and push" section for both builds: the second should take a fraction of
 * the first. Needs root (dockerd, namespaces); elsewhere it says why and reports nothing.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRoot } from '../integration/apt.js';
import { REBUILD_WORKLOAD, runRebuildScenarioStandalone } from '../integration/scenario-rebuild.js';

export interface RebuildBench {
  /** Why nothing was measured. */
  readonly skipped?: string;
  readonly rows?: readonly (readonly string[])[];
  readonly result?: {
    readonly firstBuildMs: number;
    readonly secondBuildMs: number;
    readonly firstSectionMs: number | undefined;
    readonly secondSectionMs: number | undefined;
    readonly cachedSteps: number;
    readonly steps: number;
  };
}

const seconds = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const share = (part: number | undefined, whole: number | undefined): string =>
  part === undefined || whole === undefined || whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(0)}%`;

export async function benchRebuild(repo: string, log: (line: string) => void): Promise<RebuildBench> {
  if (process.platform !== 'linux' || !isRoot()) return { skipped: 'needs root on Linux (dockerd, mount namespaces)' };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-rebuild-'));
  const run = await runRebuildScenarioStandalone({ workDir, repo, log, workload: REBUILD_WORKLOAD });
  const result = {
    firstBuildMs: run.firstBuildMs,
    secondBuildMs: run.secondBuildMs,
    firstSectionMs: run.first.buildSectionMs,
    secondSectionMs: run.second.buildSectionMs,
    cachedSteps: run.cachedSteps.length,
    steps: run.second.steps.length,
  };
  const rows = [
    ['rebuild with no change (registry cache)', 'first build', 'second build', 'second / first'],
    ['build job (login, build, push, checks)', seconds(result.firstBuildMs), seconds(result.secondBuildMs), share(result.secondBuildMs, result.firstBuildMs)],
    ['"build and push" section (whole seconds)', seconds(result.firstSectionMs), seconds(result.secondSectionMs), share(result.secondSectionMs, result.firstSectionMs)],
    ['Dockerfile steps CACHED', '', `${result.cachedSteps} of ${result.steps}`, ''],
  ];
  return { rows, result };
}
