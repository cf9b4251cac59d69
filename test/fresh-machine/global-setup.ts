/**
 * The fresh-machine project's guard for the kernel's QEMU entries (harness/fresh-machine/binfmt.ts):
 * before the run and after it, entries that a killed run took away and could not put back are
 * registered again from the file it saved them to. The test restores them itself when it ends in
 * any orderly way; this covers a worker that was killed.
 */
import path from 'node:path';
import { restorePendingQemu } from '../../harness/fresh-machine/binfmt.js';
import { freshMachineCacheDir } from '../../harness/fresh-machine/image.js';
import { isRoot } from '../../harness/integration/apt.js';

export const QEMU_STATE_FILE = path.join(freshMachineCacheDir(), 'qemu-binfmt-saved.json');

function restore(when: string): void {
  if (process.platform !== 'linux' || !isRoot()) return;
  if (restorePendingQemu(QEMU_STATE_FILE)) console.log(`[fresh-machine ${when}] registered again the QEMU entries a killed run had taken away (${QEMU_STATE_FILE})`);
}

export default function setup(): () => void {
  restore('setup');
  return () => restore('teardown');
}
