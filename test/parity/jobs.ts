/**
 * Turns a merged pipeline (parsed YAML) into a canonical `{ jobName: jobConfig }` map so that
 * gitlab-ci-local's `--preview`, `catalog render` and a hand-written expectation can be compared.
 *
 * Every step below rewrites a job into a form that GitLab itself treats as identical, and each exists
 * because gitlab-ci-local's `--preview` provably does it on its own (gitlab-ci-local 4.75.1,
 * `src/handler.ts` + `src/parser.ts` + `src/data-expander.ts`). Applied to all three sides alike, they
 * cannot hide a difference GitLab would see. Nothing else is normalised: any other difference fails.
 *
 * Key order is not compared (`toEqual` ignores it): GitLab's YAML mappings are unordered, and
 * gitlab-ci-local's `extends` expansion reorders keys (`deepExtend({}, ...parents, job)` puts the
 * parents' keys first).
 */
import { parseAllDocuments } from 'yaml';
import { expandExtends } from '../../scripts/gitlab/jobs/extends.js';
import { jobsOf } from '../../scripts/gitlab/jobs/model.js';
import { fromPlain, toPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses exactly one non-empty YAML document (gitlab-ci-local prints `---\n<doc>`). */
export function parsePipeline(text: string): Obj {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) throw new Error(`expected one YAML document, got ${docs.length}:\n${text}`);
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}\n${text}`);
  const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
  if (!isObj(value)) throw new Error(`expected a mapping at the top level:\n${text}`);
  return value;
}

/** Nested command lists are flattened (GitLab accepts nesting up to 10 levels and runs them flat). */
const flat = (v: Json): Json => (Array.isArray(v) ? (v as Json[]).flat(10) : v);

function canonicalJob(job: Obj): Obj {
  const out: Obj = { ...job };
  // extends: GitLab merges the bases in (`Config::Extendable`, which keeps the key) before it creates
  // jobs; gitlab-ci-local's `DataExpander.jobExtends` merges them and deletes the key before
  // printing. Once merged, the key says nothing about the job.
  delete out['extends'];
  // script/before_script/after_script: a string is a one-command list (GitLab `Entry::Commands`).
  // gitlab-ci-local: `DataExpander.normalize` wraps strings; `flattenLists` flattens every array.
  for (const k of ['script', 'before_script', 'after_script']) {
    const v = out[k];
    if (typeof v === 'string') out[k] = [v];
    else if (v !== undefined) out[k] = flat(v);
  }
  // image: `image: x` is `image: {name: x}` (GitLab `Entry::Image`); gitlab-ci-local `imageComplex`.
  if (typeof out['image'] === 'string') out['image'] = { name: out['image'] };
  // services: each `x` is `{name: x}` (GitLab `Entry::Service`); gitlab-ci-local `servicesComplex`.
  if (Array.isArray(out['services'])) out['services'] = out['services'].map((s) => (typeof s === 'string' ? { name: s } : s));
  // needs: `x` is `{job: x, artifacts: true, optional: false}`, GitLab's documented defaults for
  // `needs:artifacts` and `needs:optional`; gitlab-ci-local `needsComplex` writes them out.
  if (Array.isArray(out['needs'])) {
    out['needs'] = out['needs'].map((n) => {
      if (typeof n === 'string') return { job: n, artifacts: true, optional: false };
      if (isObj(n) && n['project'] === undefined && n['pipeline'] === undefined) return { artifacts: true, optional: false, ...n };
      return n;
    });
  }
  // variables: a scalar value is a string to GitLab (`lib/gitlab/ci/config/entry/variable.rb`:
  // `SimpleVariable#value` is `@config.to_s`); gitlab-ci-local `Utils.normalizeVariables` prints `2` as `'2'`.
  if (isObj(out['variables'])) {
    const vars: Obj = {};
    for (const [k, v] of Object.entries(out['variables'])) vars[k] = v === null ? '' : typeof v === 'object' ? v : String(v);
    out['variables'] = vars;
  }
  return out;
}

/**
 * The jobs of a merged pipeline, canonical: `extends:` expanded and top-level keywords told from
 * jobs by GitLab's job model (`scripts/gitlab/jobs/`). Hidden jobs (`.name`) are dropped after
 * `extends` is expanded: they are templates, not jobs, and gitlab-ci-local's `--preview` deletes them.
 */
export function canonicalJobs(pipeline: Readonly<Record<string, unknown>>): Obj {
  const expanded = expandExtends(fromPlain(pipeline) as ValueMap);
  const jobs: Obj = {};
  for (const { name, job, hidden } of jobsOf(expanded)) {
    if (!hidden) jobs[name] = canonicalJob(toPlain(job) as Obj);
  }
  return jobs;
}

/**
 * `stages` as the user declared them: gitlab-ci-local always adds `.pre` first and `.post` last
 * (`Parser.init`), and starts from GitLab's default `[.pre, build, test, deploy, .post]` when the pipeline
 * declares none. GitLab injects `.pre`/`.post` too (`Gitlab::Ci::Config::EdgeStagesInjector`), so they
 * carry no information; they are removed from every side.
 */
export function declaredStages(pipeline: Readonly<Record<string, unknown>>): unknown[] | undefined {
  const s = pipeline['stages'];
  if (!Array.isArray(s)) return undefined;
  return s.filter((x) => x !== '.pre' && x !== '.post');
}
