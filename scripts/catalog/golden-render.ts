/**
 * Golden renders of the example pipelines: `examples/<name>/.gitlab-ci.yml` merged as GitLab
 * merges it, kept as `test/fixtures/render/<name>.yml` and compared byte for byte by
 * test/components/render-golden.test.ts, which reads its conventions from here. The catalog's
 * `templates/` and `examples/` are committed in a scratch repository whose origin is
 * `git@gitlab.com:group/catalog.git`, each example is rendered with `--project-path group/catalog`,
 * and the commit's SHA is written `<sha>` (`<short-sha>` for its first 8 characters), so a golden
 * file changes only when what GitLab would make of the example changes.
 *
 * `catalog new` writes the golden file of the example it creates and `catalog fork` rewrites them
 * after moving the default images, each through `renderGoldens`.
 */
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.js';
import { addRemote, commitStaged, initRepository, stageAll } from '../core/git.js';
import { readTextFile } from '../core/files.js';
import { prepareRender } from '../gitlab/includes/context.js';
import { renderPipeline } from '../gitlab/includes/processor.js';
import { stringifyYaml } from '../gitlab/yaml/psych.js';

export const GOLDEN_DIR = 'test/fixtures/render';
export const GOLDEN_PROJECT_PATH = 'group/catalog';
export const GOLDEN_ORIGIN = `git@gitlab.com:${GOLDEN_PROJECT_PATH}.git`;

export const goldenFile = (name: string): string => `${GOLDEN_DIR}/${name}.yml`;

export const goldenHeader = (name: string): string =>
  `# Golden render of examples/${name}/.gitlab-ci.yml (test/components/render-golden.test.ts).\n` +
  '# Regenerate with UPDATE_GOLDEN=1 after reviewing the diff; <sha> stands for the commit.\n';

/** The only commit-dependent values of a render: the SHA (`$CI_COMMIT_SHA`, `component.sha`) and its short form. */
export function normaliseSha(text: string, sha: string): string {
  return text.split(sha).join('<sha>').split(sha.slice(0, 8)).join('<short-sha>');
}

export interface Example {
  /** The directory name under `examples/`: the golden file is `test/fixtures/render/<name>.yml`. */
  readonly name: string;
  /** `examples/<name>/.gitlab-ci.yml`. */
  readonly file: string;
}

export function listExamples(root: string): Example[] {
  const dir = path.join(root, 'examples');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, '.gitlab-ci.yml')) && statSync(path.join(dir, name)).isDirectory())
    .sort()
    .map((name) => ({ name, file: `examples/${name}/.gitlab-ci.yml` }));
}

export type GoldenRender =
  | { readonly example: Example; readonly ok: true; readonly text: string }
  | { readonly example: Example; readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Scratch commits are by no one in particular, whatever the machine's git configuration says. */
const SCRATCH_GIT = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } as const;
const SCRATCH_IDENTITY = { name: 'catalog', email: 'catalog@localhost' } as const;

/** The golden file text of each example of the catalog at `root` (its work tree as it is now). */
export async function renderGoldens(root: string, examples: readonly Example[]): Promise<GoldenRender[]> {
  if (examples.length === 0) return [];
  const scratch = await mkdtemp(path.join(tmpdir(), 'catalog-golden-'));
  try {
    for (const dir of ['templates', 'examples']) {
      if (await stat(path.join(root, dir)).catch(() => undefined)) await cp(path.join(root, dir), path.join(scratch, dir), { recursive: true });
    }
    await initRepository(scratch, 'main', SCRATCH_GIT);
    await addRemote(scratch, 'origin', GOLDEN_ORIGIN, SCRATCH_GIT);
    await stageAll(scratch, SCRATCH_GIT);
    const sha = await commitStaged(scratch, 'catalog', SCRATCH_IDENTITY, SCRATCH_GIT);
    const context = await prepareRender(scratch, { projectPath: GOLDEN_PROJECT_PATH });
    const renders: GoldenRender[] = [];
    for (const example of examples) {
      const outcome = await renderPipeline(await readTextFile(path.join(scratch, example.file), example.file), example.file, context);
      renders.push(
        outcome.ok
          ? { example, ok: true, text: goldenHeader(example.name) + normaliseSha(stringifyYaml(outcome.value), sha) }
          : { example, ok: false, diagnostics: outcome.diagnostics.filter((d) => d.severity === 'error') },
      );
    }
    return renders;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
