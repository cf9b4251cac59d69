/**
 * `catalog lint` in a project that includes catalogs: what GitLab checks when it creates the
 * pipeline, in its order, with its texts.
 * 1. The pipeline file and its includes (the include processor): YAML, include entries, each
 *    component's address, version and inputs, at the offending input; a component no source
 *    serves is a warning saying how to make it checked.
 * 2. The merged pipeline, once every include was expanded: `extends:` and `!reference`, stages,
 *    `needs:` and `dependencies:`, GitLab's limits (`gitlab/jobs/validate.ts`); jobs of one name
 *    made by two includes, which GitLab silently deep-merges into one; and GitLab's CI schema.
 * Every finding is placed in the pipeline file (`gitlab/includes/provenance.ts`): where the node is
 * written, or the input of the include it comes from, or (component code) the include's
 * `component:`. Schema findings inside component code are the catalog's to fix: they are counted
 * and left out unless `all` is set.
 */
import { sortDiagnostics, type Diagnostic, type Position } from '../core/diagnostic.js';
import { quotedAlternatives } from '../core/suggest.js';
import type { RenderContext } from '../gitlab/includes/context.js';
import { renderPipeline, type Contribution, type IncludeResolution } from '../gitlab/includes/processor.js';
import { attribute, attributeIn, inputsRead, type Attribution, type IncludeContribution } from '../gitlab/includes/provenance.js';
import { jobsOf } from '../gitlab/jobs/model.js';
import { validatePipeline } from '../gitlab/jobs/validate.js';
import { isValueMap, rubyEquals, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import type { PathSegment } from '../gitlab/yaml/psych.js';
import { ciSchema, ciSchemaFindings } from '../lint/rules/ci-schema.js';
import { formatMessage } from '../lint/rule.js';

export interface ConsumerLintOptions {
  /** The render context; `trace` is turned on here. */
  readonly ctx: RenderContext;
  /** GitLab's CI schema, when one could be had. */
  readonly ciSchema?: Readonly<Record<string, unknown>> | undefined;
  /** Also report schema findings inside component code. */
  readonly all?: boolean | undefined;
}

export interface ConsumerLintResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly resolutions: readonly IncludeResolution[];
  /** Schema findings inside component code that were left out (`all` not set). */
  readonly hidden: number;
}

/** The rule ids of the consumer checks beyond the include processor's (`include`, `no-source`, `syntax`). */
export const CONSUMER_RULES = {
  pipeline: 'pipeline',
  duplicateJob: 'duplicate-job',
  ciSchema: ciSchema.id,
} as const;

export async function lintConsumerPipeline(text: string, file: string, options: ConsumerLintOptions): Promise<ConsumerLintResult> {
  const outcome = await renderPipeline(text, file, { ...options.ctx, trace: true });
  const found: Diagnostic[] = [...outcome.diagnostics];
  if (!outcome.ok) return { diagnostics: sortDiagnostics(found), resolutions: outcome.resolutions, hidden: 0 };
  const merged = outcome.value;
  const contributions = outcome.contributions;
  const pipeline = contributions.find((c): c is Contribution & { kind: 'pipeline' } => c.kind === 'pipeline');
  const start: Position = pipeline?.doc?.range.start ?? { line: 1, column: 1 };
  const finding = (ruleId: string, message: string, where: Attribution, path: readonly PathSegment[], part: 'key' | 'value'): Diagnostic => ({
    ruleId,
    severity: 'error',
    message: where.origin === 'component' && where.include ? `${message}; ${fromComponent(where.include, path, part)}` : message,
    file,
    start: where.range?.start ?? start,
    end: where.range?.end,
  });

  if (isValueMap(merged)) {
    for (const error of validatePipeline(merged)) {
      const message = error.hint ? `${error.message}; ${error.hint}` : error.message;
      found.push(finding(CONSUMER_RULES.pipeline, message, attribute(contributions, error.path, error.part), error.path, error.part));
    }
    found.push(...duplicateJobs(contributions, pipeline, file, start));
  }

  let hidden = 0;
  if (options.ciSchema) {
    for (const problem of ciSchemaFindings(options.ciSchema, schemaContent(merged, pipeline?.value))) {
      const where = attribute(contributions, problem.path, problem.part);
      if (where.origin === 'component' && !options.all) {
        hidden++;
        continue;
      }
      const message = formatMessage(ciSchema.messages[problem.messageId], { ...problem.data, variant: '' });
      found.push(finding(CONSUMER_RULES.ciSchema, message, where, problem.path, problem.part));
    }
  }
  return { diagnostics: sortDiagnostics(found), resolutions: outcome.resolutions, hidden };
}

/**
 * What the pipeline cannot change itself: `in the code of component buildx-ecr@1, included here`,
 * and, when that code reads inputs the include leaves at their defaults, which ones.
 */
function fromComponent(include: IncludeContribution, path: readonly PathSegment[], part: 'key' | 'value'): string {
  const reference = include.address.slice(include.address.indexOf('@') + 1);
  const defaults = inputsRead(include, path, part);
  const from = defaults.length > 0 ? ` (the default of its ${defaults.length > 1 ? 'inputs' : 'input'} ${quotedAlternatives(defaults, 'and')})` : '';
  return `in the code of component ${include.name}@${reference}${from}, included here`;
}

/** The merged pipeline as ci.json sees it, with the pipeline's own `include:` entries (the merge drops them). */
function schemaContent(merged: Value, own: ValueMap | undefined): Value {
  if (!isValueMap(merged) || !own?.has('include')) return merged;
  const content: ValueMap = new Map([['include', own.get('include') ?? null]]);
  for (const [key, value] of merged) if (key !== 'include') content.set(key, value);
  return content;
}

/**
 * Jobs of one name made by two includes: GitLab deep-merges them into one job, silently. Reported
 * at the later include (at its input when the name comes from one). Equal hidden jobs (two
 * includes of one login template) merge into what each is, and are not reported.
 */
function duplicateJobs(contributions: readonly Contribution[], pipeline: Contribution | undefined, file: string, start: Position): Diagnostic[] {
  const found: Diagnostic[] = [];
  const first = new Map<string, { readonly include: IncludeContribution; readonly job: ValueMap }>();
  for (const include of contributions.filter((c): c is IncludeContribution => c.kind === 'include')) {
    for (const { name, job, hidden } of jobsOf(include.content)) {
      const earlier = first.get(name);
      if (!earlier) {
        first.set(name, { include, job });
        continue;
      }
      if (hidden && rubyEquals(earlier.job, job)) continue;
      const where = attributeIn(include, pipeline, [name] as PathSegment[], 'key');
      const line = attributeIn(earlier.include, pipeline, [name], 'key').range?.start.line ?? start.line;
      const inputs = inputsRead(include, [name], 'key');
      const hint = inputs.length > 0 ? `; give each include its own ${quotedAlternatives(inputs)}` : '';
      found.push({
        ruleId: CONSUMER_RULES.duplicateJob,
        severity: 'error',
        message: `${hidden ? 'hidden job' : 'job'} "${name}" is made by this include and by the include at line ${line}: GitLab deep-merges the two into one job${hint}`,
        file,
        start: where.range?.start ?? start,
        end: where.range?.end,
      });
    }
  }
  return found;
}
