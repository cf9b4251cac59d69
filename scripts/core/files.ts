import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError } from './errors.js';
import { decodeUtf8 } from './utf8.js';

/** What an fs error code means to a user, in the words of the shell. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return code ?? (error as Error).message;
  }
}

/**
 * A file named by the user, as text: a regular file, read whole, its bytes decoded without loss
 * (./utf8.ts: what is not UTF-8 stays visible to the readers that refuse it). Anything else is an
 * operational error named by `shownAs`: a missing file, a directory, a FIFO or a device (opened
 * without blocking and refused, where reading would wait for a writer that may never come).
 */
export async function readTextFile(file: string, shownAs: string = file): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new ToolkitError(`${shownAs}: is a directory`);
    if (!stats.isFile()) throw new ToolkitError(`${shownAs}: is not a regular file`);
    return decodeUtf8(await handle.readFile());
  } catch (error) {
    if (error instanceof ToolkitError) throw error;
    throw new ToolkitError(`${shownAs}: ${reason(error)}`);
  } finally {
    await handle?.close();
  }
}

/**
 * Writes beside the target, then renames: a reader (another run, an editor) never sees half a file,
 * and a failed write leaves the old file and no temporary behind. A target that cannot be written
 * (a directory, a path through a file, no permission) is an operational error named by `shownAs`.
 */
export async function writeAtomically(target: string, text: string, shownAs: string = target): Promise<void> {
  try {
    await mkdir(path.dirname(target), { recursive: true });
  } catch (error) {
    // mkdir -p over a file says EEXIST (or ENOTDIR further down).
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolkitError(`${shownAs}: ${code === 'EEXIST' || code === 'ENOTDIR' ? reason({ code: 'ENOTDIR' }) : reason(error)}`);
  }
  const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ToolkitError(`${shownAs}: ${reason(error)}`);
  }
}
