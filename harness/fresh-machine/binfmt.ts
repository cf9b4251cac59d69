/**
 * The kernel's QEMU interpreters (`/proc/sys/fs/binfmt_misc/qemu-*`) taken away for a fresh-machine
 * run and put back exactly as they were afterwards.
 *
 * A new machine of this kind has no QEMU entries at all: qemu-user-static and binfmt-support are not
 * installed, so nothing registered them. binfmt_misc is one table for the whole kernel (a chroot or
 * a mount namespace does not get its own), so the README's main command run in a fresh root would
 * find this machine's entries and never show whether it registers QEMU itself. `takeAwayQemu`
 * therefore unregisters them (the state of a new machine, stricter than only disabling them: an
 * entry that is merely disabled keeps this machine's interpreter open, and `update-binfmts
 * --enable` treats it as already there), and `restore` unregisters whatever the run registered and
 * registers the saved entries again, disabled ones disabled.
 *
 * The saved entries are written to a file first and removed only once they are back, so that a run
 * killed before it could restore (SIGKILL, a crashed worker) is repaired by `restorePendingQemu` at
 * the start of the next run or by the test project's global teardown. A process exit or signal
 * restores too (synchronously: /proc writes need no event loop).
 *
 * Other binfmt entries (jar, python, …) are never touched. While the entries are away, any other
 * process on the machine that runs a foreign binary fails: run this alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { stopOnExit } from '../integration/process.js';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** One registered entry, as /proc/sys/fs/binfmt_misc/<name> describes it. */
export interface BinfmtEntry {
  readonly name: string;
  readonly enabled: boolean;
  readonly interpreter: string;
  /** The flag letters, e.g. `PF` (preserve argv[0], fix binary: the interpreter is opened at registration). */
  readonly flags: string;
  readonly offset: number;
  /** Hex; entries that match by magic bytes (all QEMU entries). */
  readonly magic?: string;
  readonly mask?: string;
  /** Entries that match by file extension instead. */
  readonly extension?: string;
}

/** Parses the text of one /proc/sys/fs/binfmt_misc entry. */
export function parseBinfmtEntry(name: string, text: string): BinfmtEntry {
  const lines = text.split('\n').map((l) => l.trim());
  const field = (key: string): string | undefined => {
    const line = lines.find((l) => l.startsWith(`${key} `) || l.startsWith(`${key}:`));
    return line?.slice(key.length).replace(/^:?\s*/, '');
  };
  const interpreter = field('interpreter');
  if (interpreter === undefined) throw new HarnessError(`binfmt_misc entry ${name} names no interpreter:\n${text}`);
  const magic = field('magic');
  const mask = field('mask');
  const extension = field('extension');
  return {
    name,
    enabled: lines[0] === 'enabled',
    interpreter,
    flags: field('flags') ?? '',
    offset: Number(field('offset') ?? '0'),
    ...(magic === undefined ? {} : { magic }),
    ...(mask === undefined ? {} : { mask }),
    ...(extension === undefined ? {} : { extension: extension.replace(/^\./, '') }),
  };
}

/** The `register` line that makes the kernel create `entry` again (magic and mask as \x escapes, so no byte can be taken for the separator). */
export function registrationLine(entry: BinfmtEntry): string {
  const escape = (hex: string): string => hex.replace(/(..)/g, '\\x$1');
  if (entry.magic !== undefined) {
    return `:${entry.name}:M:${entry.offset}:${escape(entry.magic)}:${entry.mask === undefined ? '' : escape(entry.mask)}:${entry.interpreter}:${entry.flags}`;
  }
  if (entry.extension !== undefined) return `:${entry.name}:E::${entry.extension}::${entry.interpreter}:${entry.flags}`;
  throw new HarnessError(`binfmt_misc entry ${entry.name} has neither magic nor extension`);
}

/** The QEMU entries registered now, by name (none when binfmt_misc is not mounted). */
export function qemuEntries(dir = BINFMT_DIR): BinfmtEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('qemu-'));
  } catch {
    return [];
  }
  const entries: BinfmtEntry[] = [];
  for (const name of names.sort()) {
    try {
      entries.push(parseBinfmtEntry(name, readFileSync(path.join(dir, name), 'utf8')));
    } catch (error) {
      // Unregistered between readdir and read: not there.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return entries;
}

function unregisterQemu(dir: string): void {
  for (const entry of qemuEntries(dir)) writeFileSync(path.join(dir, entry.name), '-1');
}

/** Unregisters every QEMU entry, then registers `saved` again (and disables those that were disabled). */
export function restoreQemu(saved: readonly BinfmtEntry[], dir = BINFMT_DIR): void {
  unregisterQemu(dir);
  for (const entry of saved) {
    writeFileSync(path.join(dir, 'register'), registrationLine(entry));
    if (!entry.enabled) writeFileSync(path.join(dir, entry.name), '0');
  }
}

/** Puts back the entries a run saved and could not restore (it was killed). True when there were some. */
export function restorePendingQemu(stateFile: string, dir = BINFMT_DIR): boolean {
  if (!existsSync(stateFile)) return false;
  restoreQemu(JSON.parse(readFileSync(stateFile, 'utf8')) as BinfmtEntry[], dir);
  rmSync(stateFile, { force: true });
  return true;
}

export interface QemuTakenAway {
  /** The QEMU entries as they were. */
  readonly saved: readonly BinfmtEntry[];
  /** Registers them again exactly as they were; idempotent. */
  restore(): void;
}

/**
 * Saves the QEMU entries to `stateFile`, then unregisters them. The caller restores in a `finally`;
 * a process exit or signal restores too.
 */
export function takeAwayQemu(stateFile: string, dir = BINFMT_DIR): QemuTakenAway {
  restorePendingQemu(stateFile, dir);
  const saved = qemuEntries(dir);
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(saved, null, 2)}\n`);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    unhook();
    restoreQemu(saved, dir);
    rmSync(stateFile, { force: true });
  };
  const unhook = stopOnExit(restore);
  unregisterQemu(dir);
  return { saved, restore };
}
