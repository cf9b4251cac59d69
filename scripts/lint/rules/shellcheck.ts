/**
 * `shellcheck`: runs shellcheck on the scripts of every job (hidden jobs and `default:` too) of
 * every rendered variant, and points each finding at the template line it comes from.
 *
 * Scripts are put together as GitLab's shell runner runs them: `before_script` (the job's own,
 * else the inherited `default:` one) and `script` form one shell script, one item per line (a
 * multi-line item is one command block, its lines as written); `after_script` runs in a shell of
 * its own. `!reference` items are left out (what they stand for is only known after merging).
 *
 * The shell: `bash` when the job's image name (its own, else `default:`'s) contains "bash" or an
 * item starts with a bash shebang (`#!/bin/bash`, `#!/usr/bin/env bash`); otherwise `sh`. GitLab's
 * Docker executor uses bash when the image has it and sh otherwise, so sh is the safe assumption:
 * it flags bash-only syntax that breaks on images without bash (alpine, distroless shells).
 *
 * Positions: in a one-line item, the finding's column when it lies in the part written in the
 * source as it renders (before any escape or `$[[ ]]` block); in a literal block (`|`), the
 * finding's line (a `$[[ ]]` block that adds or removes lines makes it the item's start), and
 * its column on the same terms; otherwise the start of the item. Error-level findings are errors; the rest take the rule's severity.
 * Scripts of hidden jobs and `default:` are fragments (a job using them may read what they
 * assign), so SC2034 (assigned but never used) is not reported for them.
 */
import type { Position } from '../../core/diagnostic.js';
import { isValueMap, type Value, type ValueMap } from '../../gitlab/ruby/value.js';
import type { PathSegment } from '../../gitlab/yaml/psych.js';
import { defaultFor, inherits, inheritSetting, jobsOf } from '../../gitlab/jobs/model.js';
import { defineRule, type LintProject, type LintTarget, type RenderedVariant } from '../rule.js';
import { checkScript, startChecks, type ScriptShell, type ShellcheckFinding } from '../shellcheck-process.js';

/** Found in a fragment, this says nothing: the job that uses the fragment may read the variable. */
const FRAGMENT_ONLY_NOISE = new Set([2034]);

interface ScriptItem {
  readonly text: string;
  readonly path: readonly PathSegment[];
  /** From `default:` (or the top-level spelling): shared by every job that inherits it. */
  readonly shared: boolean;
}

interface ScriptUnit {
  readonly items: readonly ScriptItem[];
  readonly shell: ScriptShell;
  readonly fragment: boolean;
}

