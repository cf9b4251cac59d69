/**
 * Commands write through an `Io` instead of `console`/`process`, so tests can call them in-process
 * and the CLI entry point stays the only place that touches the real streams and exit code.
 */
export interface Io {
  readonly cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input as text (for `--inputs -`). */
  readStdin(): Promise<string>;
}

/** 0: clean; 1: findings (the user's files have problems); 2: operational failure. */
export type ExitCode = 0 | 1 | 2;
