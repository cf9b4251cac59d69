/**
 * job-name-collision: two definitions that end up with the same job name. GitLab deep-merges the
 * configurations a pipeline includes (hashes merge key by key, the later file wins), so two jobs
 * with one name silently become a single job mixing both. Within one file, two keys that render to
 * the same name keep only the last. Checked:
 * - a component whose key renders to a name another key of it already has (the earlier is dropped);
 * - a component included twice by one example file with different inputs, producing the same name;
 * - two components of the project whose default renderings define the same job;
 * - a pipeline that defines a job a component it includes also produces (unless the definition
 *   only adds keys to it: no `script`, `run`, `trigger` or `extends`), or includes two components
 *   (or one twice) that produce the same job.
 * Hidden jobs (`.name`) count only when the two definitions differ: equal templates merge harmlessly.
 */
import type { Position } from '../../core/diagnostic.js';
import { rubyToS } from '../../gitlab/ruby/inspect.js';
import { isValueMap, rubyEquals, type Value, type ValueMap } from '../../gitlab/ruby/value.js';
import { resolveInputs } from '../../gitlab/inputs/resolve.js';
import { findBlocks, interpolateTemplate } from '../../gitlab/interpolation/template.js';
import { findComponentIncludes } from '../../gitlab/includes/processor.js';
import { isJobEntry, jobsOf } from '../../gitlab/jobs/model.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule, type LintTarget, type RenderedVariant, type ReportDescriptor } from '../rule.js';
import { componentTarget } from '../target.js';

type MessageId = 'sameKey' | 'examples' | 'components' | 'pipelineJob' | 'pipelineIncludes';
type Report = (descriptor: ReportDescriptor<MessageId>) => void;

const where = (file: string, at: Position): string => `${file}:${at.line}:${at.column}`;
const jobMap = (content: Value): Map<string, ValueMap> => new Map(jobsOf(content).map((job) => [job.name, job.job]));
/** Two definitions of one name that merge into something neither of them is. */
const collides = (name: string, a: ValueMap, b: ValueMap): boolean => !name.startsWith('.') || !rubyEquals(a, b);
/**
 * A pipeline's definition with none of `script`, `run` and `trigger` (a job needs one) nor
 * `extends` (which may bring one) is no job on its own: it adds keys to the included job of that
 * name (`build: {parallel: {matrix: …}, tags: [$RUNNER]}`), GitLab's documented way to adapt
 * included configuration ("Override included configuration values"), and is meant to merge.
 */
const addsToIncludedJob = (definition: ValueMap): boolean => !['script', 'run', 'trigger', 'extends'].some((key) => definition.has(key));

/** A key of the content document rendered with a variant's inputs (as `target.ts` renders the whole document). */
function renderKey(target: LintTarget, variant: RenderedVariant, key: string): string | undefined {
  if (findBlocks(key).length === 0) return key;
  if (!target.spec) return undefined;
  const resolved = resolveInputs(target.spec.inputs, variant.inputs);
  if (resolved.errors.length > 0) return undefined;
  const component = new Map<string, Value>(target.spec.component.map((field) => [field, field === 'name' && target.name ? target.name : `example-${field}`]));
  const context = new Map<string, Value>([['inputs', new Map(resolved.values)], ['component', component]]);
  const result = interpolateTemplate(key, { context, variables: [] });
  if (!result.ok) return undefined;
  return typeof result.value === 'string' ? result.value : rubyToS(result.value);
}

/** Keys of one component that render to the same name: the rendered mapping keeps the last. */
function sameKeyCollisions(target: LintTarget, report: Report): void {
  const source = target.source.content;
  if (!source || !isValueMap(source.value)) return;
  for (const variant of target.variants) {
    if (!isValueMap(variant.content)) continue;
    const kept = new Set([...variant.content.keys()].map((key) => JSON.stringify(variant.locate([key], 'key'))));
    for (const [key, value] of source.value) {
      if (!isJobEntry(key, value)) continue;
      const range = source.locate([key], 'key');
      if (!range || kept.has(JSON.stringify(range.start))) continue;
      const name = renderKey(target, variant, key);
      if (name === undefined || !variant.content.has(name)) continue;
      const winner = variant.locate([name], 'key');
      report({ messageId: 'sameKey', data: { job: q(name), line: winner.line }, at: range.start });
    }
  }
}

/** One example file including the component twice with different inputs, giving a job the same name. */
function exampleCollisions(target: LintTarget, report: Report): void {
  const byFile = new Map<string, RenderedVariant[]>();
  for (const variant of target.variants) {
    if (variant.label === 'defaults') continue;
    const file = variant.label.replace(/:\d+:\d+$/, '');
    byFile.set(file, [...(byFile.get(file) ?? []), variant]);
  }
  for (const [file, variants] of byFile) {
    variants.forEach((second, j) => {
      for (const first of variants.slice(0, j)) {
        if (rubyEquals(first.inputs, second.inputs)) continue;
        const firstJobs = jobMap(first.content);
        for (const [name, job] of jobMap(second.content)) {
          const other = firstJobs.get(name);
          if (!other || !collides(name, other, job)) continue;
          report({
            messageId: 'examples',
            data: { job: q(name), file, first: first.label.slice(file.length + 1), second: second.label.slice(file.length + 1) },
            at: second.locate([name], 'key'),
          });
        }
      }
    });
  }
}

