import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../../harness/errors.js';
import { main, reportHarnessFailure } from '../../../harness/cli/main.js';
import { ScenarioError } from '../../../harness/integration/environment.js';
import type { Io } from '../../../scripts/cli/io.js';

function capture(): { io: Io; out: () => { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  const io: Io = { cwd: process.cwd(), stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), readStdin: async () => '' };
  return { io, out: () => ({ stdout, stderr }) };
}

async function harness(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out } = capture();
  const code = await main(argv, io);
  return { code, ...out() };
}

/** The text `catalog help test-integration` printed when the command was part of the catalog CLI, under the harness's name. */
const TEST_INTEGRATION_HELP = `Usage: node dist/harness/cli/main.js test-integration [options]

run an example pipeline end to end on a local Docker engine with a TLS registry
and moto standing in for ECR (root)

Options:
  --scenario <name>  buildx-ecr, podman-native or rebuild (default:
                     "buildx-ecr")
  --keep             keep the work directory (job logs) afterwards
  --verbose          show job logs live
  -h, --help         display help for command
`;

describe('the harness entry (node dist/harness/cli/main.js)', () => {
  it('describes test-integration', async () => {
    for (const argv of [['help', 'test-integration'], ['test-integration', '--help']]) expect(await harness(argv)).toEqual({ code: 0, stdout: TEST_INTEGRATION_HELP, stderr: '' });
    const top = await harness(['--help']);
    expect(top.stdout).toMatch(/^Usage: node dist\/harness\/cli\/main\.js \[options\] \[command\]\n/);
    expect(top.stdout).toContain('\n  test-integration [options]  run an example pipeline end to end on a local\n');
  });

  it('reports usage mistakes before anything starts: exit 2, one line or the help', async () => {
    expect(await harness(['test-integration', '--scenario', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'test-integration: --scenario: expected one of buildx-ecr, podman-native, rebuild\n',
    });
    expect(await harness(['test-integration', 'rebuild'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: too many arguments for 'test-integration'. Expected 0 arguments but got 1.\n\n${TEST_INTEGRATION_HELP}`,
    });
  });

  it('turns a failure into one line naming the command, never a stack trace', () => {
    const report = (error: unknown) => {
      const { io, out } = capture();
      return { code: reportHarnessFailure(error, io), ...out() };
    };
    // Operational: the run could not happen.
    expect(report(new HarnessError('moto_server did not become ready on http://127.0.0.1:5000: see /tmp/w/moto/moto.log'))).toEqual({
      code: 2,
      stdout: '',
      stderr: 'test-integration: moto_server did not become ready on http://127.0.0.1:5000: see /tmp/w/moto/moto.log\n',
    });
    expect(report(new ScenarioError('docker system df has no Build Cache row'))).toEqual({ code: 2, stdout: '', stderr: 'test-integration: docker system df has no Build Cache row\n' });
    // A failed pipeline is a failed run: exit 1, with the failed jobs' log tails.
    const failed = new ScenarioError('pipeline failed: \n--- build-image: script failure\nerror: no space left', { status: 'failed', jobs: [], errors: [] });
    expect(report(failed)).toEqual({ code: 1, stdout: '', stderr: 'test-integration: pipeline failed: \n--- build-image: script failure\nerror: no space left\n' });
    // A programming error says so.
    expect(report(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      code: 2,
      stdout: '',
      stderr: "test-integration: internal error: Cannot read properties of undefined (reading 'x')\n",
    });
  });
});
