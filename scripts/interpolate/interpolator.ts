// CONTRACT STUB: the real implementation replaces this file. Types are final.
import type { Value } from '../core/value.js';
import type { PathSegment } from '../template/yaml-ast.js';

/** A CI/CD variable as `expand_vars` sees it. */
export interface Variable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean | undefined;
}

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
  /** The input the error is about (`\`name\` input: …`), or the unknown argument names. */
  readonly inputs?: readonly string[] | undefined;
  /** Where in the component file the problem is (`[docIndex, ...path]` is not used: header/content paths). */
  readonly location?: { readonly document: 'header' | 'content'; readonly path: readonly PathSegment[] } | undefined;
}

export type LoadResult =
  | { readonly ok: true; readonly content: Value; readonly hasHeader: boolean }
  | { readonly ok: false; readonly message: string; readonly errors: readonly LoadError[] };

/** GitLab's `Yaml::Loader#load` for one component file: header check, inputs, interpolation. */
export declare function loadComponentText(text: string, file: string, options?: LoadOptions): LoadResult;
