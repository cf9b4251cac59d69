/**
 * The shell the components run, and the component contract of the issue, checked on what GitLab
 * would really run: every example pipeline rendered with `catalog render`, and every component
 * rendered with its defaults by `catalog interpolate` (required inputs get the value the first
 * example gives them, else a typed placeholder).
 *
 * For every job (after extends, !reference and default:), `before_script`+`script` (one shell)
 * and `after_script` (another shell):
 * - parse with `sh -n` and pass `shellcheck -s sh -f gcc` (`bash -n`, `-s bash` for jobs whose
 *   image ships bash, which the runner then uses);
 * - start with `set -eu` (`set -euo pipefail` only in bash jobs; plain assignments that save the
 *   caller's `$-`/umask may come first; after_script, best-effort cleanup whose failure the runner
 *   ignores, is exempt), never `set -x`;
 * - never put a password on the command line (`--password …`, `--…creds`, `login … -p`).
 * Contract: every input has a description and a default (or says "required"); `as` and `stage`
 * inputs; every image pinned by a tag that is not `latest` or by digest; outputs published as
 * `artifacts:reports:dotenv` files that the job writes.
 *
 * shellcheck missing: the shellcheck tests skip saying why, or fail when CATALOG_REQUIRE_TOOLS=1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { parseComponentSource } from '../../scripts/gitlab/component/source.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { catalogComponents, catalogRepo, interpolateWithDefaults, listExamples, parseYaml, renderExample, type CatalogRepo } from './catalog.js';
import {
  imagesOf,
  isBashImage,
  isPinned,
  jobImage,
  jobScripts,
  dotenvFiles,
  dotenvProblems,
  jobsOf,
  passwordOnArgv,
  shellcheck,
  shellcheckAvailability,
  strictModeProblem,
  syntaxCheck,
  xtraceLines,
} from './pipeline.js';

const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';
const tools = shellcheckAvailability();
if (!tools.available) console.warn(`[scripts] ${tools.reason}${REQUIRE_TOOLS ? ' (CATALOG_REQUIRE_TOOLS=1: failing)' : ' (skipping the shellcheck tests)'}`);

const examples = listExamples(REPO_ROOT);
const components = await catalogComponents(REPO_ROOT);

interface Target {
  readonly label: string;
  readonly pipeline: Value;
  /** A component on its own: bases from other components (`extends: .ecr-login`) are absent. */
  readonly standalone: boolean;
}

let repo: CatalogRepo | undefined;
afterAll(async () => {
  await repo?.repo.cleanup();
});

const targets = new Map<string, Promise<Target>>();
function target(label: string, standalone: boolean, load: () => Promise<Value>): Promise<Target> {
  let found = targets.get(label);
  if (!found) {
    found = load().then((pipeline) => ({ label, pipeline, standalone }));
    targets.set(label, found);
  }
  return found;
}

const exampleTarget = (file: string) =>
  target(file, false, async () => {
    repo ??= await catalogRepo(REPO_ROOT);
    const result = await renderExample(repo.repo.dir, file);
    if (result.code !== 0) throw new Error(`catalog render ${file} failed:\n${result.stderr}`);
    return parseYaml(result.stdout, file);
  });

const componentTarget = (relativePath: string) =>
  target(`${relativePath} (defaults)`, true, async () => {
    const component = components.find((c) => c.relativePath === relativePath);
    if (!component) throw new Error(`${relativePath}: not a component`);
    const result = await interpolateWithDefaults(REPO_ROOT, component);
    if (result.code !== 0 || result.content === undefined) throw new Error(`catalog interpolate ${relativePath} failed:\n${result.stderr}`);
    return result.content;
  });

const allTargets: { label: string; load: () => Promise<Target> }[] = [
  ...examples.map((e) => ({ label: e.file, load: () => exampleTarget(e.file) })),
  ...components.map((c) => ({ label: `${c.relativePath} (defaults)`, load: () => componentTarget(c.relativePath) })),
];

interface Script {
  readonly kind: 'main' | 'after';
  readonly where: string;
  readonly text: string;
  readonly bash: boolean;
}

/** Every shell a runner would start for the target's jobs (hidden jobs included: consumers extend them). */
function scriptsOf(t: Target): Script[] {
  const out: Script[] = [];
  for (const job of jobsOf(t.pipeline, { externalBases: t.standalone })) {
    const bash = isBashImage(jobImage(job));
    const { main, after } = jobScripts(job);
    if (main !== undefined) out.push({ kind: 'main', where: `${t.label}: ${job.name}: before_script+script`, text: main, bash });
    if (after !== undefined) out.push({ kind: 'after', where: `${t.label}: ${job.name}: after_script`, text: after, bash });
  }
  return out;
}

/** The script with line numbers; only the lines around `lines` (1-based) when given. */
function numbered(text: string, lines?: readonly number[]): string {
  const all = text.split('\n').map((line, i) => `${String(i + 1).padStart(4)} | ${line}`);
  if (!lines) return all.join('\n');
  const keep = new Set(lines.flatMap((n) => [n - 2, n - 1, n, n + 1, n + 2]));
  return all.filter((_, i) => keep.has(i + 1)).join('\n');
}
const findingLines = (findings: readonly string[]) => findings.map((f) => Number(/^-:(\d+):/.exec(f)?.[1] ?? 0)).filter((n) => n > 0);

