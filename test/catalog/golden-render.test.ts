/**
 * renderGoldens, which `catalog new` and `catalog fork` write golden files with, makes exactly the
 * committed golden files, which test/components/render-golden.test.ts made through `catalog render`
 * in a repository of its own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenFile, listExamples, renderGoldens } from '../../scripts/catalog/golden-render.js';
import { REPO_ROOT, tempTree } from '../helpers/cli.js';

describe('renderGoldens', () => {
  it("renders this catalog's examples as their committed golden files", async () => {
    const examples = listExamples(REPO_ROOT);
    expect(examples.length).toBeGreaterThan(0);
    const renders = await renderGoldens(REPO_ROOT, examples);
    for (const render of renders) {
      expect(render.ok, render.example.file).toBe(true);
      if (render.ok) expect(render.text).toBe(readFileSync(path.join(REPO_ROOT, goldenFile(render.example.name)), 'utf8'));
    }
  });

  it('gives the errors of an example that does not render', async () => {
    const root = tempTree({
      'templates/hello.yml': 'spec:\n  inputs:\n    stage:\n      default: test\n---\nhello:\n  stage: $[[ inputs.stage ]]\n  script: [echo hello]\n',
      'examples/hello/.gitlab-ci.yml': 'include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/hello@$CI_COMMIT_SHA\n    inputs:\n      stages: deploy\n',
    });
    const [render] = await renderGoldens(root, listExamples(root));
    expect(render?.ok).toBe(false);
    expect(render?.ok === false && render.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('unknown input arguments: stages')]);
  });
});
