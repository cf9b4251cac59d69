/**
 * components/buildx-ecr/exporter-pushed.awk run by awk on real build logs (`--progress plain`) of
 * the docker driver on an engine with the containerd image store, where buildx before 0.21 pushes
 * twice: BuildKit's exporter, then the engine (`pushing <name> with docker`). The logs are two
 * attempts of one faulted run of the registry-faults integration test. The script names what the
 * exporter pushed only when the engine's push is what failed; buildx-ecr then reads those names
 * back from the registry instead of building again (test/integration/registry-faults.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const SCRIPT = path.join(REPO_ROOT, 'components/buildx-ecr/exporter-pushed.awk');
const fixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test/fixtures/buildx-logs', name), 'utf8');

/** The script's output for `log`, one line per name. */
function exporterPushed(log: string): string[] {
  const result = spawnSync('awk', ['-f', SCRIPT], { input: log, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((line) => line !== '');
}

describe('exporter-pushed.awk (buildx-ecr)', () => {
  it("names the exporter's push when the engine's second push failed (step #7 ERROR after step #5 DONE)", () => {
    // The log's `#5 pushing manifest for <name>@<digest> … done`, read off by hand.
    expect(exporterPushed(fixture('engine-push-failed.log'))).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/faults/buildx:e0ab8eb0@sha256:cf44fd53924bc0272e4661fe23fdad5e7a4b092b406cbbdc5d041de132b285b6',
    ]);
  });

  it("names nothing when the exporter's own push failed (no engine push was started)", () => {
    expect(exporterPushed(fixture('exporter-failed.log'))).toEqual([]);
  });

  it('names nothing when the engine push did not fail (the same log without its ERROR lines)', () => {
    const log = fixture('engine-push-failed.log')
      .split('\n')
      .filter((line) => !/ERROR/.test(line))
      .join('\n');
    expect(exporterPushed(log)).toEqual([]);
  });

  it('names nothing for a manifest push that did not finish (no `done`)', () => {
    const log = fixture('engine-push-failed.log')
      .split('\n')
      .filter((line) => !/pushing manifest for .* done$/.test(line))
      .join('\n');
    expect(exporterPushed(log)).toEqual([]);
  });
});
