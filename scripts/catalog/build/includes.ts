/**
 * Text inclusion for component sources: a line `# catalog:include <path>` (any indentation) is
 * replaced by the lines of the file it names, each prefixed with that indentation, recursively.
 *
 * Why text and not YAML: the shell sits in YAML block scalars (`- |`), whose content is the text
 * minus its indentation. Indenting each included line as the marker is makes the block's content
 * exactly the file, byte for byte, and the rest of the template stays as its author wrote it
 * (comments, quoting, key order), which a YAML round trip would not keep. The marker is a comment
 * in both YAML block text and shell, so a source still reads as what it is.
 *
 * Every output line keeps its origin (file, line, indentation added), so a position in the built
 * template (a shellcheck finding, a lint diagnostic) can be reported where the author edits it.
 */
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';

const INCLUDE_MARKER = /^([ \t]*)# catalog:include[ \t]+(\S+)[ \t]*$/;

/** Where one line of the built text came from. */
export interface LineOrigin {
  /** Relative to the catalog root, with `/` separators. */
  readonly file: string;
  readonly line: number; // 1-based
  /** Characters of indentation the inclusion added in front of the source line. */
  readonly indent: number;
}

export interface ExpandedText {
  readonly text: string;
  /** One entry per line of `text`. */
  readonly origins: readonly LineOrigin[];
  /** Every file the text was made from, the root first. */
  readonly sources: readonly string[];
  readonly problems: readonly Diagnostic[];
}

/** Reads a source relative to the catalog root; undefined when there is no such file. */
export type SourceReader = (relativePath: string) => Promise<string | undefined>;

/** Lines of a text without the empty string a final newline leaves. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Expands the includes of `root` (a path relative to the catalog root). Included paths are relative
 * to the including file and must stay inside `boundary` (the sources' folder): a component's build
 * never reads the rest of the repository.
 */
export async function expandIncludes(root: string, boundary: string, read: SourceReader): Promise<ExpandedText> {
  const out: string[] = [];
  const origins: LineOrigin[] = [];
  const sources: string[] = [];
  const problems: Diagnostic[] = [];
  const problem = (file: string, line: number, column: number, message: string) =>
    problems.push({ ruleId: 'build', severity: 'error', message, file, start: { line, column } });

  async function expand(file: string, indent: string, chain: readonly string[]): Promise<void> {
    const text = await read(file);
    if (text === undefined) throw new Error(`unreachable: ${file} was checked before`);
    if (!sources.includes(file)) sources.push(file);
    const lines = linesOf(text);
    for (const [index, line] of lines.entries()) {
      const marker = INCLUDE_MARKER.exec(line);
      if (!marker) {
        out.push(line === '' ? '' : indent + line);
        origins.push({ file, line: index + 1, indent: line === '' ? 0 : indent.length });
        continue;
      }
      const [, markerIndent = '', target = ''] = marker;
      const column = markerIndent.length + line.slice(markerIndent.length).indexOf(target) + 1;
      const included = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      if (path.posix.isAbsolute(target) || !(included + '/').startsWith(`${boundary}/`)) {
        problem(file, index + 1, column, `${target}: an included file must be inside ${boundary}/`);
      } else if (chain.includes(included)) {
        problem(file, index + 1, column, `${target}: includes itself (${[...chain, included].join(' -> ')})`);
      } else if ((await read(included)) === undefined) {
        problem(file, index + 1, column, `${target}: no such file (${included})`);
      } else {
        await expand(included, indent + markerIndent, [...chain, included]);
      }
    }
  }

  if ((await read(root)) === undefined) {
    problem(root, 1, 1, 'no such file');
  } else {
    await expand(root, '', [root]);
  }
  return { text: out.length > 0 ? `${out.join('\n')}\n` : '', origins, sources, problems };
}
