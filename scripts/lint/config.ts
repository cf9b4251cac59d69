/**
 * Lint configuration: `.catalog-lint.yml` at the catalog root, or the `catalog.lint` key of
 * package.json. A malformed configuration is an operational error that names the file and place.
 *
 *     rules:
 *       image-not-pinned-by-digest: off     # off | info | warning | error
 *       unused-input: error
 *     ignores:
 *       - examples/legacy/**               # globs: * within a path segment, ** across segments
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readTextFile } from '../core/files.js';
import path from 'node:path';
import type { Severity } from '../core/diagnostic.js';
import { ToolkitError } from '../core/errors.js';
import { isValueMap, type Value } from '../gitlab/ruby/value.js';
import { parseYamlDocuments, positionIn, type ParsedDocument } from '../gitlab/yaml/psych.js';

export type RuleSetting = Severity | 'off';

export interface LintConfig {
  readonly rules: ReadonlyMap<string, RuleSetting>;
  readonly ignores: readonly string[];
  /** Where the configuration was read from, if anywhere. */
  readonly source?: string | undefined;
}

export const CONFIG_FILE = '.catalog-lint.yml';
const SETTINGS: readonly RuleSetting[] = ['off', 'info', 'warning', 'error'];

export async function loadLintConfig(root: string, knownRules: readonly string[], explicit?: string | undefined): Promise<LintConfig> {
  const file = explicit ? path.resolve(root, explicit) : path.join(root, CONFIG_FILE);
  const text = await readTextFile(file, explicit ?? CONFIG_FILE).catch((error: Error) => {
    if (explicit || existsSync(file)) throw error;
    return undefined;
  });
  if (text !== undefined) return parseConfig(text, explicit ?? CONFIG_FILE, knownRules);
  const pkg = await readFile(path.join(root, 'package.json'), 'utf8').catch(() => undefined);
  if (pkg === undefined) return { rules: new Map(), ignores: [] };
  const parsed = parseYamlDocuments(pkg, 'package.json');
  const lint = parsed.documents[0]?.value;
  const section = isValueMap(lint) && isValueMap(lint.get('catalog') ?? null) ? (lint.get('catalog') as Map<string, Value>).get('lint') : undefined;
  if (section === undefined) return { rules: new Map(), ignores: [] };
  return configFrom(section, parsed.documents[0] as ParsedDocument, ['catalog', 'lint'], 'package.json', knownRules);
}

export function parseConfig(text: string, file: string, knownRules: readonly string[]): LintConfig {
  const parsed = parseYamlDocuments(text, file);
  const problem = parsed.diagnostics.find((d) => d.severity === 'error');
  if (problem) throw new ToolkitError(`${file}:${problem.start.line}:${problem.start.column}: ${problem.message}`);
  const doc = parsed.documents[0];
  if (!doc) return { rules: new Map(), ignores: [], source: file };
  return configFrom(doc.value, doc, [], file, knownRules);
}

function configFrom(value: Value, doc: ParsedDocument, base: string[], file: string, knownRules: readonly string[]): LintConfig {
  const fail = (at: (string | number)[], message: string, part: 'key' | 'value' = 'value'): never => {
    const { line, column } = positionIn(doc, [...base, ...at], part);
    throw new ToolkitError(`${file}:${line}:${column}: ${message}`);
  };
  if (!isValueMap(value)) return fail([], 'the lint configuration must be a mapping with `rules` and `ignores`');
  for (const key of value.keys()) if (key !== 'rules' && key !== 'ignores') fail([key], `unknown key "${key}": expected "rules" or "ignores"`, 'key');
  const rules = new Map<string, RuleSetting>();
  const rulesValue = value.get('rules') ?? null;
  if (rulesValue !== null && !isValueMap(rulesValue)) fail(['rules'], '"rules" must map rule ids to off, info, warning or error');
  for (const [id, setting] of isValueMap(rulesValue) ? rulesValue : []) {
    if (!knownRules.includes(id)) fail(['rules', id], `unknown rule "${id}"`, 'key');
    // `off` is YAML 1.1's false; accept it as written.
    const normalised = setting === false ? 'off' : setting;
    if (typeof normalised !== 'string' || !SETTINGS.includes(normalised as RuleSetting)) {
      fail(['rules', id], `"${id}" must be one of ${SETTINGS.join(', ')}`);
    }
    rules.set(id, normalised as RuleSetting);
  }
  const ignoresValue = value.get('ignores') ?? null;
  if (ignoresValue !== null && !(Array.isArray(ignoresValue) && ignoresValue.every((g) => typeof g === 'string'))) {
    fail(['ignores'], '"ignores" must be a list of path globs');
  }
  return { rules, ignores: (ignoresValue as string[] | null) ?? [], source: file };
}

/** `*` matches within a path segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
