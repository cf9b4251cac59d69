/**
 * The catalog's own pipeline (`.gitlab-ci.yml`) as GitLab merges it: the file, `templates/` and
 * `examples/` are committed in a temporary repository (origin `git@gitlab.com:group/catalog.git`),
 * rendered with `catalog render --project-path group/catalog`, and the structure of its
 * `integration` stage is checked on the rendered YAML:
 *
 * - every component of the catalog is included at `$CI_COMMIT_SHA` and its script runs in an
 *   integration job that a check job (one that reads the registry with `imagetools inspect`) is, or
 *   needs;
 * - every job that talks to a Docker daemon has a `docker:<x.y.z>-dind` service of its CLI's version
 *   with consistent TLS variables; the jobs that push to a registry service have a pinned one;
 * - what the checks expect (platforms, the variables the prelude overrides) is what the components
 *   were given and still read;
 * - `catalog lint` (GitLab's schema and rules) and shellcheck accept the rendered jobs, with their
 *   `!reference` items resolved.
 *
 * Which job runs which component is found by content, not by name: a job runs a component when its
 * resolved script holds one of the script blocks the component renders with its default inputs
 * (those blocks do not depend on inputs).
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { resolveReferences } from '../../scripts/gitlab/jobs/references.js';
import { JobResolver, variableValue } from '../../scripts/gitlab/jobs/located.js';
import { jobsOf } from '../../scripts/gitlab/jobs/model.js';
import { type ImageUse, servicesOf } from '../../scripts/lint/job-facts.js';
import { checkScript, shellcheckVersion } from '../../scripts/lint/shellcheck-process.js';
import { findComponentIncludes, type ComponentInclude } from '../../scripts/gitlab/includes/processor.js';
import { discoverComponents } from '../../scripts/catalog/discover.js';
import { parseYamlDocuments } from '../../scripts/gitlab/yaml/psych.js';
import { catalog, REPO_ROOT } from '../helpers/cli.js';
import { ORIGIN, interpolateWithDefaults, parseYaml, renderExample } from '../components/catalog.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const PIPELINE = '.gitlab-ci.yml';
const STAGE = 'integration';
const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';
/** A component script block long enough to identify it (not a one-line assignment). */
const MIN_BLOCK_LINES = 10;

interface Rendered {
  readonly text: string;
  readonly content: ValueMap;
  readonly resolver: JobResolver;
  /** The component includes of the source file, with their inputs. */
  readonly includes: readonly ComponentInclude[];
  /** Component name -> the script blocks it renders with its default inputs. */
  readonly blocks: ReadonlyMap<string, ReadonlySet<string>>;
}

let repo: FixtureRepo | undefined;
let rendered: Rendered | undefined;

beforeAll(async () => {
  repo = await createRepo('catalog-ci-');
  for (const dir of ['templates', 'examples']) {
    if (existsSync(path.join(REPO_ROOT, dir))) cpSync(path.join(REPO_ROOT, dir), path.join(repo.dir, dir), { recursive: true });
  }
  const text = readFileSync(path.join(REPO_ROOT, PIPELINE), 'utf8');
  await repo.write(PIPELINE, text);
  repo.git('remote', 'add', 'origin', ORIGIN);
  await repo.commit('catalog');
  const result = await renderExample(repo.dir, PIPELINE);
  if (result.code !== 0) throw new Error(`catalog render ${PIPELINE} failed (exit ${result.code}):\n${result.stderr}`);
  const content = parseYaml(result.stdout, `${PIPELINE} (rendered)`);
  if (!isValueMap(content)) throw new Error(`${PIPELINE} renders to no mapping`);

  const source = parseYamlDocuments(text, PIPELINE);
  const doc = source.documents.filter((d) => d.value !== null).at(-1);
  if (!doc) throw new Error(`${PIPELINE} has no document`);

  const blocks = new Map<string, Set<string>>();
  for (const component of await discoverComponents(REPO_ROOT)) {
    const defaults = await interpolateWithDefaults(REPO_ROOT, component);
    if (defaults.content === undefined) throw new Error(`${component.relativePath} does not render with its defaults:\n${defaults.stderr}`);
    const found = new Set<string>();
    for (const job of jobsOf(defaults.content)) {
      for (const key of ['before_script', 'script']) {
        for (const item of flatten(job.job.get(key) ?? null)) if (item.split('\n').length >= MIN_BLOCK_LINES) found.add(item);
      }
    }
    blocks.set(component.name, found);
  }
  rendered = { text: result.stdout, content, resolver: new JobResolver(content), includes: findComponentIncludes(doc), blocks };
});

afterAll(async () => {
  await repo?.cleanup();
});

function pipeline(): Rendered {
  if (!rendered) throw new Error('the pipeline was not rendered');
  return rendered;
}

