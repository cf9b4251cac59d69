/**
 * docs/image-stand-ins.md's tables are generated from the stand-in recipes (STAND_IN_TABLES), so
 * the doc, the recipes and the checks of test/integration/stand-ins.test.ts are one source. This
 * module gives the doc as it must read, and rewrites it (see the doc for the command).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAND_IN_TABLES } from './stand-ins.js';
import { renderStandInTables, withGeneratedTables } from './stand-in-tools.js';

/** docs/image-stand-ins.md of the work tree this module belongs to (source or dist/). */
export function standInDocPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repo = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');
  return path.join(repo, 'docs', 'image-stand-ins.md');
}

/** The doc as it must read: its prose, with the tables rendered from the recipes. */
export function expectedStandInDoc(current: string = readFileSync(standInDocPath(), 'utf8')): string {
  return withGeneratedTables(current, renderStandInTables(STAND_IN_TABLES));
}

export function writeStandInDoc(file: string = standInDocPath()): void {
  writeFileSync(file, expectedStandInDoc(readFileSync(file, 'utf8')));
}
