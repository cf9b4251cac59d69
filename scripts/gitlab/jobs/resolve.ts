/**
 * The jobs of a merged pipeline as GitLab composes them before it creates any: `extends:` merged
 * (`extends.ts`), then every `!reference` resolved (`references.ts`), then each visible job given the
 * defaults it does not set and inherits (`default:` or the deprecated top-level keywords), and its
 * variables: the top-level ones its `inherit:variables` keeps, then its own
 * (`Ci::Variables::Helpers.inherit_yaml_variables`). Hidden jobs are returned as templates, without
 * defaults.
 */
import { isValueMap, type ValueMap } from '../ruby/value.js';
import { expandExtends } from './extends.js';
import { defaultFor, DEFAULT_KEYWORDS, inherits, inheritSetting, jobsOf } from './model.js';
import { resolveAllReferences } from './references.js';

export interface ResolvedJob {
  readonly name: string;
  readonly hidden: boolean;
  /** The job after `extends:`, `!reference` and (for a visible job) defaults. */
  readonly config: ValueMap;
  /** Top-level variables kept by `inherit:variables`, then the job's own (the later definition wins). */
  readonly variables: ValueMap;
}

export interface ResolvedPipeline {
  /** The whole configuration after `extends:` and `!reference`. */
  readonly config: ValueMap;
  readonly jobs: readonly ResolvedJob[];
}

/** Throws `JobConfigError` with GitLab's message when an `extends:` or a `!reference` cannot be resolved. */
export function resolveJobs(pipeline: ValueMap): ResolvedPipeline {
  const config = resolveAllReferences(expandExtends(pipeline));
  const topVariables = config.get('variables');
  const jobs = jobsOf(config).map(({ name, job, hidden }): ResolvedJob => {
    const inherit = job.get('inherit');
    const jobConfig: ValueMap = new Map(job);
    if (!hidden) {
      const inheritDefault = inheritSetting(inherit, 'default');
      for (const key of DEFAULT_KEYWORDS) {
        if (jobConfig.has(key) || !inherits(inheritDefault, key)) continue;
        const fallback = defaultFor(config, key);
        if (fallback) jobConfig.set(key, fallback.value);
      }
    }
    const inheritVariables = inheritSetting(inherit, 'variables');
    const variables: ValueMap = new Map();
    if (isValueMap(topVariables)) for (const [key, value] of topVariables) if (inherits(inheritVariables, key)) variables.set(key, value);
    const own = job.get('variables');
    if (isValueMap(own)) for (const [key, value] of own) variables.set(key, value);
    return { name, hidden, config: jobConfig, variables };
  });
  return { config, jobs };
}
