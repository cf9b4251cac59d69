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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Top-level keys that are global keywords, not jobs (GitLab: `Gitlab::Ci::Config::Entry::Root`, plus the
 * component header key `spec`). gitlab-ci-local's `Job.illegalJobNames` is a subset of these.
 */
export const GLOBAL_KEYWORDS = new Set([
  'default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache',
  'before_script', 'after_script', 'types', 'spec', 'pages:deploy',
]);

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

/** GitLab's `extends` merge: hashes merge recursively, anything else (arrays, scalars) is replaced. */
function deepMerge(base: Json, over: Json): Json {
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k]!, v) : v;
    return out;
  }
  return over;
}

/**
 * Expands `extends` (GitLab: `lib/gitlab/ci/config/extendable/entry.rb`, parents in order, nested up to
 * 11 levels; the job's own keys win). gitlab-ci-local's `DataExpander.jobExtends` does this before printing
 * and deletes `extends`; GitLab does it before creating jobs, so a renderer that keeps `extends` in its
 * output describes the same jobs.
 */
function expandExtends(pipeline: Obj): Obj {
  const resolved = new Map<string, Obj>();
  const resolve = (name: string, depth: number): Obj => {
    const cached = resolved.get(name);
    if (cached) return cached;
    if (depth > 11) throw new Error(`extends nesting too deep at ${name}`);
    const job = pipeline[name];
    if (!isObj(job)) throw new Error(`extends: ${name} is not a job/hidden job`);
    const parents = job['extends'] === undefined ? [] : Array.isArray(job['extends']) ? job['extends'] : [job['extends']];
    let merged: Json = {};
    for (const p of parents) merged = deepMerge(merged, resolve(String(p), depth + 1));
    const own: Obj = { ...job };
    delete own['extends'];
    const out = deepMerge(merged, own) as Obj;
    resolved.set(name, out);
    return out;
  };
  const out: Obj = {};
  for (const [k, v] of Object.entries(pipeline)) out[k] = !GLOBAL_KEYWORDS.has(k) && isObj(v) ? resolve(k, 0) : v;
  return out;
}

/** Nested command lists are flattened (GitLab accepts nesting up to 10 levels and runs them flat). */
const flat = (v: Json): Json => (Array.isArray(v) ? (v as Json[]).flat(10) : v);

function canonicalJob(job: Obj): Obj {
  const out: Obj = { ...job };
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
 * The jobs of a merged pipeline, canonical. Hidden jobs (`.name`) are dropped after `extends` is expanded:
 * they are templates, not jobs, and gitlab-ci-local's `--preview` deletes them.
 */
export function canonicalJobs(pipeline: Readonly<Record<string, unknown>>): Obj {
  const expanded = expandExtends(pipeline as Obj);
  const jobs: Obj = {};
  for (const [k, v] of Object.entries(expanded)) {
    if (GLOBAL_KEYWORDS.has(k) || k.startsWith('.') || !isObj(v)) continue;
    jobs[k] = canonicalJob(v);
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
