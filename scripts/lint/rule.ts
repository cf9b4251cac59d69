/**
 * What a lint rule is and what it sees. A rule is data (id, description, default severity,
 * message templates) plus a `check` that reads a `LintTarget` and reports through its context;
 * it never prints, throws for user problems, or looks positions up in text itself.
 */
import type { Position, Severity } from '../core/diagnostic.js';
import type { Value, ValueMap } from '../gitlab/ruby/value.js';
import type { HeaderSpec } from '../gitlab/inputs/header.js';
import type { ComponentSource } from '../gitlab/component/source.js';
import type { PathSegment, SourceRange } from '../gitlab/yaml/psych.js';
import type { BuiltTemplate } from '../catalog/build/build.js';

/** One `$[[ … ]]` block written in a target's content document. */
export interface Interpolation {
  /** The whole block, `$[[ inputs.name | posix_escape ]]`. */
  readonly text: string;
  /** `inputs.name`, `component.version`, `matrix.ARCH`, `inputs.list[0]`. */
  readonly access: string;
  /** `inputs`, `component`, `matrix`, or whatever else was written. */
  readonly context: string;
  /** The first segment after the context, without any `[index]`: the input or component field. */
  readonly name: string;
  /** Function expressions, stripped, in order (`truncate(0, 8)`). */
  readonly functions: readonly string[];
  /** Content-document path of the string that holds the block. */
  readonly path: readonly PathSegment[];
  /** True when the block is a mapping key rather than a value. */
  readonly inKey: boolean;
  /** True when the string holds more than the block (string interpolation, `to_s`). */
  readonly insideString: boolean;
  /** Where the block is: its own position when it can be found on one line, else its string's. */
  readonly range: SourceRange;
}

/** The content document as GitLab renders it for one set of inputs. */
export interface RenderedVariant {
  /** Where the inputs come from: `defaults`, or `examples/x.yml:4:5`. */
  readonly label: string;
  readonly inputs: ValueMap;
  readonly content: Value;
  /** Source position of the node at `path` in `content` (its key with `part: 'key'`). */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): Position;
}

/** An input set the component could not be rendered with (so the rules did not see that variant). */
export interface RenderFailure {
  readonly label: string;
  /** What failed: the component's own defaults, the inputs given (or stand-ins), or the interpolation. */
  readonly stage: 'defaults' | 'inputs' | 'interpolation';
  readonly message: string;
}

export interface LintTarget {
  /** Repository-relative path, `/`-separated. */
  readonly file: string;
  readonly kind: 'component' | 'pipeline';
  /** The component name for components. */
  readonly name?: string | undefined;
  readonly source: ComponentSource;
  /** The validated `spec:` (components with a valid header only). */
  readonly spec?: HeaderSpec | undefined;
  readonly interpolations: readonly Interpolation[];
  /** Rendered with the defaults and with each input set of the examples that renders. */
  readonly variants: readonly RenderedVariant[];
  /** The input sets that did not render: the run reports them, so nothing is skipped silently. */
  readonly renderFailures: readonly RenderFailure[];
  /** The source text (for inline `catalog-lint-disable-next-line` comments and snippets). */
  readonly text: string;
  /**
   * For a component built from `components/<name>/`: the build, whose text is what is linted and
   * whose line origins move each finding to the source file and line the author edits.
   */
  readonly built?: BuiltTemplate | undefined;
}

export interface LintProject {
  readonly root: string;
  readonly targets: readonly LintTarget[];
}

export interface ReportDescriptor<M extends string> {
  readonly messageId: M;
  readonly data?: Readonly<Record<string, string | number>> | undefined;
  readonly at: Position | SourceRange;
  /** Overrides the rule's default severity for this finding. */
  readonly severity?: Severity | undefined;
}

/** What the run provides beyond the files: resources some rules need. */
export interface LintSettings {
  /** GitLab's CI JSON Schema (ci.json), when one could be loaded. */
  readonly ciSchema?: Readonly<Record<string, unknown>> | undefined;
  /** Where the schema came from, for messages. */
  readonly ciSchemaSource?: string | undefined;
  /** Run shellcheck on rendered scripts (the `shellcheck` rule); the run fails if it is missing. */
  readonly shellcheck: boolean;
}

export interface RuleContext<M extends string> {
  readonly target: LintTarget;
  readonly project: LintProject;
  readonly settings: LintSettings;
  report(descriptor: ReportDescriptor<M>): void;
}

export interface Rule<M extends string = string> {
  /** Short kebab-case id, also the name of the rule's file, test and doc page. */
  readonly id: string;
  /** One line: what the rule checks. */
  readonly description: string;
  readonly severity: Severity;
  /** Message templates with `{{name}}` placeholders: lowercase, no trailing period. */
  readonly messages: Readonly<Record<M, string>>;
  check(ctx: RuleContext<M>): void | Promise<void>;
}

/** Typed identity: lets `messageId` be checked against the rule's own message keys. */
export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

export function formatMessage(template: string, data: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, key: string) => (key in data ? String(data[key]) : match));
}
