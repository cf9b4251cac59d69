/**
 * The built `catalog lint` with the two checker-backed rules: exit codes, --no-shellcheck, a
 * missing shellcheck, --ci-schema, --output, and `catalog ci-schema update`. The CLI runs as a
 * child process with its own PATH and XDG_CACHE_HOME; schema downloads go to a local server.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RULES } from '../../scripts/lint/rules/index.js';
import { shellcheckVersion } from '../../scripts/lint/shellcheck-process.js';
import { CLI, REPO_ROOT, tempTree } from '../helpers/cli.js';

const SCHEMA_TEXT = readFileSync(path.join(REPO_ROOT, 'scripts/gitlab/ci-schema/gitlab-ci.schema.json'), 'utf8');
const hasShellcheck = (await shellcheckVersion()) !== undefined;
if (!hasShellcheck && process.env['CATALOG_REQUIRE_TOOLS'] === '1') throw new Error('shellcheck is not installed and CATALOG_REQUIRE_TOOLS=1 requires it');

/** Only this work's rules, so that the findings of rules added elsewhere do not change the exit codes here. */
const ONLY_CHECKS = `rules:\n${RULES.filter((r) => r.id !== 'ci-schema' && r.id !== 'shellcheck')
  .map((r) => `  ${r.id}: off\n`)
  .join('')}`;

const CLEAN = `spec:
  inputs:
    stage:
      default: test
      description: Stage of the job
---
check:
  stage: $[[ inputs.stage ]]
  script:
    - echo "$CI_COMMIT_SHA"
`;
const SCHEMA_ERROR = `spec:
  inputs:
    stage:
      default: test
      description: Stage of the job
---
check:
  stage: $[[ inputs.stage ]]
  scrpit: echo
`;
const SHELL_WARNING = `spec:
  inputs:
    stage:
      default: test
      description: Stage of the job
---
check:
  stage: $[[ inputs.stage ]]
  script:
    - echo $CI_COMMIT_SHA
`;

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI without blocking this process (the test's HTTP server must keep answering). */
function catalog(args: readonly string[], options: { cwd: string; env?: Record<string, string>; cli?: string }): Promise<Result> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, XDG_CACHE_HOME: cacheHome(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A fresh, empty cache directory for each test. */
let currentCache = '';
function cacheHome(): string {
  if (!currentCache) {
    currentCache = mkdtempSync(path.join(tmpdir(), 'catalog-cache-'));
    const dir = currentCache;
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
      currentCache = '';
    });
  }
  return currentCache;
}

const catalogTree = (templates: Record<string, string>, extra: Record<string, string> = {}) =>
  tempTree({ '.catalog-lint.yml': ONLY_CHECKS, ...Object.fromEntries(Object.entries(templates).map(([n, t]) => [`templates/${n}`, t])), ...extra });

