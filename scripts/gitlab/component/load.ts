/**
 * `Gitlab::Ci::Config::Yaml::Loader#load` + `Interpolation::Interpolator#interpolate!` for one
 * component file: load the YAML, check the arguments, validate the header, resolve the inputs, then
 * interpolate the content document. The error text is GitLab's `error_message`: the first three
 * errors joined with ", ".
 */
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { ExpandableVariable } from '../variables.js';
import { validateHeader } from '../inputs/header.js';
import { resolveInputs } from '../inputs/resolve.js';
import { parseComponentSource, type ComponentSource } from './source.js';
import type { PathSegment } from '../yaml/psych.js';
import { interpolateTemplate } from '../interpolation/template.js';

/** A CI/CD variable as `expand_vars` sees it. */
export type Variable = ExpandableVariable;

/** What `$[[ component.* ]]` may read, before slicing by `spec:component`. */
export interface ComponentContext {
  readonly name?: string | undefined;
  readonly sha?: string | undefined;
  readonly version?: string | null | undefined;
  readonly reference?: string | undefined;
}

export interface LoadOptions {
  /** The include's `inputs:` (GitLab's `args`); anything but a hash gives "Given inputs must be a hash". */
  readonly inputs?: Value | undefined;
  readonly variables?: readonly Variable[] | undefined;
  readonly component?: ComponentContext | undefined;
}

/** One error, with what is known of where it comes from. */
export interface LoadError {
  readonly message: string;
  /** The inputs the error is about (`\`name\` input: …`, or the unknown argument names). */
  readonly inputs?: readonly string[] | undefined;
  /** Where in the component file the problem is. */
  readonly location?: { readonly document: 'header' | 'content'; readonly path: readonly PathSegment[] } | undefined;
}

export type LoadResult =
  | { readonly ok: true; readonly content: Value; readonly hasHeader: boolean }
  | { readonly ok: false; readonly message: string; readonly errors: readonly LoadError[] };

export const MAX_REPORTED_ERRORS = 3;

const fail = (errors: LoadError[]): LoadResult => ({
  ok: false,
  message: errors
    .slice(0, MAX_REPORTED_ERRORS)
    .map((e) => e.message)
    .join(', '),
  errors,
});

export function loadComponentText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  return loadComponent(parseComponentSource(text, file), options);
}

export function loadComponent(source: ComponentSource, options: LoadOptions = {}): LoadResult {
  const firstSyntaxError = source.syntaxErrors[0];
  if (firstSyntaxError) return fail([{ message: firstSyntaxError.message }]);
  if (source.invalidFormat) return fail([{ message: 'Invalid configuration format' }]);

  const args = options.inputs ?? new Map<string, Value>();
  if (!isValueMap(args)) return fail([{ message: 'Given inputs must be a hash' }]);
  if (args.size > 0 && !source.header) {
    return fail([{ message: 'Given inputs not defined in the `spec` section of the included configuration file', inputs: [...args.keys()] }]);
  }
  const content = source.content?.value ?? new Map<string, Value>();
  if (!source.header) return { ok: true, content, hasHeader: false };

  const header = validateHeader(source.header.value as ValueMap);
  if (header.errors.length > 0) {
    return fail(header.errors.map((e) => ({ message: e.message, location: { document: 'header', path: e.path } })));
  }

  const inputs = resolveInputs(header.spec.inputs, args);
  if (inputs.errors.length > 0) {
    return fail(
      inputs.errors.map((e) => ({
        message: e.message,
        inputs: e.inputs,
        ...(e.aboutDefault && e.inputs[0] !== undefined
          ? { location: { document: 'header' as const, path: ['spec', 'inputs', e.inputs[0], 'default'] } }
          : {}),
      })),
    );
  }

  const context: ValueMap = new Map<string, Value>([
    ['inputs', new Map(inputs.values)],
    ['component', componentContext(options.component ?? {}, header.spec.component)],
  ]);
  const result = interpolateTemplate(content, { context, variables: options.variables ?? [] });
  if (!result.ok) {
    return fail(
      result.errors.map((e) => ({
        message: e.message,
        ...(e.path ? { location: { document: 'content' as const, path: e.path } } : {}),
      })),
    );
  }
  return { ok: true, content: result.value, hasHeader: true };
}

/** Only the fields listed in `spec:component` are visible to `$[[ component.* ]]`. */
function componentContext(component: ComponentContext, allowed: readonly string[]): ValueMap {
  const all: Record<string, Value | undefined> = {
    name: component.name,
    sha: component.sha,
    version: component.version,
    reference: component.reference,
  };
  return new Map(allowed.map((field) => [field, all[field] ?? null]));
}
