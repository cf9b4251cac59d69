import path from 'node:path';
import { readTextFile as readUserFile } from '../../core/files.js';
import type { Io } from '../io.js';

/** Reads a file named on the command line; a missing or unreadable file is an operational error. */
export function readTextFile(io: Io, file: string): Promise<string> {
  return readUserFile(path.resolve(io.cwd, file), file);
}
