/**
 * `catalog render`: expand a consumer pipeline's `include: component:` entries that point at this
 * catalog, reading each component at the resolved git revision, and merge the results the way
 * GitLab's `Gitlab::Ci::Config::External::Processor#perform` does:
 *
 *     validate_external_files!   # any invalid file fails the whole config with its first error
 *     merge_external_files!      # @content.deep_merge!(file.to_hash), in include order
 *     append_inline_content!     # @content.deep_merge!(@values): the including file wins
 *     remove_include_keyword!    # @content.delete(:include)
 *
 * and `return @values if @external_files.empty?`: a pipeline with no includes is left untouched.
 * `deep_merge!` is ActiveSupport's: two hashes merge recursively, anything else (arrays included)
 * is replaced by the later value; a key keeps the position where it first appeared.
 *
 * Includes that are not components of this catalog (local, project, remote, template, artifact,
 * other projects' components) cannot be expanded offline. They stay in an `include:` list at the
 * top of the output, with a note each. Nested includes of an expanded component are expanded the
 * same way (GitLab expands them inside the component file, in the component project at its SHA);
 * those that cannot be are hoisted into that list, a nested `local:` becoming the equivalent
 * `project:` + `ref:` include.
 */
import { sortDiagnostics, type Diagnostic, type Position } from '../../core/diagnostic.js';
import { deepMerge } from '../ruby/hash.js';
import { rubyToS } from '../ruby/inspect.js';
import { isPresent } from '../ruby/presence.js';
import { isValueMap, toPlain, type Value, type ValueMap } from '../ruby/value.js';
import { showFiles } from '../../core/git.js';
import * as interpolator from '../component/load.js';
import type { LoadResult, Variable } from '../component/load.js';
import { parseYamlDocuments, type ParsedDocument, type PathSegment, type SourceRange } from '../yaml/psych.js';
import { expandVariables, fetchErrors, isThisCatalog, parseComponentAddress, predefinedVariables } from './component-address.js';
import { prepareRender, type ComponentLoader, type RenderContext, type RenderOptions } from './context.js';
import { listCatalogVersions, resolveVersion, type CatalogVersion, type ResolvedVersion } from './versions.js';

export { prepareRender, resolveCommitContext, type ComponentLoader, type RenderContext, type RenderOptions } from './context.js';

const defaultLoader: ComponentLoader = (text, file, options) => interpolator.loadComponentText(text, file, options);

/** `ci_max_includes`' default: "Maximum of 150 nested includes are allowed!". */
export const MAX_INCLUDES = 150;

// ---------------------------------------------------------------------------------------------
// Finding includes

export interface IncludeEntry {
  /** `['include', index]` in a list, `['include']` when `include:` is a single string or hash. */
  readonly path: readonly PathSegment[];
  readonly value: Value;
}

/** `Array.wrap(values.fetch(:include, [])).compact`: the include locations in order. */
export function includeEntries(pipeline: Value): IncludeEntry[] {
  if (!isValueMap(pipeline) || !pipeline.has('include')) return [];
  const include = pipeline.get('include') ?? null;
  if (include === null) return [];
  if (!Array.isArray(include)) return [{ path: ['include'], value: include }];
  const entries: IncludeEntry[] = [];
  include.forEach((value, index) => {
    if (value !== null) entries.push({ path: ['include', index], value });
  });
  return entries;
}

export interface ComponentIncludeLocations {
  /** The include entry itself (the list item, or the `include:` value). */
  readonly entry: SourceRange | undefined;
  /** The `component:` value. */
  readonly component: SourceRange | undefined;
  /** The `inputs:` key. */
  readonly inputs: SourceRange | undefined;
  /** Each input's key under `inputs:`. */
  readonly inputKeys: ReadonlyMap<string, SourceRange>;
}

export interface ComponentInclude {
  readonly path: readonly PathSegment[];
  readonly entry: ValueMap;
  /** The `component:` value as written (variables not expanded); normally a string. */
  readonly address: Value;
  /** The `inputs:` value, `undefined` when the entry has no `inputs:` key. */
  readonly inputs: Value | undefined;
  readonly locations: ComponentIncludeLocations;
}

