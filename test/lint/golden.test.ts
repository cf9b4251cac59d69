/**
 * Golden files, as actionlint keeps them: every `test/fixtures/lint/ok/*.yml` lints clean; every
 * `test/fixtures/lint/err/<case>.yml` gives exactly the lines of `<case>.out`
 * (`file:line:col: message [rule]`, sorted; a line written `/…/` is a regular expression).
 * A fixture whose first line is `# pipeline` is linted as a pipeline, otherwise as a component.
 * A directory `<case>/` is a catalog: its `*.yml` files are linted together as components (for the
 * rules that compare components), against `<case>.out`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../scripts/core/diagnostic.js';
import { resolveCiSchema } from '../../scripts/gitlab/ci-schema/ci-schema.js';
import { RULES } from '../../scripts/lint/rules/index.js';
import type { LintTarget } from '../../scripts/lint/rule.js';
import { lintProject } from '../../scripts/lint/run.js';
import { componentTarget, pipelineTarget } from '../../scripts/lint/target.js';
import { REPO_ROOT } from '../helpers/cli.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/lint');
const isCatalog = (sub: string, entry: string) => statSync(path.join(DIR, sub, entry)).isDirectory();
const yamlFiles = (sub: string) => readdirSync(path.join(DIR, sub)).filter((f) => f.endsWith('.yml') || isCatalog(sub, f)).sort();

function fixtureTarget(display: string, file: string, text: string): LintTarget {
  return text.startsWith('# pipeline') ? pipelineTarget(display, text) : componentTarget(display, path.basename(file, '.yml'), text);
}

async function lintFixture(sub: string, entry: string): Promise<string[]> {
  const files = isCatalog(sub, entry) ? yamlFiles(path.join(sub, entry)).map((f) => `${entry}/${f}`) : [entry];
  const targets = files.map((file) => fixtureTarget(`${sub}/${file}`, file, readFileSync(path.join(DIR, sub, file), 'utf8')));
  // The vendored copy of GitLab's ci.json, named explicitly so that no developer cache changes the result.
  const ci = await resolveCiSchema('scripts/gitlab/ci-schema/gitlab-ci.schema.json', REPO_ROOT);
  const found = await lintProject({ root: DIR, targets }, RULES, { shellcheck: true, ciSchema: ci.schema, ciSchemaSource: ci.source }, { rules: new Map(), ignores: [] });
  return found.map(formatDiagnostic);
}

describe('lint golden fixtures', () => {
  it.each(yamlFiles('ok'))('ok/%s lints clean', async (file) => {
    expect(await lintFixture('ok', file)).toEqual([]);
  });

  it.each(yamlFiles('err'))('err/%s matches its .out', async (file) => {
    const expected = readFileSync(path.join(DIR, 'err', `${file.replace(/\.yml$/, '')}.out`), 'utf8').split('\n').filter(Boolean);
    const actual = await lintFixture('err', file);
    expect(actual).toHaveLength(expected.length);
    expected.forEach((line, i) => {
      if (line.startsWith('/') && line.endsWith('/')) expect(actual[i]).toMatch(new RegExp(line.slice(1, -1)));
      else expect(actual[i]).toBe(line);
    });
  });
});
