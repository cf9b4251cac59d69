#!/usr/bin/env node
/**
 * The integration harness's command line (not part of the published package; built to
 * dist/harness/cli/main.js by harness/tsconfig.json):
 *   node dist/harness/cli/main.js test-integration [--scenario buildx-ecr|podman-native|rebuild] [--keep] [--verbose]
 * (`npm run test-integration -- …` builds it first). Exit codes: 0 the run passed; 1 it failed (its
 * pipeline failed, or what it checks did not hold); 2 it could not run (no root, a missing tool, a
 * service that did not start: one line `test-integration: <message>`, never a stack trace).
 */
import { defineCommand, type ProgramSpec } from '../../scripts/cli/args.js';
import { processIo, reportFailure, runCommandLine, runIfExecuted, type Run } from '../../scripts/cli/entry.js';
import type { ExitCode, Io } from '../../scripts/cli/io.js';
import { ScenarioError } from '../integration/environment.js';

/** The harness's one command, which names its failures. */
const COMMAND = 'test-integration';

export const PROGRAM: ProgramSpec<Run> = {
  name: 'node dist/harness/cli/main.js',
  description: "the catalog's integration harness (not in the package): example pipelines run end to end as root",
  groups: [],
  commands: [
    defineCommand({
      name: COMMAND,
      description: 'run an example pipeline end to end on a local Docker engine with a TLS registry and moto standing in for ECR (root)',
      arguments: [],
      options: [
        { flag: '--scenario', value: '<name>', description: 'buildx-ecr, podman-native or rebuild', default: 'buildx-ecr' },
        { flag: '--keep', description: 'keep the work directory (job logs) afterwards' },
        { flag: '--verbose', description: 'show job logs live' },
      ],
      run: ({ options }) => async (io) => {
        const { runTestIntegration } = await import('./test-integration.js');
        return runTestIntegration({ scenario: options.scenario, keep: options.keep, verbose: options.verbose }, io);
      },
    }),
  ],
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  try {
    return await runCommandLine(PROGRAM, argv, io);
  } catch (error) {
    return reportHarnessFailure(error, io);
  }
}

/**
 * A scenario whose pipeline failed is a failed run (exit 1): the message names the failed jobs with
 * the end of their logs. A scenario that could not be set up or checked (ScenarioError without a
 * pipeline) and a HarnessError are runs that could not happen (exit 2); anything else is an
 * internal error (exit 2).
 */
export function reportHarnessFailure(error: unknown, io: Io): ExitCode {
  if (!(error instanceof ScenarioError)) return reportFailure(COMMAND, error, io);
  io.stderr(`${COMMAND}: ${error.message.endsWith('\n') ? error.message : `${error.message}\n`}`);
  return error.pipeline === undefined ? 2 : 1;
}

await runIfExecuted(import.meta.url, main);