/** Every `include:` entry that is a hash with a `component:` key, with source positions. */
export function findComponentIncludes(doc: ParsedDocument): ComponentInclude[] {
  const found: ComponentInclude[] = [];
  for (const { path, value } of includeEntries(doc.value)) {
    if (!isValueMap(value) || !value.has('component')) continue;
    const inputs = value.get('inputs');
    const inputKeys = new Map<string, SourceRange>();
    if (isValueMap(inputs)) {
      for (const name of inputs.keys()) {
        const range = doc.locate([...path, 'inputs', name], 'key');
        if (range) inputKeys.set(name, range);
      }
    }
    found.push({
      path,
      entry: value,
      address: value.get('component') ?? null,
      inputs,
      locations: {
        entry: doc.locate(path, 'value'),
        component: doc.locate([...path, 'component'], 'value'),
        inputs: doc.locate([...path, 'inputs'], 'key'),
        inputKeys,
      },
    });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export type RenderOutcome =
  | { readonly ok: true; readonly value: Value; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Where diagnostics about one top-level include entry go. */
interface EntryLocator {
  entry(path: readonly PathSegment[]): SourceRange | undefined;
  component(path: readonly PathSegment[]): SourceRange | undefined;
  inputKey(path: readonly PathSegment[], name: string): SourceRange | undefined;
}

interface Expansion {
  /** The merged content (or the untouched values when nothing was expanded). */
  readonly value: ValueMap;
  /** Whether at least one file was merged in. */
  readonly expanded: boolean;
  /** Entries left for GitLab, in order (already rewritten for the consumer's context). */
  readonly kept: Value[];
}

class TooManyIncludes extends Error {}

/** `Matcher#file_subkeys`, in `file_classes` order. */
const FILE_SUBKEYS = ['local', 'project', 'remote', 'template', 'artifact', 'component'] as const;

/** The file classes whose `matching?` accepts a hash location (`Project` needs `file` and `project`). */
function matchingFileTypes(entry: ValueMap): string[] {
  return FILE_SUBKEYS.filter((type) =>
    type === 'project' ? isPresent(entry.get('file')) && isPresent(entry.get('project')) : isPresent(entry.get(type)),
  );
}
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

class Renderer {
  readonly #ctx: RenderContext;
  readonly #file: string;
  readonly #variables: Variable[];
  readonly #loader: ComponentLoader;
  readonly errors: Diagnostic[] = [];
  readonly notes: Diagnostic[] = [];
  #includes = 0;
  /** The SHA of the component whose nested includes are being expanded. */
  #nestedSha: string | undefined;
  #versions: Promise<CatalogVersion[]> | undefined;
  readonly #resolved = new Map<string, Promise<ResolvedVersion | undefined>>();
  readonly #templates = new Map<string, Promise<{ text: string; path: string } | undefined>>();

  constructor(ctx: RenderContext, file: string) {
    this.#ctx = ctx;
    this.#file = file;
    this.#variables = predefinedVariables(ctx.catalog, ctx.commit);
    this.#loader = ctx.loader ?? defaultLoader;
  }

  get variables(): readonly Variable[] {
    return this.#variables;
  }

  #diagnostic(severity: 'error' | 'info', message: string, range: SourceRange | undefined, fallback: Position): Diagnostic {
    return {
      ruleId: 'include',
      severity,
      message,
      file: this.#file,
      start: range?.start ?? fallback,
      end: range?.end,
    };
  }

  /**
   * One `Processor#perform` over `values`. `locator` places diagnostics for top-level entries;
   * nested entries (`anchor` set) report at the consumer's include that brought them in.
   */
  async expand(values: ValueMap, locator: EntryLocator, anchor: SourceRange | undefined, fallback: Position): Promise<Expansion> {
    const entries = includeEntries(values);
    if (entries.length === 0) return { value: values, expanded: false, kept: [] };
    const nested = anchor !== undefined;
    const at = (range: SourceRange | undefined) => (nested ? anchor : range);
    const contents: ValueMap[] = [];
    const kept: Value[] = [];
    let failed = false;
    // Start the git lookups of this catalog's components together; the loop below meets them
    // (memoized) in order.
    for (const { value } of entries) this.#prefetch(value);

    for (const { path, value } of entries) {
      this.#includes += 1;
      if (this.#includes > MAX_INCLUDES) throw new TooManyIncludes(`Maximum of ${MAX_INCLUDES} nested includes are allowed!`);
      const entryRange = at(locator.entry(path));
      // Mapper::Matcher: exactly one file class must match a hash location.
      const types = isValueMap(value) ? matchingFileTypes(value) : [];
      if (isValueMap(value) && types.length !== 1) {
        failed = true;
        const message =
          types.length === 0
            ? `\`${this.#locationJson(value)}\` does not have a valid subkey for include. Valid subkeys are: \`${FILE_SUBKEYS.join('`, `')}\``
            : `Each include must use only one of: \`${FILE_SUBKEYS.join('`, `')}\``;
        this.errors.push(this.#diagnostic('error', message, entryRange, fallback));
        continue;
      }
      if (!isValueMap(value) || types[0] !== 'component') {
        kept.push(nested ? this.#rehome(value) : value);
        this.notes.push(this.#diagnostic('info', `${describeInclude(value)} is left in include: for GitLab to expand`, entryRange, fallback));
        continue;
      }
      const componentRange = at(locator.component(path)) ?? entryRange;
      const result = await this.#component(value, value.get('component') ?? null, path, locator, anchor, componentRange, fallback);
      if (result.kind === 'error') {
        failed = true;
        this.errors.push(this.#diagnostic('error', result.message, result.range ?? componentRange, fallback));
      } else if (result.kind === 'kept') {
        kept.push(value);
        this.notes.push(this.#diagnostic('info', result.note, componentRange, fallback));
      } else {
        contents.push(result.content);
        kept.push(...result.kept);
      }
    }

    if (failed || contents.length === 0) return { value: values, expanded: false, kept };
    let merged: ValueMap = new Map();
    for (const content of contents) merged = deepMerge(merged, content);
    merged = deepMerge(merged, values);
    merged.delete('include');
    return { value: merged, expanded: true, kept };
  }

  async #component(
    entry: ValueMap,
    address: Value,
    path: readonly PathSegment[],
    locator: EntryLocator,
    anchor: SourceRange | undefined,
    componentRange: SourceRange | undefined,
    fallback: Position,
  ): Promise<
    | { kind: 'error'; message: string; range?: SourceRange | undefined }
    | { kind: 'kept'; note: string }
    | { kind: 'content'; content: ValueMap; kept: Value[] }
  > {
    if (typeof address !== 'string') {
      // `"#{location}"` of the location VariablesExpander left: Ruby's `to_s` of a hash or an array.
      const location = this.#expandLocation(entry).get('component') ?? null;
      return { kind: 'error', message: `Included file \`${rubyToS(location)}\` needs to be a string` };
    }
    const expansion = expandVariables(address, this.#variables);
    for (const name of expansion.unknown) {
      this.notes.push(
        this.#diagnostic(
          'info',
          `$${name} is not a variable the renderer knows: it was expanded to "" as GitLab does for an undefined variable`,
          componentRange,
          fallback,
        ),
      );
    }
    const expanded = expansion.text;
    const parsed = parseComponentAddress(expanded, this.#ctx.catalog.serverFqdn);
    if (parsed.kind === 'unsupported') return { kind: 'error', message: fetchErrors.unsupportedPath(expanded) };
    if (parsed.kind === 'no-project') return { kind: 'error', message: fetchErrors.contentNotFound(expanded) };
    const component = parsed.component;
    if (!isThisCatalog(component, this.#ctx.catalog)) {
      return {
        kind: 'kept',
        note: `component of project "${component.projectPath}" is left in include: for GitLab to expand (this catalog is "${this.#ctx.catalog.projectPath}")`,
      };
    }
    if (entry.has('rules')) {
      this.notes.push(
        this.#diagnostic('info', 'include:rules are not evaluated by the renderer: the component is included', componentRange, fallback),
      );
    }

    const resolved = await this.#resolve(component.reference);
    if (!resolved) return { kind: 'error', message: fetchErrors.contentNotFound(expanded) };
    const template = await this.#template(resolved.sha, component.name);
    if (!template) return { kind: 'error', message: fetchErrors.contentNotFound(expanded) };

    let inputs = entry.get('inputs') ?? undefined;
    if (typeof inputs === 'string') inputs = expandVariables(inputs, this.#variables).text;
    const result = this.#loader(template.text, template.path, {
      ...(inputs === null || inputs === undefined ? {} : { inputs }),
      variables: this.#variables,
      component: { name: component.name, sha: resolved.sha, version: resolved.version, reference: resolved.reference },
    });
    if (!result.ok) {
      const range = anchor === undefined ? this.#inputRange(result, path, locator) : undefined;
      return { kind: 'error', message: `\`${expanded}\`: ${result.message}`, range };
    }
    const content = result.content;
    if (!isPresent(content)) return { kind: 'error', message: `Included file \`${expanded}\` contains no configuration!` };
    if (!isValueMap(content)) return { kind: 'error', message: `\`${expanded}\`: Invalid configuration format` };

    // Nested includes are expanded in the component's own context (Base#expand_includes).
    const errorsBefore = this.errors.length;
    const inner = await this.#expandNested(content, resolved.sha, anchor ?? componentRange, fallback);
    if (this.errors.length > errorsBefore) return { kind: 'content', content: new Map(), kept: [] };
    return { kind: 'content', content: inner.value, kept: inner.kept };
  }

  async #expandNested(content: ValueMap, sha: string, anchor: SourceRange | undefined, fallback: Position): Promise<Expansion> {
    const noLocation: EntryLocator = { entry: () => undefined, component: () => undefined, inputKey: () => undefined };
    const previous = this.#nestedSha;
    this.#nestedSha = sha;
    try {
      const inner = await this.expand(content, noLocation, anchor ?? { start: fallback, end: fallback }, fallback);
      const value = new Map(inner.value);
      value.delete('include');
      return { value, expanded: inner.expanded, kept: inner.kept };
    } finally {
      this.#nestedSha = previous;
    }
  }


  /**
   * A nested include, rewritten to mean the same thing from the consumer's pipeline: `local:`
   * (a string that is not a URL is one too) is relative to the component's project and SHA.
   */
  #rehome(value: Value): Value {
    const sha = this.#nestedSha;
    if (sha === undefined) return value;
    const project = this.#ctx.catalog.projectPath;
    if (typeof value === 'string') {
      return URL_PATTERN.test(value) ? value : new Map<string, Value>([['project', project], ['ref', sha], ['file', value]]);
    }
    if (isValueMap(value) && value.has('local')) {
      const out = new Map<string, Value>([['project', project], ['ref', sha], ['file', value.get('local') ?? null]]);
      for (const [key, item] of value) if (key !== 'local') out.set(key, item);
      return out;
    }
    return value;
  }

  /** `Mapper::VariablesExpander` on a hash location: string values expanded, array items `to_s`-ed and expanded, the rest kept. */
  #expandLocation(entry: ValueMap): ValueMap {
    const expand = (text: string) => expandVariables(text, this.#variables).text;
    const expanded = new Map<string, Value>();
    for (const [key, item] of entry) {
      if (typeof item === 'string') expanded.set(key, expand(item));
      else if (Array.isArray(item)) expanded.set(key, item.map((element) => expand(rubyToS(element))));
      else expanded.set(key, item);
    }
    return expanded;
  }

  /** `location.to_json` after `VariablesExpander`. */
  #locationJson(entry: ValueMap): string {
    return JSON.stringify(toPlain(this.#expandLocation(entry)));
  }

  /** Starts resolving and reading the component `value` names, when it is one of this catalog's. */
  #prefetch(value: Value): void {
    if (!isValueMap(value) || !value.has('component')) return;
    const types = matchingFileTypes(value);
    const address = value.get('component');
    if (types.length !== 1 || types[0] !== 'component' || typeof address !== 'string') return;
    const parsed = parseComponentAddress(expandVariables(address, this.#variables).text, this.#ctx.catalog.serverFqdn);
    if (parsed.kind !== 'component' || !isThisCatalog(parsed.component, this.#ctx.catalog)) return;
    const { reference, name } = parsed.component;
    this.#resolve(reference)
      .then((resolved) => (resolved ? this.#template(resolved.sha, name) : undefined))
      .catch(() => undefined);
  }

  // One render sees one repository state: versions, references and files are looked up once
  // (GitLab memoizes the same lookups per request in SafeRequestStore).
  #resolve(reference: string): Promise<ResolvedVersion | undefined> {
    let found = this.#resolved.get(reference);
    if (!found) {
      // The tags are listed once, and only for a reference that can name a catalog version.
      found = resolveVersion(this.#ctx.repo, reference, () => (this.#versions ??= listCatalogVersions(this.#ctx.repo)));
      this.#resolved.set(reference, found);
    }
    return found;
  }

  #template(sha: string, name: string): Promise<{ text: string; path: string } | undefined> {
    const key = `${sha}\0${name}`;
    let found = this.#templates.get(key);
    if (!found) {
      found = this.#fetchTemplate(sha, name);
      this.#templates.set(key, found);
    }
    return found;
  }

  /**
   * `InstancePath#fetch_component_content`: `templates/<name>.yml`, else
   * `templates/<name>/template.yml`, each only when its content is `present?` (not blank).
   */
  async #fetchTemplate(sha: string, name: string): Promise<{ text: string; path: string } | undefined> {
    // Both candidates in one git round trip.
    const paths = [`templates/${name}.yml`, `templates/${name}/template.yml`];
    const texts = await showFiles(this.#ctx.repo, sha, paths);
    for (const [i, path] of paths.entries()) {
      const text = texts[i];
      if (text !== undefined && isPresent(text)) return { text, path };
    }
    return undefined;
  }

  /** The consumer's `inputs.<name>` key an error is about: the earliest one present in the include. */
  #inputRange(result: LoadResult & { ok: false }, path: readonly PathSegment[], locator: EntryLocator): SourceRange | undefined {
    // The message joins the first few errors; only those are "reported".
    const reported = result.errors.filter((error) => result.message.includes(error.message));
    for (const error of reported) {
      const ranges = (error.inputs ?? [])
        .map((name) => locator.inputKey(path, name))
        .filter((range): range is SourceRange => range !== undefined)
        .sort((a, b) => a.start.line - b.start.line || a.start.column - b.start.column);
      if (ranges[0]) return ranges[0];
    }
    return undefined;
  }
}

function describeInclude(value: Value): string {
  if (typeof value === 'string') return `include "${value}"`;
  if (isValueMap(value)) {
    const key = [...FILE_SUBKEYS].reverse().find((k) => value.has(k));
    if (key !== undefined) {
      const target = value.get(key);
      return `\`${key}\` include${typeof target === 'string' ? ` "${target}"` : ''}`;
    }
  }
  return 'include';
}

/**
 * Renders a consumer pipeline. Errors (exit 1) and notes are diagnostics in `file`; nothing is
 * thrown for problems in the user's YAML. GitError/UsageError are thrown for operational failures.
 */
export async function renderPipeline(text: string, file: string, ctx: RenderContext): Promise<RenderOutcome> {
  const parsed = parseYamlDocuments(text, file);
  const syntax = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (syntax.length > 0) return { ok: false, diagnostics: sortDiagnostics(syntax) };
  const warnings = parsed.diagnostics.filter((d) => d.severity !== 'error');
  const renderer = new Renderer(ctx, file);

  const documents = parsed.documents.filter((doc) => doc.value !== null);
  const first = documents[0];
  const hasHeader = documents.length > 1 && first !== undefined && isValueMap(first.value) && first.value.has('spec');
  const doc = hasHeader ? documents[documents.length - 1] : first;
  const start: Position = doc?.range.start ?? { line: 1, column: 1 };

  let values: Value = doc?.value ?? new Map<string, Value>();
  for (const d of documents) {
    if (!isValueMap(d.value)) {
      return { ok: false, diagnostics: [{ ruleId: 'syntax', severity: 'error', message: 'Invalid configuration format', file, start: d.range.start }] };
    }
  }
  if (hasHeader) {
    // A pipeline with its own `spec:inputs` is interpolated first; no pipeline inputs are given.
    const result = (ctx.loader ?? defaultLoader)(text, file, { inputs: new Map(), variables: renderer.variables });
    if (!result.ok) {
      return { ok: false, diagnostics: [{ ruleId: 'interpolation', severity: 'error', message: result.message, file, start }] };
    }
    values = result.content;
  }
  if (!isValueMap(values)) {
    return { ok: false, diagnostics: [{ ruleId: 'syntax', severity: 'error', message: 'Invalid configuration format', file, start }] };
  }

  const locator: EntryLocator = {
    entry: (path) => doc?.locate(path, 'value') ?? doc?.locate(['include'], 'key'),
    component: (path) => doc?.locate([...path, 'component'], 'value'),
    inputKey: (path, name) => doc?.locate([...path, 'inputs', name], 'key'),
  };
  let expansion: Expansion;
  try {
    expansion = await renderer.expand(values, locator, undefined, start);
  } catch (error) {
    if (!(error instanceof TooManyIncludes)) throw error;
    const range = doc?.locate(['include'], 'key');
    return {
      ok: false,
      diagnostics: [{ ruleId: 'include', severity: 'error', message: error.message, file, start: range?.start ?? start }],
    };
  }
  if (renderer.errors.length > 0) return { ok: false, diagnostics: sortDiagnostics(renderer.errors) };

  let value: ValueMap = expansion.value;
  if (expansion.expanded && expansion.kept.length > 0) {
    value = new Map<string, Value>([['include', expansion.kept], ...expansion.value]);
  }
  return { ok: true, value, diagnostics: sortDiagnostics([...warnings, ...renderer.notes]) };
}

/** `prepareRender` + `renderPipeline`. */
export async function renderPipelineInRepo(
  text: string,
  file: string,
  repo: string,
  options: RenderOptions = {},
): Promise<RenderOutcome> {
  return renderPipeline(text, file, await prepareRender(repo, options));
}
