/**
 * A component file as GitLab reads it: a header document with `spec:`, `---`, then the content
 * document (`Yaml::Result#has_header?`: more than one document and the first is a hash with `spec`).
 * Structural problems are returned as diagnostics with positions; the loader turns the same
 * conditions into GitLab's error texts.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import { isValueMap } from '../ruby/value.js';
import { parseYamlDocuments, type ParsedDocument } from '../yaml/psych.js';

export interface ComponentSource {
  readonly file: string;
  /** The file's text, for positions inside scalars and for inline comments. */
  readonly text: string;
  /** Non-empty documents, as GitLab keeps them (`reject_empty: true`). */
  readonly documents: readonly ParsedDocument[];
  /** YAML errors: the file cannot be loaded at all. */
  readonly syntaxErrors: readonly Diagnostic[];
  /** Warnings (duplicate keys) and structural findings. */
  readonly diagnostics: readonly Diagnostic[];
  readonly header: ParsedDocument | undefined;
  readonly content: ParsedDocument | undefined;
  /** A document that is not a mapping: GitLab says `Invalid configuration format`. */
  readonly invalidFormat: boolean;
}

/** A component file GitLab interpolates: a header document, then the content, every document a mapping. */
export type InterpolatableSource = ComponentSource & { readonly header: ParsedDocument; readonly content: ParsedDocument };

export function isInterpolatable(source: ComponentSource): source is InterpolatableSource {
  return source.header !== undefined && source.content !== undefined && !source.invalidFormat;
}

export const MAX_DOCUMENTS = 2;

/** `Ci::Catalog::ComponentsProject::TEMPLATE_PATH_REGEX`: only these paths are released components. */
const TEMPLATE_PATH = /^templates\/([\w-]+)(\/template)?\.yml$/;

/** The component name for a repository-relative path, or undefined when GitLab would not release it. */
export function componentNameFromPath(relativePath: string): string | undefined {
  const match = TEMPLATE_PATH.exec(relativePath.split('\\').join('/'));
  return match ? match[1] : undefined;
}

export function parseComponentSource(text: string, file: string): ComponentSource {
  const parsed = parseYamlDocuments(text, file);
  const syntaxErrors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const diagnostics: Diagnostic[] = parsed.diagnostics.filter((d) => d.severity !== 'error');
  const documents = parsed.documents.filter((doc) => doc.value !== null);
  const at = (doc: ParsedDocument) => doc.range.start;

  let invalidFormat = false;
  for (const doc of documents) {
    if (!isValueMap(doc.value)) {
      invalidFormat = true;
      diagnostics.push({ ruleId: 'syntax', severity: 'error', message: 'Invalid configuration format: a document must be a mapping', file, start: at(doc) });
    }
  }
  if (documents.length > MAX_DOCUMENTS) {
    const extra = documents[MAX_DOCUMENTS] as ParsedDocument;
    diagnostics.push({
      ruleId: 'syntax',
      severity: 'error',
      message: `a component file has at most ${MAX_DOCUMENTS} documents (the spec header and the content); GitLab uses only the last one as content`,
      file,
      start: at(extra),
    });
  }
  const first = documents[0];
  const hasHeader = documents.length > 1 && first !== undefined && isValueMap(first.value) && first.value.has('spec');
  if (!hasHeader && syntaxErrors.length === 0) {
    diagnostics.push({
      ruleId: 'header',
      severity: 'error',
      message: 'a component needs a `spec:` header document followed by `---` and the content',
      file,
      start: first ? at(first) : { line: 1, column: 1 },
    });
  }
  return {
    file,
    text,
    documents,
    syntaxErrors,
    diagnostics,
    header: hasHeader ? first : undefined,
    content: hasHeader ? documents[documents.length - 1] : first,
    invalidFormat,
  };
}
