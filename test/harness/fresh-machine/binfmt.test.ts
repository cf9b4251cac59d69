/**
 * The QEMU entries a fresh-machine run takes away must come back exactly as they were: the entry
 * text the kernel shows is read back into the `register` line that recreates it (magic and mask as
 * \x escapes, flags kept: F means the kernel opens the interpreter at registration), and a run that
 * was killed leaves a file from which the next run puts them back.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBinfmtEntry, qemuEntries, registrationLine, restorePendingQemu } from '../../../harness/fresh-machine/binfmt.js';

const AARCH64 = `enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`;

describe('binfmt_misc entries', () => {
  it('reads an entry as the kernel shows it and writes the register line that recreates it', () => {
    const entry = parseBinfmtEntry('qemu-aarch64', AARCH64);
    expect(entry).toEqual({
      name: 'qemu-aarch64',
      enabled: true,
      interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
      flags: 'PF',
      offset: 0,
      magic: '7f454c460201010000000000000000000200b700',
      mask: 'ffffffffffffff00fffffffffffffffffeffffff',
    });
    expect(registrationLine(entry)).toBe(
      ':qemu-aarch64:M:0:\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00' +
        ':\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:PF',
    );
  });

  it('keeps a disabled entry disabled, an entry without flags or mask, and one matched by extension', () => {
    const disabled = parseBinfmtEntry('qemu-x', 'disabled\ninterpreter /bin/q\nflags: \noffset 2\nmagic 7f45\n');
    expect(disabled).toEqual({ name: 'qemu-x', enabled: false, interpreter: '/bin/q', flags: '', offset: 2, magic: '7f45' });
    expect(registrationLine(disabled)).toBe(':qemu-x:M:2:\\x7f\\x45::/bin/q:');
    const jar = parseBinfmtEntry('jar', 'enabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n');
    expect(registrationLine(jar)).toBe(':jar:E::jar::/usr/bin/jexec:');
  });

  it('lists only the qemu- entries of a binfmt_misc directory', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-binfmt-'));
    writeFileSync(path.join(dir, 'qemu-aarch64'), AARCH64);
    writeFileSync(path.join(dir, 'python3.11'), 'enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n');
    writeFileSync(path.join(dir, 'status'), 'enabled\n');
    expect(qemuEntries(dir).map((e) => e.name)).toEqual(['qemu-aarch64']);
    expect(qemuEntries(path.join(dir, 'not-mounted'))).toEqual([]);
  });

  it('puts back what a killed run saved: unregisters what is there, registers each saved entry, then forgets the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-binfmt-'));
    const state = path.join(dir, 'saved.json');
    expect(restorePendingQemu(state, dir)).toBe(false);
    writeFileSync(path.join(dir, 'qemu-aarch64'), AARCH64);
    writeFileSync(state, JSON.stringify([parseBinfmtEntry('qemu-ppc64le', AARCH64.replace('enabled', 'disabled').replace(/aarch64/g, 'ppc64le'))]));
    expect(restorePendingQemu(state, dir)).toBe(true);
    // A plain directory stands in for the kernel's: each write is what the kernel would have been told.
    expect(readFileSync(path.join(dir, 'qemu-aarch64'), 'utf8')).toBe('-1');
    expect(readFileSync(path.join(dir, 'register'), 'utf8')).toMatch(/^:qemu-ppc64le:M:0:\\x7f.*:\/usr\/libexec\/qemu-binfmt\/ppc64le-binfmt-P:PF$/);
    expect(readFileSync(path.join(dir, 'qemu-ppc64le'), 'utf8')).toBe('0');
    expect(existsSync(state)).toBe(false);
  });
});
