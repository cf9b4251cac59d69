/**
 * Builds what the linter looks at: every component under `templates/` rendered with its defaults
 * and with the inputs of every example include of it (`examples/**`), plus pipeline files named on
 * the command line. Rendering uses the work tree: lint is about the code being written.
 */
import { readdir } from 'node:fs/promises';
import { readTextFile } from '../core/files.js';
import path from 'node:path';
import type { Position } from '../core/diagnostic.js';
import { isValueMap, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import type { HeaderSpec } from '../gitlab/inputs/header.js';
import { findBlocks, splitBlockData, type Origins } from '../gitlab/interpolation/template.js';
import { findComponentIncludes } from '../gitlab/includes/processor.js';
import { isInterpolatable, parseComponentSource, type InterpolatableSource } from '../gitlab/component/source.js';
import { errorMessage, interpolateComponent } from '../gitlab/component/load.js';
import { RENDERING_STAND_INS } from '../gitlab/component/stand-ins.js';
import { discoverComponents } from '../catalog/discover.js';
import { buildCatalog } from '../catalog/build/build.js';
import { parseYamlDocuments, positionIn, rangeOfText, type ParsedDocument, type PathSegment } from '../gitlab/yaml/psych.js';
import type { Interpolation, LintProject, LintTarget, RenderedVariant, RenderFailure } from './rule.js';

interface ExampleInputs {
  readonly component: string;
  readonly label: string;
  readonly inputs: ValueMap;
}

export async function loadLintProject(root: string, pipelineFiles: readonly string[] = []): Promise<LintProject> {
  const examples = await exampleInputs(root);
  const targets: LintTarget[] = [];
  // A component with sources is linted as its sources build it now, stale template or not
  // (`catalog build --check` reports staleness); one whose sources do not build is linted as it is on disk.
  const builds = new Map((await buildCatalog(root)).templates.filter((t) => t.problems.length === 0).map((t) => [t.target, t]));
  for (const component of await discoverComponents(root)) {
    const built = builds.get(component.relativePath);
    const text = built?.text ?? (await readTextFile(component.absolutePath, component.relativePath));
    const sets = examples.filter((e) => e.component === component.name);
    targets.push({ ...componentTarget(component.relativePath, component.name, text, sets), built });
  }
  for (const file of pipelineFiles) {
    const text = await readTextFile(path.resolve(root, file), file);
    targets.push(pipelineTarget(toDisplayPath(root, file), text));
  }
  return { root, targets };
}

export function componentTarget(file: string, name: string | undefined, text: string, examples: readonly ExampleInputs[] = []): LintTarget {
  const source = parseComponentSource(text, file);
  const interpolations = source.content ? scanInterpolations(source.content, text) : [];
  const variants: RenderedVariant[] = [];
  const renderFailures: RenderFailure[] = [];
  let spec: HeaderSpec | undefined;
  if (isInterpolatable(source)) {
    const sets = [{ label: 'defaults', inputs: new Map<string, Value>() }, ...examples];
    for (const set of sets) {
      const rendered = renderVariant(source, name, set.label, set.inputs);
      // The header is the same for every set: when it is invalid, nothing renders.
      if (!rendered) break;
      spec = rendered.spec;
      if ('content' in rendered.variant) variants.push(rendered.variant);
      else renderFailures.push(rendered.variant);
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

/**
 * The component rendered with `given` and stand-ins for the other required inputs, or why GitLab
 * would not render it (its first three errors); undefined when the header is invalid.
 */
function renderVariant(
  source: InterpolatableSource,
  name: string | undefined,
  label: string,
  given: ValueMap,
): { spec: HeaderSpec; variant: RenderedVariant | RenderFailure } | undefined {
  const result = interpolateComponent(source, {
    inputs: given,
    standIns: RENDERING_STAND_INS,
    component: RENDERING_STAND_INS.component(name),
    traceOrigins: true,
  });
  const { spec, inputs } = result;
  if (!spec) return undefined;
  if (result.ok) {
    const content = source.content;
    return { spec, variant: { label, inputs, content: result.content, locate: (p, part) => locateThroughOrigins(content, result.origins, p, part) } };
  }
  if (result.failedAt === 'inputs') {
    // Errors about the spec's own defaults are GitLab's findings already; the rest are about the inputs given.
    const stage = result.inputErrors.every((e) => e.aboutDefault) ? 'defaults' : 'inputs';
    return { spec, variant: { label, stage, message: errorMessage(result.inputErrors) } };
  }
  return { spec, variant: { label, stage: 'interpolation', message: errorMessage(result.interpolationErrors) } };
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
    const parsed = parseYamlDocuments(await readTextFile(file, toDisplayPath(root, file)), toDisplayPath(root, file));
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
