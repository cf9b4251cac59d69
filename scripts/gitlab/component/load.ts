/**
 * Loading one component file, in GitLab's two steps:
 * - `interpolateComponent` is `Interpolation::Interpolator#interpolate!`: validate the header,
 *   resolve the inputs, build the context, interpolate the content document. It is the one
 *   pipeline every caller goes through (`catalog interpolate`/`render` through `loadComponent`,
 *   `catalog validate`, `catalog lint`); it returns each stage's errors with what is known of
 *   where they come from, and each caller words them its own way. Callers that have no consumer
 *   pass `standIns` for the required inputs (./stand-ins.ts).
 * - `loadComponent` is `Yaml::Loader#load` around it: the file's own checks (YAML, documents, the
 *   arguments being a hash), then GitLab's `error_message`: the first three errors joined with ", ".
 */
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { ExpandableVariable } from '../variables.js';
import { validateHeader, type HeaderError, type HeaderSpec } from '../inputs/header.js';
import { resolveInputs, type InputError } from '../inputs/resolve.js';
import { isInterpolatable, parseComponentSource, type ComponentSource, type InterpolatableSource } from './source.js';
import type { PathSegment } from '../yaml/psych.js';
import { interpolateTemplate, type Origins, type TemplateError } from '../interpolation/template.js';
import { standInsFor, type StandIns } from './stand-ins.js';

/** A CI/CD variable as `expand_vars` sees it. */
export type Variable = ExpandableVariable;

/** What `$[[ component.* ]]` may read, before slicing by `spec:component`. */
export interface ComponentContext {
  readonly name?: string | undefined;
  readonly sha?: string | undefined;
  readonly version?: string | null | undefined;
  readonly reference?: string | undefined;
}

export interface InterpolateOptions {
  /** The include's `inputs:` (GitLab's `args`). */
  readonly inputs?: ValueMap | undefined;
  readonly variables?: readonly Variable[] | undefined;
  readonly component?: ComponentContext | undefined;
  /** Values for the required inputs that `inputs` leaves out; without them GitLab says they are missing. */
  readonly standIns?: StandIns | undefined;
  /**
   * GitLab stops at the first stage that fails and at the first invalid block (the default); false
   * goes on past input errors and invalid blocks to collect every finding.
   */
  readonly stopAtFirstInvalid?: boolean | undefined;
  /** Record where each node of the content comes from (`Origins`). */
  readonly traceOrigins?: boolean | undefined;
}

interface Stages {
  /** Errors of the header document, each with the path of its node there. */
  readonly headerErrors: readonly HeaderError[];
  /** The arguments with the stand-ins added. */
  readonly inputs: ValueMap;
  readonly inputErrors: readonly InputError[];
  /** Errors of the content document, each with the path of its node and the block's text. */
  readonly interpolationErrors: readonly TemplateError[];
}

export type ComponentInterpolation =
  | (Stages & { readonly ok: true; readonly spec: HeaderSpec; readonly content: Value; readonly origins: Origins })
  | (Stages & {
      readonly ok: false;
      /** The stage GitLab fails at: only its errors are GitLab's. */
      readonly failedAt: 'header' | 'inputs' | 'interpolation';
      /** When the header is valid. */
      readonly spec?: HeaderSpec | undefined;
    });

