/**
 * The real catalog (this repository's `templates/` and `examples/`) as the component tests see it:
 * copied into a temporary git repository whose `origin` is `git@gitlab.com:group/catalog.git`, so
 * `catalog render` resolves `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` (and the
 * same with `--project-path group/catalog`) to the committed files. Commands run in-process.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInterpolate } from '../../scripts/cli/commands/interpolate.js';
import { runRender } from '../../scripts/cli/commands/render.js';
import type { Io } from '../../scripts/cli/io.js';
import { parseRubyJson } from '../../scripts/gitlab/ruby/json.js';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { findComponentIncludes } from '../../scripts/gitlab/includes/processor.js';
import { parseComponentSource } from '../../scripts/gitlab/component/source.js';
import { RENDERING_STAND_INS, standInsFor } from '../../scripts/gitlab/component/stand-ins.js';
import { discoverComponents, type ComponentFile } from '../../scripts/catalog/discover.js';
import { GOLDEN_ORIGIN, GOLDEN_PROJECT_PATH, listExamples, normaliseSha, type Example } from '../../scripts/catalog/golden-render.js';
import { parseYamlDocuments } from '../../scripts/gitlab/yaml/psych.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

export const PROJECT_PATH = GOLDEN_PROJECT_PATH;
export const ORIGIN = GOLDEN_ORIGIN;
export { listExamples, normaliseSha, type Example };

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function captureIo(cwd: string, stdin = ''): { io: Io; output: () => { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  return {
    io: { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => stdin },
    output: () => ({ stdout, stderr }),
  };
}

export interface CatalogRepo {
  readonly repo: FixtureRepo;
  readonly sha: string;
}

/** `templates/` and `examples/` of `root`, committed in a new repository with the fixed origin. */
export async function catalogRepo(root: string): Promise<CatalogRepo> {
  const repo = await createRepo('catalog-components-');
  for (const dir of ['templates', 'examples']) {
    if (existsSync(path.join(root, dir))) cpSync(path.join(root, dir), path.join(repo.dir, dir), { recursive: true });
  }
  repo.git('remote', 'add', 'origin', ORIGIN);
  const sha = await repo.commit('catalog');
  return { repo, sha };
}

/** `catalog render <file> --project-path group/catalog` in the repository. */
export async function renderExample(repoDir: string, file: string): Promise<Captured> {
  const { io, output } = captureIo(repoDir);
  const code = await runRender({ pipeline: file, projectPath: PROJECT_PATH }, io);
  return { code, ...output() };
}

export function parseYaml(text: string, file: string): Value {
  const parsed = parseYamlDocuments(text, file);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => e.message).join('; ')}`);
  return parsed.documents.filter((d) => d.value !== null).at(-1)?.value ?? null;
}

/** The inputs every example include passes to `component`, first example first. */
export function exampleInputs(root: string, component: string): ValueMap[] {
  const sets: ValueMap[] = [];
  for (const example of listExamples(root)) {
    const text = parseYamlDocuments(readText(path.join(root, example.file)), example.file);
    const doc = text.documents.filter((d) => d.value !== null).at(-1);
    if (!doc) continue;
    for (const include of findComponentIncludes(doc)) {
      if (typeof include.address !== 'string') continue;
      const name = /\/([\w-]+)@[^/]*$/.exec(include.address)?.[1];
      if (name === component && isValueMap(include.inputs)) sets.push(include.inputs);
    }
  }
  return sets;
}

const readText = (file: string): string => readFileSync(file, 'utf8');

/**
 * The inputs "with defaults": nothing for inputs that have a default; for a required input, the
 * value the first example gives it, else the stand-in `catalog lint` renders it with.
 */
export function defaultInputs(root: string, component: ComponentFile): ValueMap {
  const source = parseComponentSource(readText(component.absolutePath), component.relativePath);
  const spec = source.header ? validateHeader(source.header.value as ValueMap).spec : undefined;
  const inputs: ValueMap = new Map();
  const examples = exampleInputs(root, component.name);
  for (const [name, standIn] of standInsFor(spec?.inputs ?? new Map(), RENDERING_STAND_INS)) {
    const given = examples.find((set) => set.has(name))?.get(name);
    inputs.set(name, given !== undefined ? given : standIn);
  }
  return inputs;
}

const toJson = (value: Value): unknown =>
  isValueMap(value) ? Object.fromEntries([...value].map(([k, v]) => [k, toJson(v)])) : Array.isArray(value) ? value.map(toJson) : value;

/** `catalog interpolate <component> --inputs - --component FILE`: the content document as a value. */
export async function interpolateWithDefaults(root: string, component: ComponentFile): Promise<Captured & { content?: Value; inputs: ValueMap }> {
  const inputs = defaultInputs(root, component);
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-interpolate-'));
  try {
    const context = path.join(dir, 'component.json');
    await writeFile(context, JSON.stringify({ name: component.name, sha: '0'.repeat(40), version: '0.0.0', reference: '0.0.0' }));
    const { io, output } = captureIo(root, JSON.stringify(toJson(inputs)));
    const code = await runInterpolate({ template: component.relativePath, inputs: '-', component: context }, io);
    const captured = { code, ...output(), inputs };
    if (code !== 0) return captured;
    const parsed = parseRubyJson(captured.stdout);
    if (!parsed.ok) throw new Error(`${component.relativePath}: interpolate printed invalid JSON`);
    return { ...captured, content: parsed.value };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function catalogComponents(root: string): Promise<ComponentFile[]> {
  return discoverComponents(root);
}
