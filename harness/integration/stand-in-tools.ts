/**
 * What each image the catalog's YAML names carries, in the real image and in its local stand-in
 * (stand-ins.ts): the single source of docs/image-stand-ins.md's tables and of the checks
 * test/integration/stand-ins.test.ts runs in every built stand-in. A row says whether a tool is in
 * the real image (read from its Dockerfile/Containerfile, see the doc), whether it is in the
 * stand-in, and the POSIX sh check that is true exactly when it is there.
 */

export interface ToolRow {
  readonly tool: string;
  /** In the real image. */
  readonly real: boolean;
  /** In the stand-in: what the test checks. */
  readonly standIn: boolean;
  /** sh snippet, exit 0 iff present. Default: `command -v <tool>`. */
  readonly check: string;
  /** Version or kind in the real image / the stand-in, where it helps. */
  readonly realNote?: string;
  readonly standInNote?: string;
}

export interface StandInTable {
  /** Tags as the YAML names them (the first is the heading). */
  readonly tags: readonly string[];
  /** One line: what the real image is built from. */
  readonly real: string;
  /** One line: what the stand-in is built from, and why that way. */
  readonly standIn: string;
  /** How a shell runs in it for the checks: `sh` on PATH, or the path of a hidden busybox. */
  readonly shell: string;
  readonly rows: readonly ToolRow[];
}

interface RowOptions {
  readonly check?: string;
  readonly realNote?: string;
  readonly standInNote?: string;
}

/** A tool with the same presence in both. */
export function same(tool: string, present: boolean, options: RowOptions = {}): ToolRow {
  return row(tool, present, present, options);
}

export function row(tool: string, real: boolean, standIn: boolean, options: RowOptions = {}): ToolRow {
  return {
    tool,
    real,
    standIn,
    check: options.check ?? `command -v ${tool} > /dev/null`,
    ...(options.realNote === undefined ? {} : { realNote: options.realNote }),
    ...(options.standInNote === undefined ? {} : { standInNote: options.standInNote }),
  };
}

/** `sh` is busybox ash (Alpine). */
export const BUSYBOX_SH = '[ "$(readlink -f /bin/sh)" = /bin/busybox ]';
/** `sh` is bash (Fedora). */
export const BASH_SH = 'case $(readlink -f /bin/sh) in */bash) true ;; *) false ;; esac';
/** `sh` is dash (Debian). */
export const DASH_SH = 'case $(readlink -f /bin/sh) in */dash) true ;; *) false ;; esac';

function cell(present: boolean, note: string | undefined): string {
  const mark = present ? 'yes' : 'no';
  return note === undefined ? mark : `${mark} (${note})`;
}

/** The markdown tables of docs/image-stand-ins.md, one per image, from `tables`. */
export function renderStandInTables(tables: readonly StandInTable[]): string {
  const parts: string[] = [];
  for (const table of tables) {
    parts.push(`### \`${table.tags[0] ?? ''}\``);
    parts.push('');
    if (table.tags.length > 1) parts.push(`Also tagged: ${table.tags.slice(1).map((t) => `\`${t}\``).join(', ')}.`);
    parts.push(`- Real image: ${table.real}`);
    parts.push(`- Stand-in: ${table.standIn}`);
    parts.push('');
    parts.push('| Tool | Real image | Stand-in | Presence matches |');
    parts.push('| --- | --- | --- | --- |');
    for (const r of table.rows) {
      const sameText = r.real === r.standIn ? 'yes' : '**no**';
      parts.push(`| ${r.tool} | ${cell(r.real, r.realNote)} | ${cell(r.standIn, r.standInNote)} | ${sameText} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

export const GENERATED_BEGIN = "<!-- BEGIN GENERATED from STAND_IN_TABLES (harness/integration/stand-ins.ts) by harness/integration/stand-in-doc.ts: do not edit -->";
export const GENERATED_END = '<!-- END GENERATED -->';

/** `doc` with the generated part replaced by `tables` (the doc's hand-written prose is kept). */
export function withGeneratedTables(doc: string, tables: string): string {
  const begin = doc.indexOf(GENERATED_BEGIN);
  const end = doc.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) throw new Error(`the doc has no ${GENERATED_BEGIN} … ${GENERATED_END} section`);
  return `${doc.slice(0, begin + GENERATED_BEGIN.length)}\n\n${tables}\n${doc.slice(end)}`;
}