export function interpolateComponent(source: InterpolatableSource, options: InterpolateOptions = {}): ComponentInterpolation {
  const given = options.inputs ?? new Map<string, Value>();
  const header = validateHeader(source.header.value as ValueMap);
  const none = { inputs: given, inputErrors: [], interpolationErrors: [] };
  if (header.errors.length > 0) return { ok: false, failedAt: 'header', headerErrors: header.errors, ...none };
  const spec = header.spec;

  const inputs = new Map(given);
  const standIns = options.standIns ? standInsFor(spec.inputs, options.standIns) : new Map<string, Value>();
  for (const [name, value] of standIns) if (!inputs.has(name)) inputs.set(name, value);
  const resolved = resolveInputs(spec.inputs, inputs);
  const stopAtFirstInvalid = options.stopAtFirstInvalid ?? true;
  const reached = { headerErrors: [], inputs, inputErrors: resolved.errors, spec };
  if (resolved.errors.length > 0 && stopAtFirstInvalid) return { ok: false, failedAt: 'inputs', ...reached, interpolationErrors: [] };

  const context: ValueMap = new Map<string, Value>([
    ['inputs', new Map(resolved.values)],
    ['component', componentContext(options.component ?? {}, spec.component)],
  ]);
  const result = interpolateTemplate(source.content.value, {
    context,
    variables: options.variables ?? [],
    stopAtFirstInvalid,
    traceOrigins: options.traceOrigins,
  });
  const interpolationErrors = result.ok ? [] : result.errors;
  if (resolved.errors.length > 0) return { ok: false, failedAt: 'inputs', ...reached, interpolationErrors };
  if (!result.ok) return { ok: false, failedAt: 'interpolation', ...reached, interpolationErrors };
  return { ok: true, ...reached, interpolationErrors: [], content: result.value, origins: result.origins };
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

export interface LoadOptions {
  /** The include's `inputs:` (GitLab's `args`); anything but a hash gives "Given inputs must be a hash". */
  readonly inputs?: Value | undefined;
  readonly variables?: readonly Variable[] | undefined;
  readonly component?: ComponentContext | undefined;
  /** Also return, for every node of the content, the content-document node it was made from. */
  readonly traceOrigins?: boolean | undefined;
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
  | {
      readonly ok: true;
      readonly content: Value;
      readonly hasHeader: boolean;
      /** With `traceOrigins`: where each node of `content` comes from in `source`'s content document. */
      readonly origins?: Origins | undefined;
      readonly source?: ComponentSource | undefined;
    }
  | {
      readonly ok: false;
      readonly message: string;
      readonly errors: readonly LoadError[];
      /** The inputs the header declares, when it is valid (for suggestions next to GitLab's text). */
      readonly declaredInputs?: readonly string[] | undefined;
    };

export const MAX_REPORTED_ERRORS = 3;

/** GitLab's `error_message`: the first three errors joined with ", ". */
export function errorMessage(errors: readonly { readonly message: string }[]): string {
  return errors
    .slice(0, MAX_REPORTED_ERRORS)
    .map((e) => e.message)
    .join(', ');
}

const fail = (errors: LoadError[], declaredInputs?: readonly string[]): LoadResult => ({
  ok: false,
  message: errorMessage(errors),
  errors,
  ...(declaredInputs ? { declaredInputs } : {}),
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
  if (!isInterpolatable(source)) return { ok: true, content: source.content?.value ?? new Map<string, Value>(), hasHeader: false };

  const result = interpolateComponent(source, {
    inputs: args,
    variables: options.variables,
    component: options.component,
    traceOrigins: options.traceOrigins,
  });
  if (result.ok) {
    return { ok: true, content: result.content, hasHeader: true, ...(options.traceOrigins ? { origins: result.origins, source } : {}) };
  }
  switch (result.failedAt) {
    case 'header':
      return fail(result.headerErrors.map((e) => ({ message: e.message, location: { document: 'header', path: e.path } })));
    case 'inputs':
      return fail(
        result.inputErrors.map((e) => ({
          message: e.message,
          inputs: e.inputs,
          ...(e.aboutDefault && e.inputs[0] !== undefined
            ? { location: { document: 'header' as const, path: ['spec', 'inputs', e.inputs[0], 'default'] } }
            : {}),
        })),
        result.spec ? [...result.spec.inputs.keys()] : undefined,
      );
    case 'interpolation':
      return fail(
        result.interpolationErrors.map((e) => ({
          message: e.message,
          ...(e.path ? { location: { document: 'content' as const, path: e.path } } : {}),
        })),
      );
  }
}
