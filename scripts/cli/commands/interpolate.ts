/**
 * `catalog interpolate <template.yml>`: what GitLab makes of one component file for given inputs.
 * Prints the interpolated content document as JSON (exit 0), or GitLab's loader error text on
 * stderr (exit 1). Unreadable or malformed option files are operational errors (exit 2).
 */
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readTextFile as readUserFile } from '../../core/files.js';
import { findInvalidBytes } from '../../core/utf8.js';
import { positionOfOffset } from '../../gitlab/yaml/psych.js';
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { loadComponentText, type ComponentContext, type Variable } from '../../gitlab/component/load.js';
import { parseRubyJson, toRubyJson } from '../../gitlab/ruby/json.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export interface InterpolateArgs {
  readonly template: string;
  readonly inputs?: string | undefined;
  readonly variables?: string | undefined;
  readonly component?: string | undefined;
}

export async function runInterpolate(args: InterpolateArgs, io: Io): Promise<ExitCode> {
  const text = await readTextFile(io, args.template);
  const inputs = args.inputs === undefined ? undefined : await readJsonOption(io, '--inputs', args.inputs);
  const variables = args.variables === undefined ? [] : toVariables(await readJsonOption(io, '--variables', args.variables));
  const component = args.component === undefined ? {} : toComponent(await readJsonOption(io, '--component', args.component));
  const result = loadComponentText(text, args.template, { inputs, variables, component });
  if (!result.ok) {
    io.stderr(`${result.message}\n`);
    return 1;
  }
  io.stdout(`${toRubyJson(result.content, 2)}\n`);
  return 0;
}

async function readJsonOption(io: Io, option: string, file: string): Promise<Value> {
  const text =
    file === '-'
      ? await io.readStdin()
      : await readUserFile(path.resolve(io.cwd, file), file).catch((error: Error) => {
          throw new UsageError(`${option}: ${error.message}`);
        });
  // Bytes that are not UTF-8 would reach the component as text nobody wrote.
  const invalid = findInvalidBytes(text);
  if (invalid) {
    const { line, column } = positionOfOffset(text, invalid.index);
    throw new UsageError(`${option}: ${file}:${line}:${column}: ${invalid.problem}`);
  }
  const parsed = parseRubyJson(text);
  if (!parsed.ok) throw new UsageError(`${option}: ${file} is not valid JSON`);
  return parsed.value;
}

function toVariables(value: Value): Variable[] {
  if (!Array.isArray(value)) throw new UsageError('--variables: expected a JSON array of {"key", "value", "masked"}');
  return value.map((item, index) => {
    const key = isValueMap(item) ? item.get('key') : undefined;
    const val = isValueMap(item) ? item.get('value') : undefined;
    const masked = isValueMap(item) ? item.get('masked') : undefined;
    if (typeof key !== 'string' || typeof val !== 'string' || (masked !== undefined && typeof masked !== 'boolean')) {
      throw new UsageError(`--variables: item ${index} needs a string "key", a string "value" and an optional boolean "masked"`);
    }
    return { key, value: val, masked: masked === true };
  });
}

function toComponent(value: Value): ComponentContext {
  if (!isValueMap(value)) throw new UsageError('--component: expected a JSON object {name, sha, version, reference}');
  const field = (name: string): string | undefined => {
    const item = value.get(name);
    if (item === undefined || item === null) return undefined;
    if (typeof item !== 'string') throw new UsageError(`--component: "${name}" must be a string`);
    return item;
  };
  return { name: field('name'), sha: field('sha'), version: field('version'), reference: field('reference') };
}
