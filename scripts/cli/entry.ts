/**
 * What a command-line entry point is made of: the `catalog` bin (./main.ts) and the integration
 * harness's (harness/cli/main.ts, not shipped). The only module that touches the process's streams
 * and exit code. An entry point answers help and usage mistakes as commander did, runs the command,
 * and turns a failure into one line on stderr and exit code 2, never a stack trace. A reader that
 * goes away (`catalog render x.yml | head`, EPIPE) ends the output quietly, as with any Unix tool:
 * what is left to write is dropped and the command finishes with its own exit code (stopping it
 * at once could leave a temporary file of an atomic write behind).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ToolkitError } from '../core/errors.js';
import { decodeUtf8 } from '../core/utf8.js';
import { parseCommandLine, type ProgramSpec } from './args.js';
import type { ExitCode, Io } from './io.js';

/** What a command of an entry point's program does once parsed. */
export type Run = (io: Io) => Promise<ExitCode>;

/** Set when writing to standard output or error failed for another reason than a closed pipe: exit 2. */
let outputFailed = false;

/** A writer to `stream` that drops what is left once its reader is gone, and fails the run on any other write error. */
function streamWriter(stream: NodeJS.WriteStream, name: string): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    closed = true;
    if (error.code === 'EPIPE') return;
    outputFailed = true;
    process.exitCode = 2;
    if (stream !== process.stderr) process.stderr.write(`cannot write ${name}: ${error.code ?? error.message}\n`);
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export const processIo: Io = {
  cwd: process.cwd(),
  stdout: streamWriter(process.stdout, 'standard output'),
  stderr: streamWriter(process.stderr, 'standard error'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return decodeUtf8(Buffer.concat(chunks));
  },
};

/**
 * Help goes to stdout (exit 0); a usage mistake goes to stderr with the help of what was being used
 * (exit 2: a usage mistake is an operational error); otherwise the command runs. What the command
 * throws is the caller's to report (`reportFailure`).
 */
export async function runCommandLine(program: ProgramSpec<Run>, argv: readonly string[], io: Io): Promise<ExitCode> {
  const line = parseCommandLine(program, argv);
  if (line.kind === 'help') {
    io.stdout(line.text);
    return 0;
  }
  if (line.kind === 'error') {
    io.stderr(line.message === '' ? line.help : `${line.message}\n\n${line.help}`);
    return 2;
  }
  return line.command.run(line.parsed)(io);
}

/** `<prefix>: <message>` for an operational error (a ToolkitError), `<prefix>: internal error: …` for anything else; exit 2. */
export function reportFailure(prefix: string, error: unknown, io: Io): ExitCode {
  if (error instanceof ToolkitError) io.stderr(`${prefix}: ${error.message}\n`);
  else io.stderr(`${prefix}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
}

/** Runs `main` with the process's arguments when `moduleUrl` is the script node was started with, not when a test imports it. */
export async function runIfExecuted(moduleUrl: string, main: (argv: readonly string[]) => Promise<ExitCode>): Promise<void> {
  const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
  if (invokedPath !== fileURLToPath(moduleUrl)) return;
  const code = await main(process.argv.slice(2));
  process.exitCode = outputFailed ? 2 : code;
}
