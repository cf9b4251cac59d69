/**
 * `catalog fork --project-path <group/sub/name> [--server <host>] [--server-base-path </path>]
 * [--image-registry <mirror>] [--image-registry-layout host|ecr] [--dry-run]`
 *
 * Moves a copy of the catalog to its new home: every reference to the catalog's current address
 * (package.json's `catalog.release.project-url` and `server-base-path`; scripts/catalog/fork/)
 * becomes the same kind of reference to the new one, and with `--image-registry` every default
 * image of the components moves to the company's pull-through mirror. The generated files follow
 * (README's tables, docs/schemas/, the golden renders, templates/ when it is built from
 * components/), then the catalog's checks run.
 *
 * Write, then check: every file is written atomically, and all of them only once every problem that
 * could stop the fork (a missing project-url, an image the layout cannot place) has been ruled out
 * (exit 2, nothing written). A check that then fails exits 1 with its findings and leaves the
 * rewritten files in place, as `git diff` shows them: the fork is one step to review, not one to
 * undo. `--dry-run` prints the plan and writes nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError, UsageError } from '../../core/errors.js';
import { buildCatalog } from '../../catalog/build/build.js';
import { writeAtomically } from '../../core/files.js';
import { configuredAddress, projectPathProblem, serverFqdnProblem, webUrl, componentPrefix, type ProjectAddress } from '../../catalog/fork/address.js';
import { MIRROR_LAYOUTS, mirrorProblem, type ImageMapping, type MirrorLayout } from '../../catalog/fork/image-mirror.js';
import { GENERATED_DIRS, planFork, type ImageOptions } from '../../catalog/fork/plan.js';
import { GOLDEN_DIR, goldenFile, listExamples, renderGoldens } from '../../catalog/golden-render.js';
import { loadReleaseConfig, RELEASE_CONFIG_FILE, SERVER_BASE_PATH } from '../../catalog/release/config.js';
import { formatDiagnostic } from '../../core/diagnostic.js';
import type { ExitCode, Io } from '../io.js';
import { CATALOG_CHECK_NAMES, runCatalogChecks } from './catalog-checks.js';

export interface ForkArgs {
  /** Required; optional here so that its absence is this command's usage error. */
  readonly projectPath?: string | undefined;
  readonly server?: string | undefined;
  readonly serverBasePath?: string | undefined;
  readonly imageRegistry?: string | undefined;
  readonly imageRegistryLayout?: string | undefined;
  readonly dryRun?: boolean | undefined;
}

const PREFIX = 'catalog fork';

export async function runFork(args: ForkArgs, io: Io): Promise<ExitCode> {
  if (args.projectPath === undefined) throw new UsageError("fork: --project-path <group/name> is required: the project's new path");
  const images = imageOptions(args);
  const root = io.cwd;
  const from = await currentAddress(root);
  const to = newAddress(args, from);
  const plan = await planFork(root, { from, to, images });
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) io.stderr(`${PREFIX}: ${problem}\n`);
    io.stderr(`${PREFIX}: nothing was written\n`);
    return 2;
  }

  io.stdout(`${PREFIX}: ${componentPrefix(from)} -> ${componentPrefix(to)} (${webUrl(to)})${args.dryRun ? ': dry run, nothing written' : ''}\n`);
  for (const mapping of plan.images) io.stdout(`image ${mapping.image} -> ${mirrored(mapping)}\n`);
  for (const image of plan.onMirror) io.stdout(`image ${image}: already on ${images?.mirror ?? ''}\n`);
  for (const change of plan.changes) io.stdout(`${change.file}: ${change.replacements} replacement${change.replacements === 1 ? '' : 's'}\n`);
  if (plan.changes.length === 0) {
    io.stdout(`${PREFIX}: nothing refers to ${componentPrefix(from)}${images ? ' or to a default image' : ''}: nothing to rewrite\n`);
    return 0;
  }
  if (args.dryRun) {
    const generated = [...(plan.sources === 'components' ? ['templates/'] : []), 'README.md (inputs tables)', ...GENERATED_DIRS.map((d) => `${d}/`), `${GOLDEN_DIR}/`];
    io.stdout(`then would regenerate ${generated.join(', ')} where present, and run ${CATALOG_CHECK_NAMES.join(', ')}\n`);
    return 0;
  }

  for (const change of plan.changes) await writeAtomically(path.join(root, change.file), change.text, change.file);
  const regenerated = await regenerate(root, io);
  for (const file of regenerated.files) io.stdout(`regenerated ${file}\n`);

  const checks = await runCatalogChecks(root, io);
  if (checks.kind === 'operational') {
    io.stderr(checks.output);
    return 2;
  }
  const failures = [...regenerated.failures, ...checks.failures.map(({ name, output }) => `${name} reports problems:\n${output}`)];
  if (failures.length > 0) {
    io.stderr(`${PREFIX}: the files above are rewritten (git diff shows them), but the result does not pass:\n`);
    for (const failure of failures) io.stderr(`${failure}\n`);
    return 1;
  }
  io.stdout(`checked: ${checks.passed.join(', ')}\n`);
  return 0;
}

/** The catalog's address as its settings give it: an operational error without one. */
async function currentAddress(root: string): Promise<ProjectAddress> {
  const from = configuredAddress(await loadReleaseConfig(root));
  if (from === undefined) {
    throw new ToolkitError(
      `${RELEASE_CONFIG_FILE} has no "catalog.release.project-url": catalog fork reads the catalog's current address there (the web address of the project this copy comes from, e.g. https://gitlab.com/group/catalog, and "server-base-path" when that GitLab is under a relative URL); set it, then fork`,
    );
  }
  const problem = projectPathProblem(from.projectPath);
  if (problem !== undefined) throw new ToolkitError(`${RELEASE_CONFIG_FILE}: "catalog.release.project-url" names no project: ${problem}`);
  return from;
}