/** A PATH without shellcheck (node itself is started by its full path). */
const NO_SHELLCHECK = { PATH: '/nonexistent' };

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/ci.json') response.writeHead(200).end(SCHEMA_TEXT);
    else if (request.url === '/strict.json') response.writeHead(200).end(JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false }));
    else response.writeHead(200).end('<html>not json</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.skipIf(!hasShellcheck)('catalog lint with ci-schema and shellcheck', () => {
  it('exits 0 when clean', async () => {
    const result = await catalog(['lint'], { cwd: catalogTree({ 'clean.yml': CLEAN }) });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0 error(s), 0 warning(s), 0 info\n');
    expect(result.status).toBe(0);
  });

  it('exits 1 on a schema error, pointing at the key', async () => {
    const result = await catalog(['lint'], { cwd: catalogTree({ 'bad.yml': SCHEMA_ERROR }) });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^templates\/bad\.yml:9:3: unknown key "scrpit" in job "check"\. expected one of "after_script", .* \[ci-schema\]$/m);
  });

  it('shellcheck findings are warnings: exit 0, or 1 over --max-warnings', async () => {
    const dir = catalogTree({ 'warn.yml': SHELL_WARNING });
    const result = await catalog(['lint'], { cwd: dir });
    expect(result.stdout).toBe(
      'templates/warn.yml:10:12: warning: SC2086: Double quote to prevent globbing and word splitting [shellcheck]\n0 error(s), 1 warning(s), 0 info\n',
    );
    expect(result.status).toBe(0);
    expect((await catalog(['lint', '--max-warnings', '0'], { cwd: dir })).status).toBe(1);
  });

  it('points a finding in a component built from components/ at the shell source line, not the built template', async () => {
    const template = `${CLEAN.replace('    - echo "$CI_COMMIT_SHA"\n', '    - |\n      # catalog:include check.sh\n')}`;
    const dir = tempTree({ '.catalog-lint.yml': ONLY_CHECKS, 'components/clean/template.yml': template, 'components/clean/check.sh': 'set -eu\n\n  echo $CI_COMMIT_SHA\n', 'templates/clean.yml': CLEAN });
    const result = await catalog(['lint'], { cwd: dir });
    // The template on disk is stale (built from an older source): lint reads what the sources build now.
    expect(result.stdout).toBe('components/clean/check.sh:3:8: warning: SC2086: Double quote to prevent globbing and word splitting [shellcheck]\n0 error(s), 1 warning(s), 0 info\n');
  });

  it('--no-shellcheck leaves scripts alone, and needs no shellcheck', async () => {
    const dir = catalogTree({ 'warn.yml': SHELL_WARNING });
    const result = await catalog(['lint', '--no-shellcheck'], { cwd: dir, env: NO_SHELLCHECK });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0 error(s), 0 warning(s), 0 info\n');
    expect(result.status).toBe(0);
  });

  it('exits 2 and says how to fix it when shellcheck is missing', async () => {
    const result = await catalog(['lint'], { cwd: catalogTree({ 'clean.yml': CLEAN }), env: NO_SHELLCHECK });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'catalog: shellcheck is not installed: install it (Debian: apt-get install shellcheck) or pass --no-shellcheck to lint without it\n',
    );
  });

  it('--ci-schema FILE validates against that file; an unusable one is a warning, not silence', async () => {
    const strict = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false });
    const dir = catalogTree({ 'clean.yml': CLEAN }, { 'strict.json': strict, 'broken.json': '{' });
    const strictRun = await catalog(['lint', '--ci-schema', 'strict.json'], { cwd: dir });
    expect(strictRun.stdout).toBe('templates/clean.yml:7:1: the configuration must not have key "check" [ci-schema]\n1 error(s), 0 warning(s), 0 info\n');
    expect(strictRun.status).toBe(1);
    const broken = await catalog(['lint', '--ci-schema', 'broken.json'], { cwd: dir });
    expect(broken.stdout).toMatch(/^templates\/clean\.yml:1:1: warning: --ci-schema broken\.json: not valid JSON: .*; validated against the copy vendored with the toolkit .* \[ci-schema\]\n0 error\(s\), 1 warning\(s\), 0 info\n$/);
    expect(broken.status).toBe(0);
  });

  it('--ci-schema URL downloads the schema into the cache', async () => {
    const dir = catalogTree({ 'clean.yml': CLEAN });
    const result = await catalog(['lint', '--ci-schema', `${base}/strict.json`], { cwd: dir });
    expect(result.stdout).toContain('the configuration must not have key "check" [ci-schema]');
    const cached = readdirSync(path.join(cacheHome(), 'catalog')).filter((f) => f.startsWith('ci-schema'));
    expect(cached).toEqual([expect.stringMatching(/^ci-schema-[0-9a-f]{16}\.json$/)]);
  });

  it('--output writes the report atomically instead of printing it', async () => {
    const dir = catalogTree({ 'bad.yml': SCHEMA_ERROR });
    writeFileSync(path.join(dir, 'report.json'), 'old report');
    const result = await catalog(['lint', '--format', 'json', '--output', 'report.json'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const report: unknown = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('unknown key \\"scrpit\\"');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('warns when no schema can be found at all (a build without the vendored copy, nothing cached)', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'catalog-dist-'));
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(path.join(REPO_ROOT, 'dist/scripts'), path.join(copy, 'dist/scripts'), { recursive: true });
    rmSync(path.join(copy, 'dist/scripts/gitlab/ci-schema/gitlab-ci.schema.json'), { force: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    writeFileSync(path.join(copy, 'package.json'), '{ "type": "module" }\n');
    const result = await catalog(['lint'], { cwd: catalogTree({ 'clean.yml': CLEAN }), cli: path.join(copy, 'dist/scripts/cli/main.js') });
    expect(result.stdout).toBe(
      'templates/clean.yml:1:1: warning: no usable GitLab CI schema: the rendered configuration was not validated against ci.json; run `catalog ci-schema update` or pass --ci-schema PATH|URL [ci-schema]\n0 error(s), 1 warning(s), 0 info\n',
    );
    expect(result.status).toBe(0);
  });
});

describe('catalog ci-schema update', () => {
  it('downloads into the cache that lint then uses', async () => {
    const dir = catalogTree({ 'clean.yml': CLEAN });
    const result = await catalog(['ci-schema', 'update', '--from', `${base}/strict.json`], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${path.join(cacheHome(), 'catalog', 'ci-schema.json')}\n`);
    const lint = await catalog(['lint', '--no-shellcheck'], { cwd: dir });
    expect(lint.stdout).toContain('the configuration must not have key "check" [ci-schema]');
  });

  it('copies a file given by a path relative to the current directory', async () => {
    const dir = tempTree({ 'ci.json': SCHEMA_TEXT });
    const result = await catalog(['ci-schema', 'update', '--from', 'ci.json'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(readFileSync(result.stdout.trim(), 'utf8')).toBe(SCHEMA_TEXT);
  });

  it('exits 2 when what it gets is not a schema, and keeps the cache as it was', async () => {
    const dir = tempTree({});
    const result = await catalog(['ci-schema', 'update', '--from', `${base}/page.html`], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^catalog: http:\/\/127\.0\.0\.1:\d+\/page\.html: not valid JSON: .*; the cached schema was left as it was\n$/);
    expect(existsSync(path.join(cacheHome(), 'catalog', 'ci-schema.json'))).toBe(false);
  });
});