// ---- value helpers --------------------------------------------------------------------------------

/** Script items as GitLab runs them: nested lists flattened, strings only. */
function flatten(value: Value): string[] {
  if (Array.isArray(value)) return value.flatMap(flatten);
  return typeof value === 'string' ? [value] : [];
}

/** The items of a job's `before_script` + `script` (one shell), or `after_script`, references resolved. */
function scriptItems(job: string, keys: readonly string[] = ['before_script', 'script']): string[] {
  const { resolver, content } = pipeline();
  return keys.flatMap((key) => flatten(resolveReferences(resolver.get(job, key)?.value ?? null, content)));
}

function integrationJobs(): string[] {
  const { content, resolver } = pipeline();
  return jobsOf(content)
    .filter((job) => !job.hidden && resolver.get(job.name, 'stage')?.value === STAGE)
    .map((job) => job.name);
}

const componentBlocks = (): Set<string> => new Set([...pipeline().blocks.values()].flatMap((set) => [...set]));

function runsComponent(job: string, component: string): boolean {
  const blocks = pipeline().blocks.get(component) ?? new Set<string>();
  return scriptItems(job).some((item) => blocks.has(item));
}

/** Integration jobs whose own (non-component) script reads the registry with imagetools inspect. */
function checkJobs(): string[] {
  const ofComponents = componentBlocks();
  return integrationJobs().filter((job) =>
    scriptItems(job).some((item) => !ofComponents.has(item) && /\bdocker buildx imagetools inspect\b/.test(item)),
  );
}

function needsOf(job: string): string[] {
  const needs = pipeline().resolver.get(job, 'needs')?.value;
  if (!Array.isArray(needs)) return [];
  return needs.flatMap((n) => (typeof n === 'string' ? [n] : isValueMap(n) && typeof n.get('job') === 'string' ? [n.get('job') as string] : []));
}

function variables(job: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, entry] of pipeline().resolver.variables(job)) {
    const value = variableValue(entry);
    if (value) out.set(name, value.value);
  }
  return out;
}

function services(job: string): ImageUse[] {
  return servicesOf(pipeline().resolver.get(job, 'services'));
}

const serviceField = (use: ImageUse, key: string): Value | undefined => (isValueMap(use.entry.value) ? use.entry.value.get(key) : undefined);
const dindOf = (job: string): ImageUse | undefined => services(job).find((s) => /^(docker\.io\/(library\/)?)?docker:[^@]*dind/.test(s.image));
const words = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean).sort();
const includesOf = (component: string): ComponentInclude[] =>
  pipeline().includes.filter((i) => typeof i.address === 'string' && new RegExp(`/${component}@[^/]*$`).test(i.address));
