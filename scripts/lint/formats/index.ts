/**
 * Report formats. Each turns the sorted findings into the text of one report; the CLI writes it to
 * stdout or, with `--output`, atomically to a file.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Rule } from '../rule.js';
import { formatJson } from './json.js';
import { formatText } from './text.js';

export interface FormatContext {
  /** The catalog root: report paths are relative to it. */
  readonly root: string;
  readonly rules: readonly Rule[];
  readonly toolName: string;
  readonly toolVersion: string;
}

export type Formatter = (diagnostics: readonly Diagnostic[], ctx: FormatContext) => string;

export const FORMATS = {
  text: formatText,
  json: formatJson,
} as const satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;
