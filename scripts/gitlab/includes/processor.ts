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
 * Components are read from the catalog sources of the context (`CatalogSource`: a project on
 * `$CI_SERVER_FQDN` and a local repository with its branches and tags); the pipeline's own project
 * is one of them. Includes that are not components (local, project, remote, template, artifact)
 * cannot be expanded offline: they stay in an `include:` list at the top of the output, with a note
 * each; a component of a project no source serves stays there too, with a warning (or GitLab's
 * "project does not exist" error when its path is a near miss of a source's). Nested includes of an
 * expanded component are expanded the same way (GitLab expands them inside the component file, in
 * the component project at its SHA); those that cannot be are hoisted into that list, a nested
 * `local:` becoming the equivalent `project:` + `ref:` include.
 *
 * Where GitLab's answer leaves the user guessing, a hint follows its text after "; " (`hints.ts`).
 */
import { sortDiagnostics, type Diagnostic, type Position } from '../../core/diagnostic.js';
import { deepMerge } from '../ruby/hash.js';
import { rubyToS } from '../ruby/inspect.js';
import { isPresent } from '../ruby/presence.js';
import { isValueMap, toPlain, type Value, type ValueMap } from '../ruby/value.js';
import { showFiles } from '../../core/git.js';
import { closestNames, quotedAlternatives } from '../../core/suggest.js';
import * as interpolator from '../component/load.js';
import type { LoadResult, Variable } from '../component/load.js';
import type { ComponentSource } from '../component/source.js';
import type { Origins } from '../interpolation/template.js';
import { parseYamlDocuments, type ParsedDocument, type PathSegment, type SourceRange } from '../yaml/psych.js';
import { expandVariables, fetchErrors, isThisCatalog, parseComponentAddress, predefinedVariables, type ComponentAddress } from './component-address.js';
import { ownSource, prepareRender, type CatalogSource, type ComponentLoader, type RenderContext, type RenderOptions } from './context.js';
import { listCatalogVersions, resolveVersion, type CatalogVersion, type ResolvedVersion } from './versions.js';
import { componentHint, inputHint, reportedErrors, unsupportedHint, versionHint, withHint } from './hints.js';

export {
  ownSource,
  prepareRender,
  resolveCommitContext,
  type CatalogSource,
  type ComponentLoader,
  type RenderContext,
  type RenderOptions,
} from './context.js';

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

/** What a top-level component include resolved to: `buildx-ecr@1 → 1.2.0 (abc1234)`. */
export interface IncludeResolution {
  readonly projectPath: string;
  readonly name: string;
  /** The text after `@`. */
  readonly reference: string;
  /** The catalog version it selected (`component.version`), null for a branch, tag or SHA that is not one. */
  readonly version: string | null;
  readonly sha: string;
  /** The `component:` value in the pipeline. */
  readonly at: SourceRange | undefined;
}

/**
 * One part of the merge, in merge order (each top-level include's content, then the pipeline's
 * own values), kept with `RenderContext.trace` so that a finding in the merged pipeline can be
 * traced to the file, include or input it comes from.
 */
export type Contribution =
  | { readonly kind: 'pipeline'; readonly value: ValueMap; readonly doc: ParsedDocument | undefined }
  | {
      readonly kind: 'include';
      /** The include entry's path in the pipeline. */
      readonly path: readonly PathSegment[];
      /** The component address, variables expanded. */
      readonly address: string;
      readonly name: string;
      /** What the include adds, its own nested includes merged in. */
      readonly content: ValueMap;
      /** The include's `inputs:` when it is a hash. */
      readonly inputs: ValueMap | undefined;
      /** Where each node of the interpolated content comes from in `source`'s content document. */
      readonly origins: Origins | undefined;
      readonly source: ComponentSource | undefined;
    };

export type RenderOutcome =
  | {
      readonly ok: true;
      readonly value: Value;
      readonly diagnostics: readonly Diagnostic[];
      readonly resolutions: readonly IncludeResolution[];
      /** With `RenderContext.trace` (the pipeline's own values last); empty without it. */
      readonly contributions: readonly Contribution[];
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly resolutions: readonly IncludeResolution[] };

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
  readonly #sources: readonly CatalogSource[];
  readonly errors: Diagnostic[] = [];
  readonly notes: Diagnostic[] = [];
  readonly resolutions: IncludeResolution[] = [];
  readonly contributions: Contribution[] = [];
  #includes = 0;
  /** The source and SHA of the component whose nested includes are being expanded. */
  #nested: { readonly source: CatalogSource; readonly sha: string } | undefined;
  readonly #versions = new Map<string, Promise<CatalogVersion[]>>();
  readonly #resolved = new Map<string, Promise<ResolvedVersion | undefined>>();
  readonly #templates = new Map<string, Promise<{ text: string; path: string } | undefined>>();

  constructor(ctx: RenderContext, file: string) {
    this.#ctx = ctx;
    this.#file = file;
    this.#variables = predefinedVariables(ctx.catalog, ctx.commit);
    this.#loader = ctx.loader ?? defaultLoader;
    this.#sources = ctx.sources ?? [ownSource(ctx.repo, ctx.catalog)];
  }

  get variables(): readonly Variable[] {
    return this.#variables;
  }

  #diagnostic(severity: 'error' | 'warning' | 'info', message: string, range: SourceRange | undefined, fallback: Position, ruleId = 'include'): Diagnostic {
    return {
      ruleId,
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
    // Start the git lookups of the components together; the loop below meets them (memoized) in order.
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
        this.notes.push(this.#diagnostic('warning', result.warning, componentRange, fallback, 'no-source'));
      } else {
        contents.push(result.content);
        kept.push(...result.kept);
        if (this.#ctx.trace && !nested) this.contributions.push({ kind: 'include', path, ...result.trace, content: result.content });
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
    | { kind: 'kept'; warning: string }
    | { kind: 'content'; content: ValueMap; kept: Value[]; trace: Omit<Contribution & { kind: 'include' }, 'kind' | 'path' | 'content'> }
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
    if (parsed.kind === 'unsupported') return { kind: 'error', message: withHint(fetchErrors.unsupportedPath(expanded), unsupportedHint(expanded, this.#ctx.catalog.serverFqdn)) };
    if (parsed.kind === 'no-project') return { kind: 'error', message: fetchErrors.contentNotFound(expanded) };
    const component = parsed.component;
    const source = this.#sourceFor(component);
    if (!source) return this.#unserved(component);
    if (entry.has('rules')) {
      this.notes.push(
        this.#diagnostic('info', 'include:rules are not evaluated by the renderer: the component is included', componentRange, fallback),
      );
    }

    const resolved = await this.#resolve(source, component.reference);
    if (!resolved) return { kind: 'error', message: withHint(fetchErrors.contentNotFound(expanded), versionHint(source, await this.#versionsOf(source), component.reference)) };
    const template = await this.#template(source, resolved.sha, component.name);
    if (!template) {
      return { kind: 'error', message: withHint(fetchErrors.contentNotFound(expanded), await componentHint(source, resolved, component.name)) };
    }
    if (anchor === undefined) {
      this.resolutions.push({ projectPath: source.projectPath, name: component.name, reference: component.reference, version: resolved.version, sha: resolved.sha, at: componentRange });
    }

    let inputs = entry.get('inputs') ?? undefined;
    if (typeof inputs === 'string') inputs = expandVariables(inputs, this.#variables).text;
    const traced = this.#ctx.trace === true && anchor === undefined;
    const result = this.#loader(template.text, template.path, {
      ...(inputs === null || inputs === undefined ? {} : { inputs }),
      variables: this.#variables,
      component: { name: component.name, sha: resolved.sha, version: resolved.version, reference: resolved.reference },
      ...(traced ? { traceOrigins: true } : {}),
    });
    if (!result.ok) {
      const range = anchor === undefined ? this.#inputRange(result, path, locator) : undefined;
      return { kind: 'error', message: withHint(`\`${expanded}\`: ${result.message}`, inputHint(result)), range };
    }
    const content = result.content;
    if (!isPresent(content)) return { kind: 'error', message: `Included file \`${expanded}\` contains no configuration!` };
    if (!isValueMap(content)) return { kind: 'error', message: `\`${expanded}\`: Invalid configuration format` };

    // Nested includes are expanded in the component's own context (Base#expand_includes).
    const errorsBefore = this.errors.length;
    const inner = await this.#expandNested(content, source, resolved.sha, anchor ?? componentRange, fallback);
    if (this.errors.length > errorsBefore) return { kind: 'content', content: new Map(), kept: [], trace: emptyTrace(expanded, component.name) };
    const given = inputs === undefined || inputs === null ? undefined : inputs;
    return {
      kind: 'content',
      content: inner.value,
      kept: inner.kept,
      trace: { address: expanded, name: component.name, inputs: isValueMap(given) ? given : undefined, origins: result.origins, source: result.source },
    };
  }

  async #expandNested(content: ValueMap, source: CatalogSource, sha: string, anchor: SourceRange | undefined, fallback: Position): Promise<Expansion> {
    const noLocation: EntryLocator = { entry: () => undefined, component: () => undefined, inputKey: () => undefined };
    const previous = this.#nested;
    this.#nested = { source, sha };
    try {
      const inner = await this.expand(content, noLocation, anchor ?? { start: fallback, end: fallback }, fallback);
      const value = new Map(inner.value);
      value.delete('include');
      return { value, expanded: inner.expanded, kept: inner.kept };
    } finally {
      this.#nested = previous;
    }
  }

  /**
   * A nested include, rewritten to mean the same thing from the consumer's pipeline: `local:`
   * (a string that is not a URL is one too) is relative to the component's project and SHA.
   */
  #rehome(value: Value): Value {
    if (this.#nested === undefined) return value;
    const { source, sha } = this.#nested;
    const project = source.projectPath;
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

  /** The source that serves a component's project on this instance, if any. */
  #sourceFor(component: ComponentAddress): CatalogSource | undefined {
    const server = this.#ctx.catalog.serverFqdn.toLowerCase();
    return this.#sources.find((s) => s.serverFqdn.toLowerCase() === server && isThisCatalog(component, s));
  }

  /**
   * A component of a project no source serves. A near miss of a served project's path is a typo:
   * GitLab would not find that project. Anything else is left for GitLab, with a warning that it was
   * not checked and how to make it checked.
   */
  #unserved(component: ComponentAddress): { kind: 'error'; message: string } | { kind: 'kept'; warning: string } {
    const server = this.#ctx.catalog.serverFqdn;
    const served = this.#sources.filter((s) => s.serverFqdn.toLowerCase() === server.toLowerCase()).map((s) => s.projectPath);
    const key = `${server}/${component.projectPath}`;
    const how = this.#ctx.sourceHint?.(key) ?? `give the renderer a copy of ${key}`;
    // Two edits at most: a slip of the keyboard, not another project whose name looks alike.
    const near = closestNames(component.projectPath, served, { maxDistance: 2 });
    if (near.length > 0) {
      const hint = `did you mean ${quotedAlternatives(near)}? (if ${component.projectPath} is another catalog: ${how})`;
      return { kind: 'error', message: withHint(fetchErrors.projectNotFound(component.address), hint) };
    }
    return { kind: 'kept', warning: `component "${component.name}" of ${key} is not checked: no catalog source serves that project (${how}); it is left in include: for GitLab` };
  }

  /** Starts resolving and reading the component `value` names, when a source serves it. */
  #prefetch(value: Value): void {
    if (!isValueMap(value) || !value.has('component')) return;
    const types = matchingFileTypes(value);
    const address = value.get('component');
    if (types.length !== 1 || types[0] !== 'component' || typeof address !== 'string') return;
    const parsed = parseComponentAddress(expandVariables(address, this.#variables).text, this.#ctx.catalog.serverFqdn);
    if (parsed.kind !== 'component') return;
    const source = this.#sourceFor(parsed.component);
    if (!source) return;
    const { reference, name } = parsed.component;
    this.#resolve(source, reference)
      .then((resolved) => (resolved ? this.#template(source, resolved.sha, name) : undefined))
      .catch(() => undefined);
  }

  // One render sees one state of each repository: versions, references and files are looked up
  // once (GitLab memoizes the same lookups per request in SafeRequestStore).
  #versionsOf(source: CatalogSource): Promise<CatalogVersion[]> {
    let found = this.#versions.get(source.repo);
    if (!found) {
      found = listCatalogVersions(source.repo);
      this.#versions.set(source.repo, found);
    }
    return found;
  }

  #resolve(source: CatalogSource, reference: string): Promise<ResolvedVersion | undefined> {
    const key = `${source.repo}\0${reference}`;
    let found = this.#resolved.get(key);
    if (!found) {
      // The tags are listed once per repository, and only for a reference that can name a catalog version.
      found = resolveVersion(source.repo, reference, () => this.#versionsOf(source));
      this.#resolved.set(key, found);
    }
    return found;
  }

  #template(source: CatalogSource, sha: string, name: string): Promise<{ text: string; path: string } | undefined> {
    const key = `${source.repo}\0${sha}\0${name}`;
    let found = this.#templates.get(key);
    if (!found) {
      found = this.#fetchTemplate(source.repo, sha, name);
      this.#templates.set(key, found);
    }
    return found;
  }

  /**
   * `InstancePath#fetch_component_content`: `templates/<name>.yml`, else
   * `templates/<name>/template.yml`, each only when its content is `present?` (not blank).
   */
  async #fetchTemplate(repo: string, sha: string, name: string): Promise<{ text: string; path: string } | undefined> {
    // Both candidates in one git round trip.
    const paths = [`templates/${name}.yml`, `templates/${name}/template.yml`];
    const texts = await showFiles(repo, sha, paths);
    for (const [i, path] of paths.entries()) {
      const text = texts[i];
      if (text !== undefined && isPresent(text)) return { text, path };
    }
    return undefined;
  }

  /** The consumer's `inputs.<name>` key an error is about: the earliest one present in the include. */
  #inputRange(result: LoadResult & { ok: false }, path: readonly PathSegment[], locator: EntryLocator): SourceRange | undefined {
    for (const error of reportedErrors(result)) {
      const ranges = (error.inputs ?? [])
        .map((name) => locator.inputKey(path, name))
        .filter((range): range is SourceRange => range !== undefined)
        .sort((a, b) => a.start.line - b.start.line || a.start.column - b.start.column);
      if (ranges[0]) return ranges[0];
    }
    return undefined;
  }
}

/** `buildx-ecr@1 → 1.2.0 (abc1234)`; the project too when several catalogs are involved. */
export function formatResolution(resolution: IncludeResolution, withProject = false): string {
  const short = resolution.sha.slice(0, 7);
  const target = resolution.version === null ? short : `${resolution.version} (${short})`;
  return `${withProject ? `${resolution.projectPath}/` : ''}${resolution.name}@${resolution.reference} → ${target}`;
}

const emptyTrace = (address: string, name: string) => ({ address, name, inputs: undefined, origins: undefined, source: undefined });

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
  if (syntax.length > 0) return { ok: false, diagnostics: sortDiagnostics(syntax), resolutions: [] };
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
      return { ok: false, diagnostics: [{ ruleId: 'syntax', severity: 'error', message: 'Invalid configuration format', file, start: d.range.start }], resolutions: [] };
    }
  }
  if (hasHeader) {
    // A pipeline with its own `spec:inputs` is interpolated first; no pipeline inputs are given.
    const result = (ctx.loader ?? defaultLoader)(text, file, { inputs: new Map(), variables: renderer.variables });
    if (!result.ok) {
      return { ok: false, diagnostics: [{ ruleId: 'interpolation', severity: 'error', message: result.message, file, start }], resolutions: [] };
    }
    values = result.content;
  }
  if (!isValueMap(values)) {
    return { ok: false, diagnostics: [{ ruleId: 'syntax', severity: 'error', message: 'Invalid configuration format', file, start }], resolutions: [] };
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
      resolutions: renderer.resolutions,
    };
  }
  const resolutions = renderer.resolutions;
  if (renderer.errors.length > 0) return { ok: false, diagnostics: sortDiagnostics([...renderer.errors, ...renderer.notes.filter((d) => d.severity === 'warning')]), resolutions };

  let value: ValueMap = expansion.value;
  if (expansion.expanded && expansion.kept.length > 0) {
    value = new Map<string, Value>([['include', expansion.kept], ...expansion.value]);
  }
  const contributions: Contribution[] = ctx.trace ? [...renderer.contributions, { kind: 'pipeline', value: values, doc }] : [];
  return { ok: true, value, diagnostics: sortDiagnostics([...warnings, ...renderer.notes]), resolutions, contributions };
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
