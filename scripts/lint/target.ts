/**
 * Builds what the linter looks at: every component under `templates/` rendered with its defaults
 * and with the inputs of every example include of it (`examples/**`), plus pipeline files named on
 * the command line. Rendering uses the work tree: lint is about the code being written.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Position } from '../core/diagnostic.js';
import { isValueMap, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import { validateHeader, type HeaderSpec } from '../gitlab/inputs/header.js';
import { inputType, resolveInputs } from '../gitlab/inputs/resolve.js';
import { findBlocks, interpolateTemplate, splitBlockData, type Origins } from '../gitlab/interpolation/template.js';
import { findComponentIncludes } from '../gitlab/includes/processor.js';
import { parseComponentSource, type ComponentSource } from '../gitlab/component/source.js';
import { discoverComponents } from '../catalog/discover.js';
import { parseYamlDocuments, positionIn, rangeOfText, type ParsedDocument, type PathSegment } from '../gitlab/yaml/psych.js';
import type { Interpolation, LintProject, LintTarget, RenderedVariant, RenderFailure } from './rule.js';

/** Typed stand-ins for required inputs, so that every block renders and shellcheck sees a word. */
const PLACEHOLDERS: Record<string, Value> = { string: 'example', number: 1, boolean: true, array: ['example'] };

interface ExampleInputs {
  readonly component: string;
  readonly label: string;
  readonly inputs: ValueMap;
}

export async function loadLintProject(root: string, pipelineFiles: readonly string[] = []): Promise<LintProject> {
  const examples = await exampleInputs(root);
  const targets: LintTarget[] = [];
  for (const component of await discoverComponents(root)) {
    const text = await readFile(component.absolutePath, 'utf8');
    const sets = examples.filter((e) => e.component === component.name);
    targets.push(componentTarget(component.relativePath, component.name, text, sets));
  }
  for (const file of pipelineFiles) {
    const text = await readFile(path.resolve(root, file), 'utf8');
    targets.push(pipelineTarget(toDisplayPath(root, file), text));
  }
  return { root, targets };
}

export function componentTarget(file: string, name: string | undefined, text: string, examples: readonly ExampleInputs[] = []): LintTarget {
  const source = parseComponentSource(text, file);
  const header = source.header && !source.invalidFormat ? validateHeader(source.header.value as ValueMap) : undefined;
  const spec = header && header.errors.length === 0 ? header.spec : undefined;
  const interpolations = source.content ? scanInterpolations(source.content, text) : [];
  const variants: RenderedVariant[] = [];
  const renderFailures: RenderFailure[] = [];
  if (spec && source.content) {
    const sets = [{ label: 'defaults', inputs: new Map<string, Value>() }, ...examples];
    for (const set of sets) {
      const variant = renderVariant(source, spec, name, set.label, set.inputs);
      if ('content' in variant) variants.push(variant);
      else renderFailures.push(variant);
    }
  }
  return { file, kind: 'component', name, source, spec, interpolations, variants, renderFailures, text };
}

export function pipelineTarget(file: string, text: string): LintTarget {
  const source = parseComponentSource(text, file);
  const content = source.content;
  const variants: RenderedVariant[] = content
    ? [{ label: 'pipeline', inputs: new Map(), content: content.value, locate: (p, part) => positionIn(content, p, part) }]
    : [];
  return {
    file,
    kind: 'pipeline',
    source: { ...source, diagnostics: source.diagnostics.filter((d) => d.ruleId !== 'header') },
    interpolations: content ? scanInterpolations(content, text) : [],
    variants,
    renderFailures: [],
    text,
  };
}

/** A required input's stand-in: its first option when it has options, else a value of its type. */
function placeholder(type: string, spec: Value): Value {
  const options = isValueMap(spec) ? spec.get('options') : undefined;
  return Array.isArray(options) && options.length > 0 ? (options[0] ?? null) : (PLACEHOLDERS[type] ?? null);
}