/** The new address from the options: the server (and its base path) stay unless given. */
function newAddress(args: ForkArgs, from: ProjectAddress): ProjectAddress {
  const projectPath = (args.projectPath ?? '').replace(/^\/+|\/+$/g, '');
  const pathProblem = projectPathProblem(projectPath);
  if (pathProblem !== undefined) throw new UsageError(`--project-path ${args.projectPath}: ${pathProblem}`);
  const serverFqdn = (args.server ?? from.serverFqdn).toLowerCase();
  const serverProblem = serverFqdnProblem(serverFqdn);
  if (serverProblem !== undefined) throw new UsageError(`--server ${args.server ?? ''}: ${serverProblem}`);
  const basePath = args.serverBasePath === undefined ? (args.server === undefined ? from.basePath : '') : args.serverBasePath.replace(/\/+$/, '');
  if (basePath !== '' && !SERVER_BASE_PATH.test(basePath)) {
    throw new UsageError(`--server-base-path ${args.serverBasePath ?? ''}: the path GitLab is installed under starts with "/" (/gitlab); "" when it serves from the root`);
  }
  return { serverFqdn, basePath, projectPath };
}

function imageOptions(args: ForkArgs): ImageOptions | undefined {
  const layout = args.imageRegistryLayout ?? 'host';
  if (!(MIRROR_LAYOUTS as readonly string[]).includes(layout)) {
    throw new UsageError(`--image-registry-layout ${layout}: one of ${MIRROR_LAYOUTS.join(', ')}`);
  }
  if (args.imageRegistry === undefined) {
    if (args.imageRegistryLayout !== undefined) throw new UsageError('--image-registry-layout goes with --image-registry');
    return undefined;
  }
  const mirror = args.imageRegistry.replace(/\/+$/, '');
  const problem = mirrorProblem(mirror);
  if (problem !== undefined) throw new UsageError(`--image-registry ${args.imageRegistry}: ${problem}`);
  return { mirror, layout: layout as MirrorLayout };
}

const mirrored = (mapping: ImageMapping): string => {
  const { tag, digest } = mapping.reference;
  return `${mapping.repository}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
};

interface Regenerated {
  /** The generated files whose text changed. */
  readonly files: readonly string[];
  /** Generators that failed on the rewritten sources: what they said. */
  readonly failures: readonly string[];
}

/**
 * templates/ (built from components/), README's tables, docs/schemas/ and the golden renders,
 * made again from the rewritten catalog where the catalog has them; templates/ first, since the
 * others read it.
 */
async function regenerate(root: string, io: Io): Promise<Regenerated> {
  const files: string[] = [];
  const failures: string[] = [];
  const build = await buildCatalog(root);
  const buildProblems = build.templates.flatMap((template) => template.problems);
  if (buildProblems.length > 0) failures.push(`catalog build reports problems:\n${buildProblems.map(formatDiagnostic).join('\n')}`);
  else {
    for (const template of build.templates) {
      if ((await readFile(path.join(root, template.target), 'utf8').catch(() => undefined)) === template.text) continue;
      await writeAtomically(path.join(root, template.target), template.text, template.target);
      files.push(template.target);
    }
  }
  const quiet: Io = { cwd: root, stdout: () => undefined, stderr: () => undefined, readStdin: io.readStdin };
  // README.md's tables: any difference `catalog docs --check` reports afterwards.
  files.push(...(await changedBy(root, ['README.md'], async () => void (await (await import('./docs.js')).runDocs({}, quiet)))));
  for (const dir of GENERATED_DIRS) {
    const before = await listFiles(root, dir);
    if (before === undefined) continue;
    files.push(...(await changedBy(root, before, async () => void (await (await import('./schema.js')).runSchema({ out: dir }, quiet)), () => listFiles(root, dir))));
  }
  if ((await listFiles(root, GOLDEN_DIR)) !== undefined) {
    for (const render of await renderGoldens(root, listExamples(root))) {
      if (!render.ok) {
        failures.push(`${render.example.file} does not render:\n${render.diagnostics.map(formatDiagnostic).join('\n')}`);
        continue;
      }
      const file = goldenFile(render.example.name);
      if ((await readFile(path.join(root, file), 'utf8').catch(() => undefined)) === render.text) continue;
      await writeAtomically(path.join(root, file), render.text, file);
      files.push(file);
    }
  }
  return { files, failures };
}

/** The files among `before` (and what `after` lists then) whose text `run` changed. */
async function changedBy(root: string, before: readonly string[], run: () => Promise<void>, after?: () => Promise<readonly string[] | undefined>): Promise<string[]> {
  const read = (file: string) => readFile(path.join(root, file), 'utf8').catch(() => undefined);
  const old = new Map(await Promise.all(before.map(async (file) => [file, await read(file)] as const)));
  await run();
  const now = (await after?.()) ?? before;
  const changed: string[] = [];
  for (const file of now) if ((await read(file)) !== old.get(file)) changed.push(file);
  return changed;
}

/** The files of a directory (relative to `root`), or undefined when there is no such directory. */
async function listFiles(root: string, dir: string): Promise<string[] | undefined> {
  const names = await readdir(path.join(root, dir)).catch(() => undefined);
  return names?.map((name) => `${dir}/${name}`).sort();
}
