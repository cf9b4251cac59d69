/**
 * `catalog new <name> [--description <text>]`: a new component that passes the catalog's checks as
 * it is (scripts/catalog/new-component.ts): its sources (`components/<name>/template.yml` and
 * `<name>.sh`, built into `templates/<name>.yml`; or `templates/<name>.yml` in a catalog without
 * `components/`), an example pipeline, its README section (the generated inputs table and a usage
 * paragraph), docs/schemas/ and the golden render of the example, where the catalog keeps those;
 * then `catalog validate`, `lint`, `docs --check` and `build --check` run.
 *
 * Refused, exit 1, before anything is written: a name GitLab would not release, a component or
 * example of that name that exists, a catalog at GitLab's limit of components.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic } from '../../core/diagnostic.js';
import { UsageError } from '../../core/errors.js';
import { writeAtomically } from '../../core/files.js';
import { buildCatalog, SOURCES_DIR } from '../../catalog/build/build.js';
import { COMPONENTS_LIMIT, discoverComponents } from '../../catalog/discover.js';
import { documentCatalog } from '../../catalog/docs/generate.js';
import { endMarker, updateReadme } from '../../catalog/docs/readme.js';
import { configuredAddress } from '../../catalog/fork/address.js';
import { GOLDEN_DIR, goldenFile, renderGoldens } from '../../catalog/golden-render.js';
import { COMPONENT_NAME, HELPERS_LOG, invalidNameMessage, newComponentFiles, usageParagraph, type NewComponent } from '../../catalog/new-component.js';
import { loadReleaseConfig } from '../../catalog/release/config.js';
import { tooManyComponents } from '../../catalog/release/publishable.js';
import type { ExitCode, Io } from '../io.js';
import { CATALOG_CHECK_NAMES, runCatalogChecks } from './catalog-checks.js';
import { DEFAULT_SCHEMA_DIR, runSchema } from './schema.js';

export interface NewArgs {
  readonly name: string;
  readonly description?: string | undefined;
}

const PREFIX = 'catalog new';
const README = 'README.md';

export async function runNew(args: NewArgs, io: Io): Promise<ExitCode> {
  const root = io.cwd;
  const { name } = args;
  const description = (args.description ?? `Runs the ${name} job.`).trim();
  if (description === '' || /[\r\n]/.test(description)) throw new UsageError('--description: one line that says what the component does');
  const refusal = COMPONENT_NAME.test(name) ? await existingOrFull(root, name) : invalidNameMessage(name);
  if (refusal !== undefined) {
    io.stderr(`${PREFIX}: ${refusal}\n`);
    return 1;
  }

  const built = await exists(path.join(root, SOURCES_DIR));
  const address = configuredAddress(await loadReleaseConfig(root));
  const helpers = built && (await exists(path.join(root, HELPERS_LOG)));
  const component: NewComponent = { name, description, built, helpers, includePrefix: `$CI_SERVER_FQDN/${address?.projectPath ?? '<project path>'}` };
  for (const [file, text] of newComponentFiles(component)) {
    await writeAtomically(path.join(root, file), text, file);
    io.stdout(`created ${file}\n`);
  }

  const failures: string[] = [];
  if (built) {
    const template = (await buildCatalog(root)).templates.find((t) => t.name === name);
    if (template !== undefined && template.problems.length === 0) {
      await writeAtomically(path.join(root, template.target), template.text, template.target);
      io.stdout(`built ${template.target}\n`);
    } else failures.push(`catalog build reports problems:\n${(template?.problems ?? []).map(formatDiagnostic).join('\n')}`);
  }
  failures.push(...(await addReadmeSection(root, component, io)));
  if (await exists(path.join(root, DEFAULT_SCHEMA_DIR))) {
    const quiet: Io = { cwd: root, stdout: () => undefined, stderr: () => undefined, readStdin: io.readStdin };
    await runSchema({ out: DEFAULT_SCHEMA_DIR }, quiet);
    io.stdout(`regenerated ${DEFAULT_SCHEMA_DIR}/ (${name}.inputs.schema.json)\n`);
  }
  if (await exists(path.join(root, GOLDEN_DIR))) {
    const [render] = await renderGoldens(root, [{ name, file: `examples/${name}/.gitlab-ci.yml` }]);
    if (render?.ok) {
      await writeAtomically(path.join(root, goldenFile(name)), render.text, goldenFile(name));
      io.stdout(`created ${goldenFile(name)}\n`);
    } else if (render) failures.push(`${render.example.file} does not render:\n${render.diagnostics.map(formatDiagnostic).join('\n')}`);
  }

  const checks = await runCatalogChecks(root, io);
  if (checks.kind === 'operational') {
    io.stderr(checks.output);
    return 2;
  }
  failures.push(...checks.failures.map(({ name: check, output }) => `${check} reports problems:\n${output}`));
  if (failures.length > 0) {
    io.stderr(`${PREFIX}: ${name} is written, but the catalog does not pass:\n${failures.join('\n')}\n`);
    return 1;
  }
  io.stdout(`checked: ${CATALOG_CHECK_NAMES.join(', ')}\n`);
  return 0;
}

/** Why `name` cannot be added to the catalog at `root`: it is there already, or the catalog is full. */
async function existingOrFull(root: string, name: string): Promise<string | undefined> {
  const taken = [`${SOURCES_DIR}/${name}`, `templates/${name}.yml`, `templates/${name}`, `examples/${name}`];
  for (const file of taken) {
    if (await exists(path.join(root, file))) return `component "${name}" exists already (${file}): choose another name, or edit it there`;
  }
  const count = (await discoverComponents(root)).length;
  if (count >= COMPONENTS_LIMIT) return `${tooManyComponents(COMPONENTS_LIMIT)}: templates/ has ${count}; start another catalog project for "${name}"`;
  return undefined;
}

/** The README's sections with the new component's, and its usage paragraph after it. */
async function addReadmeSection(root: string, component: NewComponent, io: Io): Promise<string[]> {
  const target = path.join(root, README);
  const current = await readFile(target, 'utf8').catch(() => undefined);
  const documented = await documentCatalog(root, (file) => readFile(file, 'utf8'));
  const section = documented.find((c) => c.name === component.name);
  if (section?.section === undefined) return [`${README}: no section for ${component.name}:\n${(section?.problems ?? []).map(formatDiagnostic).join('\n')}`];
  const update = updateReadme(current, new Map([[component.name, section.section]]), new Set(documented.map((c) => c.name)));
  if (update.problems.length > 0) return update.problems.map((p) => `${README}:${p.line}: ${p.message}`);
  const lines = update.text.split('\n');
  const end = lines.indexOf(endMarker(component.name));
  lines.splice(end + 1, 0, ...usageParagraph(component));
  await writeAtomically(target, lines.join('\n'), README);
  io.stdout(`${README}: section for "${component.name}" added\n`);
  return [];
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}