function renderVariant(
  source: ComponentSource,
  spec: HeaderSpec,
  name: string | undefined,
  label: string,
  given: ValueMap,
): RenderedVariant | RenderFailure {
  const params = new Map(given);
  for (const [input, inputSpec] of spec.inputs) {
    const required = !(isValueMap(inputSpec) && (inputSpec.has('default') || inputSpec.has('rules')));
    const type = inputType(inputSpec);
    if (required && type && !params.has(input)) params.set(input, placeholder(type, inputSpec));
  }
  const resolved = resolveInputs(spec.inputs, params);
  if (resolved.errors.length > 0) {
    // Errors about the spec's own defaults are GitLab's findings already; the rest are about the inputs given.
    const stage = resolved.errors.every((e) => e.aboutDefault) ? 'defaults' : 'inputs';
    return { label, stage, message: resolved.errors.slice(0, 3).map((e) => e.message).join(', ') };
  }
  const context: ValueMap = new Map<string, Value>([
    ['inputs', new Map(resolved.values)],
    ['component', new Map<string, Value>(spec.component.map((field) => [field, field === 'name' && name ? name : `example-${field}`]))],
  ]);
  const content = source.content as ParsedDocument;
  const result = interpolateTemplate(content.value, { context, variables: [], traceOrigins: true });
  if (!result.ok) return { label, stage: 'interpolation', message: result.errors.slice(0, 3).map((e) => e.message).join(', ') };
  return { label, inputs: params, content: result.value, locate: (p, part) => locateThroughOrigins(content, result.origins, p, part) };
}

/** The source position of a rendered node: through its origin, or its nearest traced ancestor. */
function locateThroughOrigins(content: ParsedDocument, origins: Origins, outPath: readonly PathSegment[], part: 'key' | 'value' = 'value'): Position {
  for (let n = outPath.length; n >= 0; n--) {
    const origin = origins.get(JSON.stringify(outPath.slice(0, n)));
    if (origin) return positionIn(content, origin, n === outPath.length ? part : 'value');
  }
  return content.range.start;
}

/** Every `$[[ ]]` block in the content document's keys and string values, with its position. */
export function scanInterpolations(content: ParsedDocument, text: string): Interpolation[] {
  const lines = text.split('\n');
  const found: Interpolation[] = [];
  const visitString = (value: string, nodePath: PathSegment[], inKey: boolean) => {
    const blocks = findBlocks(value);
    const nodeRange = content.locate(nodePath, inKey ? 'key' : 'value');
    for (const block of blocks) {
      const { access, functions } = splitBlockData(block.data);
      const [context = '', rest = ''] = access.split(/\.(.*)/s);
      found.push({
        text: block.text,
        access,
        context,
        name: (rest.split('.')[0] ?? '').replace(/\[.*$/, ''),
        functions,
        path: nodePath,
        inKey,
        insideString: blocks.length > 1 || block.text.length !== value.length,
        range: rangeOfText(nodeRange, block.text, lines) ?? nodeRange ?? { start: content.range.start, end: content.range.start },
      });
    }
  };
  const walk = (node: Value, nodePath: PathSegment[]) => {
    if (typeof node === 'string') visitString(node, nodePath, false);
    else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...nodePath, i]));
    else if (isValueMap(node)) {
      for (const [key, value] of node) {
        visitString(key, [...nodePath, key], true);
        walk(value, [...nodePath, key]);
      }
    }
  };
  walk(content.value, []);
  return found;
}

/** Inputs of every include of a component of this catalog in `examples/**` (address `…/<name>@…`). */
async function exampleInputs(root: string): Promise<ExampleInputs[]> {
  const dir = path.join(root, 'examples');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(e.parentPath, e.name)).sort();
  const sets: ExampleInputs[] = [];
  for (const file of files) {
    const parsed = parseYamlDocuments(await readFile(file, 'utf8'), toDisplayPath(root, file));
    const doc = parsed.documents[parsed.documents.length - 1];
    if (!doc) continue;
    for (const include of findComponentIncludes(doc)) {
      const address = typeof include.address === 'string' ? include.address : '';
      const component = /\/([\w-]+)@[^/]*$/.exec(address)?.[1];
      if (!component || !isOwnProject(address)) continue;
      const at = include.locations.component?.start ?? doc.range.start;
      const inputs = isValueMap(include.inputs ?? null) ? (include.inputs as ValueMap) : new Map<string, Value>();
      sets.push({ component, label: `${toDisplayPath(root, file)}:${at.line}:${at.column}`, inputs });
    }
  }
  return sets;
}

/** Examples include this catalog through `$CI_PROJECT_PATH`, as the catalog's own pipeline does. */
const isOwnProject = (address: string) => /\$\{?CI_PROJECT_PATH\}?\//.test(address);

const toDisplayPath = (root: string, file: string) => path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
