import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError } from '../../core/errors.js';
import type { Io } from '../io.js';

/** Reads a file named on the command line; a missing or unreadable file is an operational error. */
export async function readTextFile(io: Io, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolkitError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`);
  }
}