describe('job scripts', () => {
  if (allTargets.length === 0) it.skip('no components or examples in this catalog yet', () => {});

  it.each(allTargets)('$label: every script parses, starts with set -eu, never traces and keeps passwords off argv', async ({ load }) => {
    const t = await load();
    const scripts = scriptsOf(t);
    expect(scripts.length, `${t.label} has no job with a script`).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const script of scripts) {
      const syntax = syntaxCheck(script.text, script.bash);
      if (!syntax.ok) {
        const lines = [...syntax.output.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
        problems.push(`${script.where}: ${script.bash ? 'bash' : 'sh'} -n: ${syntax.output}\n${numbered(script.text, lines.length > 0 ? lines : undefined)}`);
      }
      // after_script is best-effort cleanup the runner never fails the job for: no strict-mode rule.
      const strict = script.kind === 'main' ? strictModeProblem(script.text, script.bash) : undefined;
      if (strict) problems.push(`${script.where}: ${strict}`);
      for (const line of xtraceLines(script.text)) problems.push(`${script.where}: set -x prints secrets into the job log: ${line.trim()}`);
      for (const finding of passwordOnArgv(script.text)) problems.push(`${script.where}: password on the command line (${finding}); use --password-stdin`);
    }
    expect(problems).toEqual([]);
  });

  it.for(allTargets)('$label: shellcheck -f gcc is clean', async ({ load }, ctx) => {
    if (!tools.available) {
      if (REQUIRE_TOOLS) throw new Error(`CATALOG_REQUIRE_TOOLS=1: ${tools.reason}`);
      return ctx.skip(tools.reason);
    }
    const t = await load();
    const problems: string[] = [];
    const scripts = scriptsOf(t);
    const results = await Promise.all(scripts.map((script) => shellcheck(script.text, script.bash)));
    for (const [i, script] of scripts.entries()) {
      const findings = results[i] ?? [];
      if (findings.length > 0) problems.push(`${script.where} (shellcheck -s ${script.bash ? 'bash' : 'sh'}):\n${findings.join('\n')}\n${numbered(script.text, findingLines(findings))}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('component contract', () => {
  if (components.length === 0) it.skip('no components in this catalog yet', () => {});

  const specOf = (relativePath: string) => {
    const source = parseComponentSource(readFileSync(`${REPO_ROOT}/${relativePath}`, 'utf8'), relativePath);
    expect(source.header, `${relativePath} has no spec: header`).toBeDefined();
    const header = validateHeader(source.header?.value as ValueMap);
    expect(header.errors.map((e) => e.message)).toEqual([]);
    return header.spec;
  };

  it.each(components)('$relativePath: every input has a description, and a default or a description that says "required"', ({ relativePath }) => {
    const problems: string[] = [];
    for (const [name, spec] of specOf(relativePath).inputs) {
      const map = isValueMap(spec) ? spec : new Map<string, Value>();
      const description = map.get('description');
      if (typeof description !== 'string' || description.trim() === '') problems.push(`${name}: no description`);
      const hasDefault = map.has('default') || (Array.isArray(map.get('rules')) && (map.get('rules') as Value[]).some((r) => isValueMap(r) && (r.has('default') || !r.has('if'))));
      if (!hasDefault && !(typeof description === 'string' && /required/i.test(description))) problems.push(`${name}: no default, and the description does not say it is required`);
    }
    expect(problems).toEqual([]);
  });

  it.each(components)('$relativePath: has `as` and `stage` inputs', ({ relativePath }) => {
    const names = [...specOf(relativePath).inputs.keys()];
    expect(names).toEqual(expect.arrayContaining(['as', 'stage']));
  });

  it.each(allTargets)('$label: every image is pinned (a tag other than latest, or a digest)', async ({ load }) => {
    const t = await load();
    const unpinned = imagesOf(t.pipeline).filter((use) => !isPinned(use.image));
    expect(unpinned.map((use) => `${use.where}: ${use.image}`)).toEqual([]);
  });

  it.each(allTargets)('$label: outputs are published through artifacts:reports:dotenv files the job writes', async ({ load }) => {
    const t = await load();
    const problems = dotenvProblems(jobsOf(t.pipeline, { externalBases: t.standalone }).filter((job) => !job.hidden));
    expect(problems).toEqual([]);
  });

  it.each(components)('$relativePath: publishes its outputs as a dotenv report', async ({ relativePath }) => {
    const t = await componentTarget(relativePath);
    const jobs = jobsOf(t.pipeline, { externalBases: true }).filter((job) => !job.hidden);
    const reporting = jobs.filter((job) => dotenvFiles(job).length > 0);
    expect(reporting.map((job) => job.name), `${relativePath}: no job declares artifacts:reports:dotenv`).not.toEqual([]);
  });
});