/** Two components of the project whose defaults define the same job. */
function componentCollisions(target: LintTarget, targets: readonly LintTarget[], report: Report): void {
  const defaults = target.variants.find((v) => v.label === 'defaults');
  if (!defaults) return;
  const mine = jobMap(defaults.content);
  for (const other of targets) {
    if (other === target || other.kind !== 'component' || other.file === target.file) continue;
    const theirDefaults = other.variants.find((v) => v.label === 'defaults');
    if (!theirDefaults) continue;
    for (const [name, job] of jobMap(theirDefaults.content)) {
      const own = mine.get(name);
      if (!own || !collides(name, own, job)) continue;
      report({
        messageId: 'components',
        data: { job: q(name), component: q(other.name ?? other.file), where: where(other.file, theirDefaults.locate([name], 'key')) },
        at: defaults.locate([name], 'key'),
      });
    }
  }
}

/** `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@<version>`: a component of this project (as `target.ts` reads examples). */
function ownComponentName(address: Value): string | undefined {
  if (typeof address !== 'string' || !/\$\{?CI_PROJECT_PATH\}?\//.test(address)) return undefined;
  return /\/([\w-]+)@[^/]*$/.exec(address)?.[1];
}

/** A pipeline's own jobs and the jobs its includes of this project's components produce. */
function pipelineCollisions(target: LintTarget, targets: readonly LintTarget[], report: Report): void {
  const doc = target.source.content;
  const pipeline = target.variants[0];
  if (!doc || !pipeline) return;
  const produced = new Map<string, { job: ValueMap; component: string; line: number; include: Value }>();
  for (const include of findComponentIncludes(doc)) {
    const name = ownComponentName(include.address);
    const component = targets.find((t) => t.kind === 'component' && t.name === name);
    if (!name || !component) continue;
    const inputs = isValueMap(include.inputs ?? null) ? (include.inputs as ValueMap) : new Map<string, Value>();
    const rendered = componentTarget(component.file, component.name, component.text, [{ component: name, label: 'include', inputs }]);
    const variant = rendered.variants.find((v) => v.label === 'include');
    const at = include.locations.component?.start ?? pipeline.locate(include.path);
    if (!variant) continue;
    for (const [job, definition] of jobMap(variant.content)) {
      const earlier = produced.get(job);
      // The same include twice is GitLab's "already included" error, not a merge.
      if (earlier && collides(job, earlier.job, definition) && !rubyEquals(earlier.include, include.entry)) {
        report({ messageId: 'pipelineIncludes', data: { component: q(name), job: q(job), line: earlier.line, other: q(earlier.component) }, at });
      }
      if (!earlier) produced.set(job, { job: definition, component: name, line: at.line, include: include.entry });
    }
  }
  for (const [job, definition] of jobMap(pipeline.content)) {
    const included = produced.get(job);
    if (!included || !collides(job, included.job, definition) || addsToIncludedJob(definition)) continue;
    report({ messageId: 'pipelineJob', data: { job: q(job), component: q(included.component), line: included.line }, at: pipeline.locate([job], 'key') });
  }
}

export const jobNameCollision = defineRule({
  id: 'job-name-collision',
  description: 'job names must be unique across the components a pipeline can include together',
  severity: 'error',
  messages: {
    sameKey: 'this key renders to the job name {{job}}, which the key at line {{line}} also renders to; GitLab keeps only the last of equal keys, so this job is dropped',
    examples:
      'job {{job}} comes out of both includes of this component in {{file}} (at {{first}} and {{second}}) with the same name, and GitLab deep-merges them into one job; name the job from an input such as "$[[ inputs.as ]]" and give each include its own value',
    components: 'job {{job}} is also defined by component {{component}} ({{where}}); a pipeline that includes both gets one deep-merged job',
    pipelineJob: 'job {{job}} is also produced by component {{component}} included at line {{line}}; GitLab deep-merges the two into one job',
    pipelineIncludes: 'this include of component {{component}} produces job {{job}}, which the include at line {{line}} (component {{other}}) also produces; GitLab deep-merges them into one job',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    if (ctx.target.kind === 'component') {
      sameKeyCollisions(ctx.target, report);
      exampleCollisions(ctx.target, report);
      componentCollisions(ctx.target, ctx.project.targets, report);
    } else {
      pipelineCollisions(ctx.target, ctx.project.targets, report);
    }
  },
});
