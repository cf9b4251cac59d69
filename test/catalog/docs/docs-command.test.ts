/**
 * `catalog docs [--check]` on temporary catalogs, through the command module (in-process, as
 * `test/render/render-command.test.ts` does until the command is registered in the CLI).
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDocs } from '../../../scripts/cli/commands/docs.js';
import type { Io } from '../../../scripts/cli/io.js';
import { tempTree } from '../../helpers/cli.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function docs(cwd: string, check = false): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    cwd,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => '',
  };
  const code = await runDocs({ check }, io);
  return { code, stdout, stderr };
}

const BUILD = [
  'spec:',
  '  description: Builds an image for several platforms.',
  '  inputs:',
  '    as:',
  '      default: build',
  '      description: Name of the job.',
  '    stage:',
  '      default: build',
  '      description: Stage of the job.',
  '    platforms:',
  '      type: array',
  '      default: [linux/amd64, linux/arm64]',
  '      description: Platforms to build.',
  '---',
  "'$[[ inputs.as ]]':",
  '  stage: $[[ inputs.stage ]]',
  '  script: [echo build]',
  '',
].join('\n');

const PUSH = [
  'spec:',
  '  inputs:',
  '    registry:',
  '      description: Registry to push to (required).',
  '    mode:',
  '      options: [fast, safe]',
  '      default: safe',
  '      description: Push mode.',
  '---',
  'push:',
  '  script: [echo push]',
  '',
].join('\n');

const README_TEXT = ['# Catalog', '', '```sh', 'bash scripts/main.sh', '```', '', '## Toolkit', '', 'Hand-written toolkit docs.', ''].join('\n');

const readme = (dir: string) => readFileSync(path.join(dir, 'README.md'), 'utf8');

describe('catalog docs', () => {
  it('creates the Components section with one marked section per component, in name order, after the existing text', async () => {
    const dir = tempTree({ 'templates/push.yml': PUSH, 'templates/build/template.yml': BUILD, 'README.md': README_TEXT });
    const run = await docs(dir);
    expect(run).toEqual({
      code: 0,
      stdout: 'README.md: section for "build" added\nREADME.md: section for "push" added\n',
      stderr: '',
    });
    const text = readme(dir);
    expect(text.startsWith(README_TEXT)).toBe(true);
    const after = text.slice(README_TEXT.length);
    expect(after.indexOf('\n## Components\n')).toBe(0);
    const order = ['<!-- catalog-docs:begin build -->', '<!-- catalog-docs:end build -->', '<!-- catalog-docs:begin push -->', '<!-- catalog-docs:end push -->'];
    const positions = order.map((marker) => after.indexOf(`\n${marker}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text.endsWith('<!-- catalog-docs:end push -->\n')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes the inputs table, the description and the job names exactly', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH });
    await docs(dir);
    const text = readme(dir);
    const section = text.slice(text.indexOf('<!-- catalog-docs:begin build -->'), text.indexOf('<!-- catalog-docs:end build -->'));
    expect(section.split('\n')).toEqual([
      '<!-- catalog-docs:begin build -->',
      '### `build`',
      '',
      'Builds an image for several platforms.',
      '',
      'Source: [`templates/build.yml`](templates/build.yml). Jobs: `$[[ inputs.as ]]`.',
      '',
      '| Input | Type | Default | Allowed values | Description |',
      '| --- | --- | --- | --- | --- |',
      '| `as` | string | `"build"` | | Name of the job. |',
      '| `stage` | string | `"build"` | | Stage of the job. |',
      '| `platforms` | array | `["linux/amd64", "linux/arm64"]` | | Platforms to build. |',
      '',
    ]);
    expect(text).toContain('| `registry` | string | required | | Registry to push to (required). |');
    expect(text).toContain('| `mode` | string | `"safe"` | `"fast"`, `"safe"` | Push mode. |');
  });

  it('--check passes on a current README and writes nothing', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT });
    await docs(dir);
    const before = readme(dir);
    const mtime = statSync(path.join(dir, 'README.md')).mtimeMs;
    expect(await docs(dir, true)).toEqual({ code: 0, stdout: 'README.md: 2 component section(s) up to date\n', stderr: '' });
    expect(readme(dir)).toBe(before);
    // A second write run changes nothing either (the file is not even rewritten).
    expect(await docs(dir)).toEqual({ code: 0, stdout: 'README.md: 2 component section(s) up to date\n', stderr: '' });
    expect(statSync(path.join(dir, 'README.md')).mtimeMs).toBe(mtime);
  });

  it('--check fails naming the component whose description changed, and writes nothing', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT });
    await docs(dir);
    writeFileSync(path.join(dir, 'templates/push.yml'), PUSH.replace('Push mode.', 'How to push.'));
    const before = readme(dir);
    expect(await docs(dir, true)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'README.md: section for "push" is out of date; run catalog docs\n',
    });
    expect(readme(dir)).toBe(before);
    expect(await docs(dir)).toEqual({ code: 0, stdout: 'README.md: section for "push" updated\n', stderr: '' });
    expect(readme(dir)).toContain('| `mode` | string | `"safe"` | `"fast"`, `"safe"` | How to push. |');
    expect((await docs(dir, true)).code).toBe(0);
  });

  it('--check reports missing sections and a README that does not exist', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH });
    expect(await docs(dir, true)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'README.md: section for "build" is missing; run catalog docs\nREADME.md: section for "push" is missing; run catalog docs\n',
    });
    expect(readdirSync(dir)).toEqual(['templates']);
  });

  it('keeps hand-written text outside the markers, including a note after a section, when sections change', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT });
    await docs(dir);
    const generated = readme(dir);
    const note = '\nUsage: include `build` before `push`.\n\n```yaml\n<!-- catalog-docs:end push -->\n```\n';
    const edited = generated
      .replace('<!-- catalog-docs:end build -->\n', `<!-- catalog-docs:end build -->\n${note}`)
      .replace('## Components\n', '## Components\n\nIntro written by hand.\n');
    writeFileSync(path.join(dir, 'README.md'), edited);
    writeFileSync(path.join(dir, 'templates/build.yml'), BUILD.replace('Stage of the job.', 'Pipeline stage.'));
    writeFileSync(path.join(dir, 'templates/alpha.yml'), PUSH.replace('push:', 'alpha:'));
    expect((await docs(dir)).stdout).toBe('README.md: section for "alpha" added\nREADME.md: section for "build" updated\n');
    const text = readme(dir);
    expect(text).toContain(`<!-- catalog-docs:end build -->\n${note}`);
    expect(text).toContain('## Components\n\nIntro written by hand.\n');
    expect(text).toContain('| `stage` | string | `"build"` | | Pipeline stage. |');
    expect(text.startsWith(README_TEXT)).toBe(true);
    // New sections go before the first later name, so the note stays with its section.
    expect(text.indexOf('catalog-docs:begin alpha')).toBeGreaterThan(text.indexOf('Intro written by hand.'));
    expect(text.indexOf('catalog-docs:begin alpha')).toBeLessThan(text.indexOf('catalog-docs:begin build'));
    expect((await docs(dir, true)).code).toBe(0);
  });

  it('reports the section of a removed component, then removes it without touching the rest', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT });
    await docs(dir);
    const withBoth = readme(dir);
    rmSync(path.join(dir, 'templates/push.yml'));
    expect(await docs(dir, true)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'README.md: section for "push" belongs to no component under templates/; run catalog docs\n',
    });
    expect(readme(dir)).toBe(withBoth);
    expect(await docs(dir)).toEqual({ code: 0, stdout: 'README.md: section for "push" removed (no such component)\n', stderr: '' });
    const text = readme(dir);
    expect(text).not.toContain('catalog-docs:begin push');
    expect(text.endsWith('<!-- catalog-docs:end build -->\n')).toBe(true);
    expect(text).not.toMatch(/\n\n\n/);
    expect((await docs(dir, true)).code).toBe(0);
  });

  it('exits 1 with the diagnostics for an invalid header, and leaves that section alone', async () => {
    const dir = tempTree({ 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT });
    await docs(dir);
    const before = readme(dir);
    writeFileSync(path.join(dir, 'templates/push.yml'), PUSH.replace('      options: [fast, safe]', '      type: date'));
    const check = await docs(dir, true);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(
      'templates/push.yml:6:13: header:spec:inputs:mode input type unknown value: date [header]\n' +
        'README.md: section for "push" not generated: templates/push.yml has errors\n',
    );
    const write = await docs(dir);
    expect(write.code).toBe(1);
    expect(write.stderr).toBe(check.stderr);
    expect(readme(dir)).toBe(before);
  });

  it('reports a component file without a header', async () => {
    const dir = tempTree({ 'templates/plain.yml': 'job:\n  script: [x]\n' });
    const run = await docs(dir, true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('templates/plain.yml:1:1: a component needs a `spec:` header document');
    expect(run.stderr).toContain('README.md: section for "plain" not generated');
  });

  it('refuses to edit a README whose markers do not pair up', async () => {
    const broken = `${README_TEXT}\n<!-- catalog-docs:begin build -->\nold\n`;
    const dir = tempTree({ 'templates/build.yml': BUILD, 'README.md': broken });
    expect(await docs(dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'README.md:11: section for "build" has no end marker\nREADME.md: the catalog-docs markers must be fixed by hand; nothing was written\n',
    });
    expect(readme(dir)).toBe(broken);
  });

  it('is deterministic: two catalogs with the same components give byte-identical READMEs', async () => {
    const files = { 'templates/build.yml': BUILD, 'templates/push.yml': PUSH, 'README.md': README_TEXT };
    const a = tempTree(files);
    const b = tempTree(files);
    await docs(a);
    await docs(b);
    expect(readme(a)).toBe(readme(b));
  });
});
