/**
 * The examples in `docs/rules/<id>.md` are tests, as actionlint keeps its docs' examples: every
 * ```yaml block under `## Incorrect` gives at least one finding of rule <id>, every one under
 * `## Correct` gives none. Each block is linted as a component; a block split by `# file: <path>`
 * lines is a catalog of several components, linted together (for rules that compare components).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCiSchema } from '../../scripts/gitlab/ci-schema/ci-schema.js';
import type { LintSettings, LintTarget, Rule } from '../../scripts/lint/rule.js';
import { RULES } from '../../scripts/lint/rules/index.js';
import { lintProject } from '../../scripts/lint/run.js';
import { componentTarget } from '../../scripts/lint/target.js';
import { REPO_ROOT } from '../helpers/cli.js';

/** The components of one example: the whole block, or each `# file: templates/<name>.yml` part. */
function targetsOf(code: string): LintTarget[] {
  const parts = code.split(/^# file: (\S+)\n/m);
  if (parts.length === 1) return [componentTarget('templates/example.yml', 'example', code)];
  const targets: LintTarget[] = [];
  for (let i = 1; i < parts.length; i += 2) targets.push(componentTarget(parts[i] ?? '', path.basename(parts[i] ?? '', '.yml'), parts[i + 1] ?? ''));
  return targets;
}

const lint = (code: string, rules: readonly Rule[], settings: LintSettings) =>
  lintProject({ root: '.', targets: targetsOf(code) }, rules, settings, { rules: new Map(), ignores: [] });

const DIR = path.join(REPO_ROOT, 'docs/rules');
// The vendored copy of GitLab's ci.json, named explicitly so that no developer cache changes the result.
const ci = await resolveCiSchema('scripts/gitlab/ci-schema/gitlab-ci.schema.json', REPO_ROOT);
const SETTINGS: LintSettings = { shellcheck: true, ciSchema: ci.schema, ciSchemaSource: ci.source };

/** The ```yaml blocks of each `## ` section, by section title. */
function examples(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let section = '';
  for (const part of markdown.split(/^(## .*)$/m)) {
    if (part.startsWith('## ')) section = part.slice(3).trim();
    else for (const m of part.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) sections.set(section, [...(sections.get(section) ?? []), m[1] ?? '']);
  }
  return sections;
}

describe.each(readdirSync(DIR).filter((f) => f.endsWith('.md')).sort())('docs/rules/%s', (file) => {
  const id = file.replace(/\.md$/, '');
  const rule = RULES.find((r) => r.id === id);
  const blocks = examples(readFileSync(path.join(DIR, file), 'utf8'));

  it('documents a registered rule with incorrect and correct examples', () => {
    expect(rule, `no rule ${id} in RULES`).toBeDefined();
    expect(blocks.get('Incorrect')?.length).toBeGreaterThan(0);
    expect(blocks.get('Correct')?.length).toBeGreaterThan(0);
  });
  it.each(blocks.get('Incorrect') ?? [])('incorrect example %#', async (code) => {
    expect((await lint(code, [rule!], SETTINGS)).filter((d) => d.ruleId === id)).not.toEqual([]);
  });
  it.each(blocks.get('Correct') ?? [])('correct example %#', async (code) => {
    // GitLab's own checks too: a component GitLab rejects would be "correct" for any rule.
    const gitlab = await lint(code, [], { shellcheck: false });
    const found = [...gitlab, ...(await lint(code, [rule!], SETTINGS)).filter((d) => d.ruleId === id)];
    expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message} [${d.ruleId}]`)).toEqual([]);
  });
});
