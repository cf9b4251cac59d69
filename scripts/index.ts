/** The toolkit's public API: what the `catalog` command is built from. */
export type { Diagnostic, Position, Severity } from './core/diagnostic.js';
export { formatDiagnostic, sortDiagnostics } from './core/diagnostic.js';
export { GitError, ToolkitError, UsageError } from './core/errors.js';
export { RubyFloat, YamlReference, fromPlain, toPlain, type Value, type ValueMap } from './core/value.js';
export { validateHeader, type HeaderSpec } from './inputs/header.js';
export { resolveInputs, type InputError } from './inputs/resolve.js';
export {
  loadComponent,
  loadComponentText,
  type ComponentContext,
  type LoadError,
  type LoadOptions,
  type LoadResult,
  type Variable,
} from './interpolate/interpolator.js';
export { renderPipelineInRepo, findComponentIncludes } from './render/render.js';
export { componentInputsSchema } from './schema/input-schema.js';
export { componentNameFromPath, parseComponentSource, type ComponentSource } from './template/component.js';
export { discoverComponents, type ComponentFile } from './template/discover.js';
export { validateComponentSource } from './validate/component.js';
