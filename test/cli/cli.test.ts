import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog, CLI, REPO_ROOT, tempTree } from '../helpers/cli.js';

const COMPONENT = `spec:
  inputs:
    stage:
      default: test
    parallel:
      type: number
---
job:
  stage: $[[ inputs.stage ]]
  parallel: $[[ inputs.parallel ]]
  script: echo "$[[ inputs.stage ]]"
`;

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('catalog interpolate', () => {
  it('prints the content document as JSON and exits 0', () => {
    const dir = tempTree({ 't.yml': COMPONENT, 'in.json': '{"parallel": 3}' });
    const result = catalog(['interpolate', 't.yml', '--inputs', 'in.json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ job: { stage: 'test', parallel: 3, script: 'echo "test"' } });
  });

  it('reads inputs from standard input with -', () => {
    const dir = tempTree({ 't.yml': COMPONENT });
    const result = catalog(['interpolate', 't.yml', '--inputs', '-'], { cwd: dir, input: '{"parallel": "2", "stage": "build"}' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ job: { stage: 'build', parallel: 2, script: 'echo "build"' } });
  });

  it("prints GitLab's error text on stderr and exits 1", () => {
    const dir = tempTree({ 't.yml': COMPONENT, 'in.json': '{"paralel": 3}' });
    const result = catalog(['interpolate', 't.yml', '--inputs', 'in.json'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('unknown input arguments: paralel, `parallel` input: required value has not been provided\n');
  });

  it('exits 2 without a stack trace for a missing file, bad JSON and bad usage', () => {
    const dir = tempTree({ 't.yml': COMPONENT, 'bad.json': '{nope' });
    const missing = catalog(['interpolate', 'nope.yml'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('catalog: nope.yml: no such file\n');
    const badJson = catalog(['interpolate', 't.yml', '--inputs', 'bad.json'], { cwd: dir });
    expect(badJson.status).toBe(2);
    expect(badJson.stderr).toBe('catalog: --inputs: bad.json is not valid JSON\n');
    const usage = catalog(['interpolate'], { cwd: dir });
    expect(usage.status).toBe(2);
    const unknown = catalog(['frobnicate'], { cwd: dir });
    expect(unknown.status).toBe(2);
    for (const r of [missing, badJson, usage, unknown]) noStackTrace(r.stderr);
  });

  it('exits 0 for --help', () => {
    const result = catalog(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('interpolate');
  });
});

describe('catalog start-up', () => {
  it("loads only the module of the command that runs: render loads neither the linter nor ajv", () => {
    // A resolve hook records every file the process imports (hooks run in their own thread, hence a file).
    const dir = tempTree({
      'hooks.mjs': `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, result.url + '\\n');
  return result;
}
`,
      'register.mjs': "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
      'pipeline.yml': 'job:\n  script: echo hi\n',
    });
    const result = spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), CLI, 'render', path.join(dir, 'pipeline.yml'), '--project-path', 'group/catalog'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOADED_LOG: path.join(dir, 'loaded.txt') },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('job:\n  script: echo hi\n');
    const loaded = readFileSync(path.join(dir, 'loaded.txt'), 'utf8').split('\n');
    expect(loaded).toContain(pathToFileURL(path.join(REPO_ROOT, 'dist/scripts/cli/commands/render.js')).href);
    const unwanted = loaded.filter((url) => /\/dist\/scripts\/(lint|catalog)\/|\/dist\/scripts\/cli\/commands\/(?!render|files)|\/node_modules\/ajv/.test(url));
    expect(unwanted).toEqual([]);
  });
});
