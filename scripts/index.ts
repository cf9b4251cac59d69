/** The toolkit's public API: what the `catalog` command is built from. */
export type { Diagnostic, Position, Severity } from './core/diagnostic.js';
export { formatDiagnostic, sortDiagnostics } from './core/diagnostic.js';
export { GitError, ToolkitError, UsageError } from './core/errors.js';
export { RubyFloat, YamlReference, fromPlain, toPlain, type Value, type ValueMap } from './gitlab/ruby/value.js';
export { validateHeader, type HeaderSpec } from './gitlab/inputs/header.js';
export { resolveInputs, type InputError } from './gitlab/inputs/resolve.js';
export {
  loadComponent,
  loadComponentText,
  type ComponentContext,
  type LoadError,
  type LoadOptions,
  type LoadResult,
  type Variable,
} from './gitlab/component/load.js';
export { renderPipelineInRepo, findComponentIncludes } from './gitlab/includes/processor.js';
export { componentInputsSchema } from './catalog/input-schema.js';
export { componentNameFromPath, parseComponentSource, type ComponentSource } from './gitlab/component/source.js';
export { discoverComponents, type ComponentFile } from './catalog/discover.js';
export { validateComponentSource } from './catalog/validate.js';