export const shellcheck = defineRule<'finding'>({
  id: 'shellcheck',
  description: 'Job scripts (before_script, script, after_script) should pass shellcheck',
  severity: 'warning',
  messages: { finding: 'SC{{code}}: {{message}}{{variant}}' },
  async check(ctx) {
    if (!ctx.settings.shellcheck) return;
    const lines = ctx.target.text.split('\n');
    const work = shellcheckWork(ctx.target);
    const results = await Promise.all(work.map(({ unit, script }) => checkScript(script, unit.shell)));
    const reported = new Set<string>();
    work.forEach(({ variant, unit }, n) => {
      for (const finding of results[n] ?? []) {
        const item = itemAt(unit.items, finding.line);
        if (FRAGMENT_ONLY_NOISE.has(finding.code) && (unit.fragment || item?.shared)) continue;
        const at = item ? itemPosition(item, finding, variant, lines) : { line: 1, column: 1 };
        const message = finding.message.trim().replace(/\.$/, '');
        const key = `${at.line}:${at.column}:${finding.code}:${message}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const label = variant.label === 'defaults' || variant.label === 'pipeline' ? '' : ` (with the inputs of ${variant.label})`;
        ctx.report({
          messageId: 'finding',
          data: { code: finding.code, message, variant: label },
          at,
          severity: finding.level === 'error' ? 'error' : undefined,
        });
      }
    });
  },
});

interface Work {
  readonly variant: RenderedVariant;
  readonly unit: ScriptUnit;
  readonly script: string;
}

const workOf = new WeakMap<LintTarget, readonly Work[]>();

/** Every script of every variant of a target, as shellcheck is given it (worked out once per target). */
function shellcheckWork(target: LintTarget): readonly Work[] {
  let work = workOf.get(target);
  if (!work) {
    work = target.variants.flatMap((variant) =>
      scriptUnits(variant.content).map((unit) => ({ variant, unit, script: unit.items.map((item) => item.text).join('\n') })),
    );
    workOf.set(target, work);
  }
  return work;
}

/**
 * Starts shellcheck on every script of the project and resolves once it is running (or the answers
 * came from the cache): the rule then finds the results under way. Lets the shellcheck processes
 * work while the rest of the run (the CI schema, the other rules) keeps this process busy.
 */
export async function startShellcheck(project: LintProject): Promise<void> {
  await startChecks(project.targets.flatMap((target) => shellcheckWork(target).map(({ script, unit }) => ({ script, shell: unit.shell }))));
}

/** The shell scripts of a content document: per job, before_script + script, and after_script. */
function scriptUnits(content: Value): ScriptUnit[] {
  if (!isValueMap(content)) return [];
  // `default:`'s value, else the deprecated top-level spelling.
  const inherited = (key: string) => defaultFor(content, key);
  const units: ScriptUnit[] = [];
  const add = (items: ScriptItem[], shell: ScriptShell, fragment: boolean) => {
    if (items.some((item) => item.text.trim() !== '')) units.push({ items, shell, fragment });
  };

  for (const key of ['before_script', 'after_script']) {
    const own = inherited(key);
    if (own) {
      const items = scriptItems(own.value, own.path, true);
      add(items, shellFor(inherited('image')?.value, items), true);
    }
  }

  for (const { name, job, hidden } of jobsOf(content)) {
    const inheritDefault = inheritSetting(job.get('inherit'), 'default');
    const takes = (key: string) => !hidden && !job.has(key) && inherits(inheritDefault, key);
    const pick = (key: string) => (job.has(key) ? { value: job.get(key) as Value, path: [name, key] } : takes(key) ? inherited(key) : undefined);
    const before = pick('before_script');
    const main = [...(before ? scriptItems(before.value, before.path, before.path[0] !== name) : []), ...scriptItems(job.get('script') ?? null, [name, 'script'], false)];
    const after = pick('after_script');
    const afterItems = after ? scriptItems(after.value, after.path, after.path[0] !== name) : [];
    const image = pick('image')?.value;
    add(main, shellFor(image, main), hidden);
    add(afterItems, shellFor(image, afterItems), hidden);
  }
  return units;
}

/** A script's lines: a string, or a list of strings and lists of strings; `!reference` items are skipped. `shared`: from `default:` or the top level. */
function scriptItems(value: Value, path: readonly PathSegment[], shared: boolean): ScriptItem[] {
  if (typeof value === 'string') return [{ text: value, path, shared }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, i): ScriptItem[] => {
    if (typeof item === 'string') return [{ text: item, path: [...path, i], shared }];
    if (Array.isArray(item)) return item.flatMap((inner, j) => (typeof inner === 'string' ? [{ text: inner, path: [...path, i, j], shared }] : []));
    return []; // a `!reference` (or anything else GitLab would reject before running it)
  });
}

const BASH_SHEBANG = /^#!\s*\S*\/(?:env\s+)?bash\b/;

function shellFor(image: Value | undefined, items: readonly ScriptItem[]): ScriptShell {
  const name = typeof image === 'string' ? image : isValueMap(image ?? null) ? (image as ValueMap).get('name') : undefined;
  if (typeof name === 'string' && /bash/i.test(name)) return 'bash';
  return items.some((item) => BASH_SHEBANG.test(item.text.split('\n')[0] ?? '')) ? 'bash' : 'sh';
}

/** The item a script line comes from, and the line's index within it. */
function itemAt(items: readonly ScriptItem[], line: number): (ScriptItem & { readonly lineInItem: number }) | undefined {
  let first = 1;
  for (const item of items) {
    const count = item.text.split('\n').length;
    if (line < first + count) return { ...item, lineInItem: line - first };
    first += count;
  }
  const last = items[items.length - 1];
  return last ? { ...last, lineInItem: 0 } : undefined;
}

/** Where a finding is in the template (see the file comment). */
function itemPosition(item: ScriptItem & { readonly lineInItem: number }, finding: ShellcheckFinding, variant: RenderedVariant, lines: readonly string[]): Position {
  const start = variant.locate(item.path);
  return exactPosition(item.text, item.lineInItem, finding.column, start, lines) ?? start;
}

function exactPosition(text: string, lineInItem: number, column: number, start: Position, lines: readonly string[]): Position | undefined {
  const itemLines = text.split('\n');
  const source = lines[start.line - 1] ?? '';
  if (itemLines.length === 1) {
    // The scalar's text as written on its first line (after the quote of a quoted one).
    const from = start.column - 1 + (source[start.column - 1] === '"' || source[start.column - 1] === "'" ? 1 : 0);
    return columnIn(source.slice(from), text, column, start.line, from);
  }
  // A literal block scalar (`|`): its lines are the source lines after the indicator, indented.
  if (!/^\|[-+0-9]*\s*(#.*)?$/.test(source.slice(start.column - 1))) return undefined;
  const body = trimTrailingBlank(itemLines);
  const firstContent = lines.slice(start.line).find((l) => l.trim() !== '') ?? '';
  const indent = firstContent.length - firstContent.trimStart().length;
  if (indent === 0) return undefined;
  const written: string[] = [];
  for (const line of lines.slice(start.line)) {
    if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
    written.push(line);
  }
  // Unless a `$[[ ]]` block added or removed lines, rendered line k is written on source line k.
  if (trimTrailingBlank(written).length !== body.length || lineInItem >= body.length) return undefined;
  const line = start.line + 1 + lineInItem;
  return columnIn((written[lineInItem] ?? '').slice(indent), body[lineInItem] ?? '', column, line, indent) ?? { line, column: indent + 1 };
}

/**
 * The finding's exact position when it lies in the part of the line written in the source as it
 * renders: up to the first difference (an escape, a `$[[ ]]` block, a folded line break).
 */
function columnIn(written: string, rendered: string, column: number, line: number, offset: number): Position | undefined {
  let same = 0;
  while (same < rendered.length && written[same] === rendered[same]) same++;
  return column - 1 < same || (same === rendered.length && column - 1 === same) ? { line, column: offset + column } : undefined;
}

function trimTrailingBlank(list: readonly string[]): string[] {
  let end = list.length;
  while (end > 0 && (list[end - 1] ?? '').trim() === '') end--;
  return list.slice(0, end);
}
