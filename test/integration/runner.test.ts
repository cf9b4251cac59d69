/**
 * The harness's one Runner interface (harness/integration/runner.ts), without an environment: how
 * gitlab-ci-local's outcome maps onto the job results both runners report, what each runner says
 * it cannot do, and the failure message every scenario throws with.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emulationRunner, type Environment } from '../../harness/integration/environment.js';
import { gitlabCiLocalJobResult, gitlabCiLocalRunner, parseReport } from '../../harness/integration/gitlab-ci-local-run.js';
import { pipelineFailure, type PipelineResult } from '../../harness/integration/runner.js';

const root = mkdtempSync(path.join(tmpdir(), 'catalog-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The environment is never touched by what these tests call. */
const noEnvironment = {} as Environment;

describe('gitlabCiLocalJobResult: gitlab-ci-local\'s report as the job results every runner gives', () => {
  const project = path.join(root, 'project');
  const state = path.join(project, '.gitlab-ci-local');
  for (const job of ['build', 'lint', 'verify']) {
    mkdirSync(path.join(state, 'output'), { recursive: true });
    writeFileSync(path.join(state, 'output', `${job}.log`), `$ run ${job}\n${job} line 1\n${job} line 2\n`);
  }
  const dotenvDir = (job: string): string => path.join(state, 'artifacts', job, '.gitlab-ci-reports', 'dotenv');
  mkdirSync(dotenvDir('build'), { recursive: true });
  writeFileSync(path.join(dotenvDir('build'), 'build.env'), 'BUILD_IMAGE=registry/app\n');
  mkdirSync(dotenvDir('verify'), { recursive: true });
  writeFileSync(path.join(dotenvDir('verify'), 'verify.env'), 'export BAD KEY=1\n');

  const names = ['build', 'lint', 'verify', 'deploy', 'after-failure'];
  const report = parseReport([' PASS  build', ' WARN  build  after_script', ' WARN  lint  pre_script', ' FAIL  verify'].join('\n'), names);
  const result = (name: string, when = 'on_success') => gitlabCiLocalJobResult(project, { name, stage: 'test', when }, report);

  it('PASS: success with its log and dotenv report; a failed after_script is a warning only', () => {
    expect(result('build')).toEqual({
      name: 'build',
      stage: 'test',
      status: 'success',
      allowedFailure: false,
      logFile: path.join(state, 'output', 'build.log'),
      dotenv: { BUILD_IMAGE: 'registry/app' },
      reason: 'gitlab-ci-local: PASS',
      warnings: ["after_script failed (the job's status is not affected, as in GitLab)"],
    });
  });

  it('WARN pre_script: failed, allowed to fail, with its log tail', () => {
    expect(result('lint')).toMatchObject({ status: 'failed', allowedFailure: true, logTail: ['$ run lint', 'lint line 1', 'lint line 2'] });
  });

  it('FAIL: failed; a dotenv report GitLab would reject is a warning (gitlab-ci-local accepted it)', () => {
    expect(result('verify')).toMatchObject({ status: 'failed', allowedFailure: false, reason: 'gitlab-ci-local: FAIL' });
    expect(result('verify').warnings).toEqual(['dotenv report verify.env: Validation failed: Key can contain only letters, digits and \'_\'. ("export BAD KEY"): GitLab would reject it']);
  });

  it('a parallel:matrix job: its log and dotenv report under the file name gitlab-ci-local gives it (runs of [^A-Za-z0-9_-] base64url-encoded)', () => {
    // The name and file name of a matrix job of a real gitlab-ci-local 4.75.1 run
    // (`build: {parallel: {matrix: [{PLATFORM: linux/amd64, RUNNER: saas-linux-small-amd64}, …]}}`).
    const name = 'build: [linux/amd64,saas-linux-small-amd64]';
    const file = 'buildOiBblinuxLwamd64LAsaas-linux-small-amd64XQ';
    writeFileSync(path.join(state, 'output', `${file}.log`), '$ build\n');
    mkdirSync(dotenvDir(file), { recursive: true });
    writeFileSync(path.join(dotenvDir(file), 'b.env'), 'BUILD_DIGEST_AMD64=sha256:1\n');
    const matrixReport = parseReport(` PASS  ${name}`, [name]);
    expect(gitlabCiLocalJobResult(project, { name, stage: 'build', when: 'on_success' }, matrixReport)).toMatchObject({
      status: 'success',
      logFile: path.join(state, 'output', `${file}.log`),
      dotenv: { BUILD_DIGEST_AMD64: 'sha256:1' },
    });
  });

  it('never started: manual when it is a manual job, else skipped; no log either way', () => {
    expect(result('deploy', 'manual')).toEqual({ name: 'deploy', stage: 'test', status: 'manual', allowedFailure: false, dotenv: {}, reason: 'when: manual (not run)' });
    expect(result('after-failure')).toEqual({ name: 'after-failure', stage: 'test', status: 'skipped', allowedFailure: false, dotenv: {}, reason: 'not started' });
  });
});

describe('what each runner cannot do', () => {
  it('the emulation does everything the scenarios ask for', () => {
    expect(emulationRunner(noEnvironment)).toMatchObject({
      name: 'emulation',
      capabilities: { idTokens: true, tagPipelines: true, rawVariables: true, renderedPipeline: true },
    });
  });

  it('gitlab-ci-local mints no ID tokens, runs no tag pipelines, expands every variable, renders nothing of ours', async () => {
    const runner = gitlabCiLocalRunner(noEnvironment);
    expect(runner).toMatchObject({
      name: 'gitlab-ci-local',
      capabilities: { idTokens: false, tagPipelines: false, rawVariables: false, renderedPipeline: false },
    });
    await expect(runner.run('stages: [test]\n', { name: 'release', ref: '1.2.3', tag: true })).rejects.toThrow(/release: gitlab-ci-local has no tag pipelines/);
  });
});

describe('pipelineFailure', () => {
  it('gives the errors, then each failed job, or job with warnings, with its reason and log tail', () => {
    const pipeline: PipelineResult = {
      status: 'failed',
      errors: ['gitlab-ci-local exited 1 (/runs/x)\nstderr line'],
      jobs: [
        { name: 'ok', stage: 'build', status: 'success', allowedFailure: false, dotenv: {} },
        { name: 'noisy', stage: 'build', status: 'success', allowedFailure: false, dotenv: {}, reason: 'gitlab-ci-local: PASS', warnings: ['after_script failed'] },
        { name: 'broken', stage: 'test', status: 'failed', allowedFailure: false, dotenv: {}, reason: 'exit code 2', logTail: ['a', 'b'] },
        { name: 'later', stage: 'deploy', status: 'skipped', allowedFailure: false, dotenv: {}, reason: 'broken failed' },
      ],
    };
    expect(pipelineFailure(pipeline)).toBe(
      'pipeline failed: gitlab-ci-local exited 1 (/runs/x)\nstderr line\n--- noisy: gitlab-ci-local: PASS; after_script failed\n\n--- broken: exit code 2\na\nb',
    );
  });
});