const inputOf = (include: ComponentInclude, name: string): Value | undefined => (isValueMap(include.inputs ?? null) ? (include.inputs as ValueMap).get(name) : undefined);
/** A fixed version: a tag with a digit that is not `latest`, or a sha256 digest. */
const PINNED = /^[^@]+:(?!latest\b)[^@:/]*\d[^@:/]*(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/;

// ---- the tests ------------------------------------------------------------------------------------

describe(`${PIPELINE}: the components at the commit under test`, () => {
  it('includes every component of the catalog, and only at $CI_COMMIT_SHA of this project', async () => {
    const { includes, content } = pipeline();
    const components = (await discoverComponents(REPO_ROOT)).map((c) => c.name);
    expect(components.length).toBeGreaterThan(0);
    for (const include of includes) {
      expect(include.address, 'a component include of the catalog pipeline').toMatch(/^\$CI_SERVER_FQDN\/\$CI_PROJECT_PATH\/[\w-]+@\$CI_COMMIT_SHA$/);
    }
    for (const name of components) expect(includesOf(name).length, `${name} is not included`).toBeGreaterThan(0);
    expect(content.has('include'), 'the render left an include unexpanded').toBe(false);
  });

  it('puts the integration stage after test and verify, and names its jobs integration-*', () => {
    const stages = pipeline().content.get('stages');
    expect(Array.isArray(stages)).toBe(true);
    const order = (stages as Value[]).map(String);
    expect(order.indexOf(STAGE)).toBeGreaterThan(order.indexOf('verify'));
    expect(order.indexOf('verify')).toBeGreaterThan(order.indexOf('test'));
    const jobs = integrationJobs();
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(job).toMatch(/^integration-/);
  });

  it('runs every component in an integration job that a registry check is, or needs', () => {
    const checks = checkJobs();
    expect(checks.length, 'no integration job reads the registry with docker buildx imagetools inspect').toBeGreaterThan(0);
    for (const [component, blocks] of pipeline().blocks) {
      expect(blocks.size, `${component} renders no script block to recognise it by`).toBeGreaterThan(0);
      const runners = integrationJobs().filter((job) => runsComponent(job, component));
      expect(runners, `no integration job runs ${component}`).not.toEqual([]);
      const checked = runners.filter((job) => checks.includes(job) || checks.some((check) => needsOf(check).includes(job)));
      expect(checked, `no check job runs or needs a job that runs ${component} (runners: ${runners.join(', ')})`).not.toEqual([]);
    }
  });

  it('gives every job that talks to a Docker daemon a pinned dind service with consistent TLS settings', () => {
    const daemonJobs = new Set([...checkJobs(), ...integrationJobs().filter((job) => runsComponent(job, 'buildx-ecr'))]);
    expect(daemonJobs.size).toBeGreaterThan(0);
    for (const job of integrationJobs().filter((j) => daemonJobs.has(j) || dindOf(j) !== undefined)) {
      const dind = dindOf(job);
      expect(dind, `${job} has no docker:*-dind service`).toBeDefined();
      if (!dind) continue;
      const version = /^(?:docker\.io\/(?:library\/)?)?docker:(\d+\.\d+\.\d+)-dind(?:@sha256:[0-9a-f]{64})?$/.exec(dind.image)?.[1];
      expect(version, `${job}: dind service ${dind.image} is not pinned to a docker version`).toBeDefined();
      const image = pipeline().resolver.get(job, 'image')?.value;
      const imageName = typeof image === 'string' ? image : isValueMap(image) ? String(image.get('name')) : '';
      expect(imageName, `${job}: the docker CLI image and the dind service differ in version`).toMatch(new RegExp(`^(docker\\.io/(library/)?)?docker:${version?.replace(/\./g, '\\.')}-cli(@|$)`));

      const vars = variables(job);
      const serviceVars = serviceField(dind, 'variables');
      const daemonCertdir = isValueMap(serviceVars) && typeof serviceVars.get('DOCKER_TLS_CERTDIR') === 'string' ? (serviceVars.get('DOCKER_TLS_CERTDIR') as string) : vars.get('DOCKER_TLS_CERTDIR');
      const alias = typeof serviceField(dind, 'alias') === 'string' ? (serviceField(dind, 'alias') as string) : 'docker';
      expect(daemonCertdir, `${job}: DOCKER_TLS_CERTDIR must be set (TLS on)`).toMatch(/^\/\S+/);
      expect(vars.get('DOCKER_TLS_CERTDIR'), `${job}: the job and the daemon must agree on DOCKER_TLS_CERTDIR`).toBe(daemonCertdir);
      expect(vars.get('DOCKER_HOST'), `${job}: DOCKER_HOST`).toBe(`tcp://${alias}:2376`);
      expect(vars.get('DOCKER_TLS_VERIFY'), `${job}: DOCKER_TLS_VERIFY`).toBe('1');
      expect(vars.get('DOCKER_CERT_PATH'), `${job}: DOCKER_CERT_PATH`).toBe(`${daemonCertdir}/client`);
      for (const service of services(job)) expect(service.image, `${job}: service ${service.image} is not pinned`).toMatch(PINNED);
    }
  });

  it('gives the jobs that build with buildx-ecr a pinned registry service that the dind daemon may use over HTTP', () => {
    const builders = integrationJobs().filter((job) => runsComponent(job, 'buildx-ecr'));
    expect(builders).not.toEqual([]);
    for (const job of builders) {
      const registry = services(job).find((s) => /^(docker\.io\/(library\/)?)?registry:/.test(s.image));
      expect(registry, `${job} has no registry:<version> service`).toBeDefined();
      if (!registry) continue;
      expect(registry.image).toMatch(PINNED);
      const alias = serviceField(registry, 'alias');
      expect(typeof alias, `${job}: the registry service needs an alias`).toBe('string');
      const own = scriptItems(job).filter((item) => !componentBlocks().has(item));
      expect(own.some((item) => item.includes(`getent hosts ${String(alias)}`)), `${job}: no script step looks up the registry service ${String(alias)}`).toBe(true);
      const command = serviceField(dindOf(job) as ImageUse, 'command');
      expect(flatten(command ?? null).some((arg) => arg.startsWith('--insecure-registry=')), `${job}: dind needs --insecure-registry for the plain-HTTP registry`).toBe(true);
    }
  });

  it('overrides only variables the components still define', () => {
    let overridden = 0;
    for (const job of integrationJobs().filter((j) => runsComponent(j, 'buildx-ecr'))) {
      const defined = variables(job);
      const own = scriptItems(job).filter((item) => !componentBlocks().has(item));
      for (const item of own) {
        for (const match of item.matchAll(/^\s*export\s+(.+)$/gm)) {
          for (const name of (match[1] ?? '').split(/\s+/).filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n) && !n.startsWith('INTEGRATION_'))) {
            overridden++;
            expect(defined.has(name), `${job} sets ${name}, which no component of the job defines any more`).toBe(true);
          }
        }
      }
    }
    expect(overridden, 'the buildx-ecr job no longer points the components at the registry service').toBeGreaterThan(0);
  });

  it('checks for exactly the platforms the components were asked to build', () => {
    const buildx = includesOf('buildx-ecr');
    expect(buildx.length).toBe(1);
    const asked = words(String(inputOf(buildx[0] as ComponentInclude, 'platforms') ?? '')).sort();
    expect(asked.length).toBeGreaterThan(1);
    for (const job of integrationJobs().filter((j) => runsComponent(j, 'buildx-ecr'))) {
      expect(words(variables(job).get('INTEGRATION_PLATFORMS') ?? ''), `${job}: INTEGRATION_PLATFORMS`).toEqual(asked);
    }

    const merge = includesOf('manifest-merge');
    expect(merge.length).toBe(1);
    const merged = words(String(inputOf(merge[0] as ComponentInclude, 'platforms') ?? ''));
    const arches = includesOf('podman-arch-build').map((i) => `linux/${String(inputOf(i, 'arch')).replace('-', '/')}`).sort();
    expect(arches, 'one podman-arch-build include per merged platform').toEqual(merged);
    const mergeJobs = integrationJobs().filter((j) => runsComponent(j, 'manifest-merge'));
    const checks = checkJobs().filter((check) => needsOf(check).some((n) => mergeJobs.includes(n)));
    expect(checks, 'no check job needs the manifest-merge job').not.toEqual([]);
    for (const check of checks) expect(words(variables(check).get('INTEGRATION_PLATFORMS') ?? ''), `${check}: INTEGRATION_PLATFORMS`).toEqual(merged);
  });

  it('builds the CLI before any job runs it from dist/ (npm ci does not build it: the package builds on prepack)', () => {
    const { content } = pipeline();
    // What builds dist/: the build script, or the repository scripts that run it first.
    const builds = /\bnpm run build\b|tsc -p tsconfig\.build\.json|\bscripts\/(test|main)\.sh\b/;
    for (const { name } of jobsOf(content)) {
      const items = scriptItems(name);
      const firstRun = items.findIndex((item) => /\bnode dist\//.test(item));
      if (firstRun < 0) continue;
      expect(items.slice(0, firstRun).some((item) => builds.test(item)), `${name} runs node dist/… without building it first`).toBe(true);
    }
  });

  it('refers only to jobs that exist: needs, extends and !reference', () => {
    const { content } = pipeline();
    for (const job of integrationJobs()) {
      for (const need of needsOf(job)) expect(content.has(need), `${job} needs ${need}, which is not in the pipeline`).toBe(true);
      expect(() => scriptItems(job, ['before_script', 'script', 'after_script']), job).not.toThrow();
    }
    for (const job of jobsOf(content)) {
      const parents = job.job.get('extends');
      for (const parent of typeof parents === 'string' ? [parents] : flatten(parents ?? null)) {
        expect(content.has(parent), `${job.name} extends ${parent}, which is not in the pipeline`).toBe(true);
      }
    }
  });

  it('passes catalog lint once rendered: GitLab schema and rules, no error or warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'catalog-ci-lint-'));
    try {
      const file = path.join(dir, 'gitlab-ci.rendered.yml');
      await writeFile(file, pipeline().text);
      const result = catalog(['lint', file, '--format', 'json', '--no-shellcheck']);
      const findings = (JSON.parse(result.stdout || '[]') as { file: string; severity: string; line: number; message: string; ruleId: string }[]).filter(
        (f) => f.file.endsWith('gitlab-ci.rendered.yml') && f.severity !== 'info',
      );
      expect(findings.map((f) => `${f.line}: ${f.severity}: ${f.message} [${f.ruleId}]`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('has integration scripts that pass shellcheck with their !reference items resolved', async (ctx) => {
    if ((await shellcheckVersion()) === undefined) {
      if (REQUIRE_TOOLS) throw new Error('CATALOG_REQUIRE_TOOLS=1: shellcheck is not installed');
      return ctx.skip('shellcheck is not installed');
    }
    const units = integrationJobs().flatMap((job) => [
      { job, part: 'before_script + script', script: scriptItems(job).join('\n') },
      { job, part: 'after_script', script: scriptItems(job, ['after_script']).join('\n') },
    ]);
    const results = await Promise.all(units.map((u) => (u.script.trim() === '' ? Promise.resolve([]) : checkScript(u.script, 'sh'))));
    const findings = units.flatMap((u, n) => (results[n] ?? []).map((f) => `${u.job} ${u.part}:${f.line}: SC${f.code} ${f.message}`));
    expect(findings).toEqual([]);
  }, 120_000);
});
