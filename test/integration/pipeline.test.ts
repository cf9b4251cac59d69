import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromPlain, YamlReference, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { parseDotenv } from '../../harness/integration/dotenv.js';
import { expandJobVariables, resolvePipeline } from '../../harness/integration/jobs.js';
import { pipelineVariables, slugify } from '../../scripts/gitlab/jobs/job-variables.js';
import { parseDuration, runPipeline, runnerScript, type RunPipelineOptions } from '../../harness/integration/pipeline.js';
import type { PipelineResult } from '../../harness/integration/runner.js';
import { evaluateVariableExpression } from '../../scripts/gitlab/jobs/job-rules.js';
import { parseYamlDocuments } from '../../scripts/gitlab/yaml/psych.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/integration/pipelines');
const SHA = '0123456789abcdef0123456789abcdef01234567';
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(name: string): ValueMap {
  const file = path.join(FIXTURES, name);
  const parsed = parseYamlDocuments(readFileSync(file, 'utf8'), file);
  const value = parsed.documents[0]?.value;
  if (!(value instanceof Map)) throw new Error(`${name}: not a mapping`);
  return value;
}

interface Run {
  readonly result: PipelineResult;
  readonly project: string;
  readonly lines: string[];
  read(file: string): string;
  job(name: string): PipelineResult['jobs'][number];
}

async function run(name: string, overrides: Partial<RunPipelineOptions> & { ref?: string; tag?: boolean } = {}): Promise<Run> {
  const root = mkdtempSync(path.join(tmpdir(), 'pipeline-test-'));
  dirs.push(root);
  const project = path.join(root, 'builds', 'group', 'catalog');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(project, { recursive: true });
  const lines: string[] = [];
  const { ref, tag, ...rest } = overrides;
  const result = await runPipeline(load(name), {
    context: {
      commitSha: SHA,
      ref: ref ?? 'main',
      tag,
      defaultBranch: 'main',
      projectPath: 'group/catalog',
      projectDir: project,
      serverUrl: 'https://gitlab.example.com',
      registry: 'registry.example.com',
      pipelineId: 77,
      firstJobId: 1000,
    },
    workDir: path.join(root, 'work'),
    env: { PATH: process.env['PATH'], HOME: root, TMPDIR: tmpdir() },
    log: (line) => lines.push(line),
    concurrency: 4,
    ...rest,
  });
  return {
    result,
    project,
    lines,
    read: (file) => readFileSync(path.join(project, file), 'utf8'),
    job: (jobName) => {
      const found = result.jobs.find((j) => j.name === jobName);
      if (!found) throw new Error(`no job ${jobName} in ${result.jobs.map((j) => j.name).join(', ')}`);
      return found;
    },
  };
}

const stamp = (text: string): bigint => BigInt(text.trim());

describe('runPipeline', () => {
  it('runs stages in order and the jobs of one stage at the same time', async () => {
    const r = await run('stages.yml');
    expect(r.result.errors).toEqual([]);
    expect(r.result.status).toBe('success');
    expect(r.result.jobs.map((j) => [j.name, j.stage, j.status])).toEqual([
      ['prepare', 'build', 'success'],
      ['left', 'test', 'success'],
      ['right', 'test', 'success'],
      ['report', 'deploy', 'success'],
    ]);
    // Both test jobs started before either finished, and after the build stage ended.
    const prepared = stamp(r.read('prepare.end'));
    for (const [a, b] of [['left', 'right'], ['right', 'left']] as const) {
      expect(stamp(r.read(`${a}.start`))).toBeGreaterThan(prepared);
      expect(stamp(r.read(`${a}.start`))).toBeLessThan(stamp(r.read(`${b}.end`)));
    }
    expect(r.read('report.stage').trim()).toBe('deploy');
    for (const job of r.result.jobs) {
      expect(job.logFile && existsSync(job.logFile)).toBe(true);
      expect(job.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('with a concurrency of 1, jobs of one stage run one after the other', async () => {
    const r = await run('stages.yml', { concurrency: 1, variables: [{ key: 'WAIT_TICKS', value: '4' }] });
    // Each pair job waits (bounded) for the other to start: run alone, the first one fails.
    expect(r.result.status).toBe('failed');
    expect(r.job('left').status).toBe('failed');
    expect(r.job('report').status).toBe('skipped');
  });

  it('follows the needs: DAG', async () => {
    const r = await run('needs.yml');
    expect(r.result.status).toBe('success');
    const order = r.read('order.txt').trim().split('\n');
    // `unit` ran while `slow` (build stage) was still running; `integration` waited for the whole build stage.
    expect(order.indexOf('compile')).toBeLessThan(order.indexOf('unit'));
    expect(order.indexOf('unit')).toBeLessThan(order.indexOf('slow'));
    expect(order.indexOf('slow')).toBeLessThan(order.indexOf('integration'));
    expect(r.read('early.txt').trim()).toBe('early');
    // `early` (needs: []) started before the build stage was over.
    const started = r.lines.filter((l) => l.endsWith(': started') || l.includes(': started ('));
    expect(started.findIndex((l) => l.startsWith('early:'))).toBeLessThan(started.findIndex((l) => l.startsWith('integration:')));
  });

  it('passes dotenv reports to dependent jobs', async () => {
    const r = await run('dotenv.yml');
    expect(r.result.status).toBe('success');
    expect(r.job('produce').dotenv).toEqual({ IMAGE_DIGEST: 'sha256:0123abcd', QUOTED: '"a b"', SPACED: 'value', EXPANDED: '$CI_JOB_STAGE' });
    // dotenv beats the job's own variables; quotes are kept; values are expanded in the consumer.
    expect(r.read('consumed-needs.txt').trim()).toBe('sha256:0123abcd|"a b"|value|test');
    expect(r.read('consumed-stage.txt').trim()).toBe('sha256:0123abcd');
    expect(r.read('no-artifacts.txt').trim()).toBe('from-top-level');
  });

  it('fails a job whose dotenv report GitLab would reject', async () => {
    const pipeline = load('dotenv.yml');
    const produce = pipeline.get('produce') as ValueMap;
    produce.set('script', ["printf 'A=1\\n\\nB=2\\n' > build.env"]);
    const root = mkdtempSync(path.join(tmpdir(), 'pipeline-test-'));
    dirs.push(root);
    const result = await runPipeline(pipeline, {
      context: { commitSha: SHA, ref: 'main', defaultBranch: 'main', projectPath: 'g/p', projectDir: root, serverUrl: 'https://gitlab.example.com' },
      workDir: path.join(root, '.work'),
    });
    const job = result.jobs.find((j) => j.name === 'produce');
    expect(job?.status).toBe('failed');
    expect(job?.reason).toContain('Invalid Format');
    expect(result.jobs.find((j) => j.name === 'consume-needs')?.status).toBe('skipped');
  });

  it('evaluates rules on the default branch', async () => {
    const r = await run('rules.yml', { ref: 'main' });
    expect(r.result.status).toBe('success');
    expect(r.read('publish.latest').trim()).toBe('true');
    expect(existsSync(path.join(r.project, 'default-only.ran'))).toBe(true);
    expect(r.job('release').status).toBe('manual');
    expect(existsSync(path.join(r.project, 'release.ran'))).toBe(false);
    expect(r.result.jobs.map((j) => j.name)).not.toContain('feature-only');
  });

  it('evaluates rules on a feature branch', async () => {
    const r = await run('rules.yml', { ref: 'feature/Faster-Builds' });
    expect(r.result.status).toBe('success');
    expect(r.read('build.ref').trim()).toBe('feature-faster-builds');
    expect(r.read('publish.latest').trim()).toBe('false');
    expect(r.result.jobs.map((j) => j.name)).not.toContain('default-only');
    expect(existsSync(path.join(r.project, 'feature-only.ran'))).toBe(true);
  });

  it('leaves out jobs on a tag that rules exclude', async () => {
    const r = await run('rules.yml', { ref: '1.2.3', tag: true });
    expect(r.result.jobs.map((j) => j.name)).toEqual(['build', 'release']);
  });

  it('fails the pipeline when a job fails, skips its dependents and runs after_script in its own shell', async () => {
    const r = await run('failure.yml');
    expect(r.result.status).toBe('failed');
    const broken = r.job('broken');
    expect(broken.status).toBe('failed');
    expect(broken.exitCode).toBe(1);
    expect(broken.allowedFailure).toBe(false);
    expect(r.read('broken.log').trim()).toBe('before-failure');
    // after_script: a new shell (the script's export is gone), told the job failed; its own failure is ignored.
    expect(r.read('after.txt').trim()).toBe('unset failed');
    const log = readFileSync(broken.logFile as string, 'utf8');
    expect(log).toContain('after_script failed, but job will continue unaffected: exit code 3');
    expect(broken.logTail?.join('\n')).toContain('ERROR: Job failed: exit code 1');
    expect(r.job('sibling').status).toBe('success');
    expect(r.job('dependent').status).toBe('skipped');
    expect(r.job('dag-dependent').status).toBe('skipped');
    expect(existsSync(path.join(r.project, 'dependent.ran'))).toBe(false);
    expect(existsSync(path.join(r.project, 'on-failure.ran'))).toBe(true);
    expect(existsSync(path.join(r.project, 'always.ran'))).toBe(true);
  });

  it('lets allow_failure jobs fail without failing the pipeline', async () => {
    const r = await run('allow-failure.yml');
    expect(r.result.status).toBe('success');
    expect(r.job('flaky')).toMatchObject({ status: 'failed', allowedFailure: true, exitCode: 1 });
    expect(r.job('known-exit')).toMatchObject({ status: 'failed', allowedFailure: true, exitCode: 42 });
    expect(r.job('next').status).toBe('success');
  });

  it('masks masked variables and id_tokens in logs and passes the JWT per token name', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0In0.c2lnbmF0dXJl';
    const secret = 'deploy-secret-value-42';
    const r = await run('secrets.yml', {
      variables: [{ key: 'DEPLOY_SECRET', value: secret, masked: true }],
      idTokens: { AWS_ID_TOKEN: jwt },
      verbose: true,
    });
    expect(r.result.status).toBe('success');
    expect(r.read('token.txt')).toBe(jwt);
    const log = readFileSync(r.job('id-token-job').logFile as string, 'utf8');
    expect(log).toContain('token [MASKED] and secret [MASKED]');
    expect(log).toContain('job token [MASKED]');
    expect(log).not.toContain(jwt);
    expect(log).not.toContain(secret);
    const live = r.lines.join('\n');
    expect(live).toContain('[id-token-job] token [MASKED]');
    expect(live).not.toContain(jwt);
  });

  it('fails a job whose id_tokens JWT was not given', async () => {
    const r = await run('secrets.yml');
    expect(r.result.status).toBe('failed');
    expect(r.job('id-token-job').reason).toContain('AWS_ID_TOKEN');
  });

  it('merges default:, extends: and inherit:, expands variables as GitLab and keeps the harness env out', async () => {
    process.env['HARNESS_ONLY'] = 'leaked';
    try {
      const r = await run('extends.yml');
      expect(r.result.status).toBe('success');
      expect(r.read('child.vars').trim()).toBe('base|child|hello catalog|$CI_PROJECT_NAME|hello catalog|absent');
      // inherit: default: false (no before_script, no image); variables: only GREETING.
      expect(r.read('plain.vars').trim()).toBe('base|base|hello catalog|||absent');
      expect(r.read('child.before').trim()).toBe('default-before');
      expect(existsSync(path.join(r.project, 'plain.before'))).toBe(false);
      expect(r.job('child').image).toBe('debian:trixie-slim');
      expect(r.job('plain').image).toBeUndefined();
      expect(r.lines).toContain('child: started (would use image debian:trixie-slim)');
    } finally {
      delete process.env['HARNESS_ONLY'];
    }
  });

  it('gives jobs the predefined variables', async () => {
    const r = await run('extends.yml');
    const pipeline = new Map(load('extends.yml'));
    pipeline.set('dump', new Map<string, import('../../scripts/gitlab/ruby/value.js').Value>([['script', ['env | sort > env.txt']]]));
    const root = r.project;
    const result = await runPipeline(pipeline, {
      context: { commitSha: SHA, ref: 'Feature/ÜBER_long', defaultBranch: 'main', projectPath: 'Group/Catalog', projectDir: root, serverUrl: 'https://gitlab.example.com:8443', registry: 'registry.example.com:5050', firstJobId: 5, projectId: 4242 },
      workDir: path.join(root, '..', 'work2'),
    });
    expect(result.status).toBe('success');
    const env = Object.fromEntries(
      r
        .read('env.txt')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      CI: 'true',
      GITLAB_CI: 'true',
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_SHORT_SHA: SHA.slice(0, 8),
      CI_COMMIT_REF_NAME: 'Feature/ÜBER_long',
      CI_COMMIT_REF_SLUG: 'feature--ber-long',
      CI_COMMIT_BRANCH: 'Feature/ÜBER_long',
      CI_DEFAULT_BRANCH: 'main',
      CI_PROJECT_ID: '4242',
      CI_PROJECT_PATH: 'Group/Catalog',
      CI_PROJECT_NAME: 'Catalog',
      CI_PROJECT_DIR: root,
      CI_PROJECT_URL: 'https://gitlab.example.com:8443/Group/Catalog',
      CI_SERVER_URL: 'https://gitlab.example.com:8443',
      CI_SERVER_FQDN: 'gitlab.example.com:8443',
      CI_SERVER_HOST: 'gitlab.example.com',
      CI_JOB_NAME: 'dump',
      CI_JOB_STAGE: 'test',
      CI_REGISTRY: 'registry.example.com:5050',
      CI_REGISTRY_IMAGE: 'registry.example.com:5050/group/catalog',
      CI_REGISTRY_USER: 'gitlab-ci-token',
    });
    expect(env['CI_COMMIT_TAG']).toBeUndefined();
    expect(env['CI_JOB_TOKEN']).toBe(env['CI_REGISTRY_PASSWORD']);
    expect(Number(env['CI_JOB_ID'])).toBeGreaterThanOrEqual(5);
  });

  it('reports configuration errors without running anything', async () => {
    const pipeline = load('needs.yml');
    (pipeline.get('unit') as ValueMap).set('needs', ['missing']);
    const root = mkdtempSync(path.join(tmpdir(), 'pipeline-test-'));
    dirs.push(root);
    const result = await runPipeline(pipeline, {
      context: { commitSha: SHA, ref: 'main', defaultBranch: 'main', projectPath: 'g/p', projectDir: root, serverUrl: 'https://gitlab.example.com' },
      workDir: path.join(root, '.work'),
    });
    expect(result.status).toBe('failed');
    expect(result.jobs).toEqual([]);
    expect(result.errors.join('\n')).toContain("'unit' job needs 'missing' job");
  });
});

describe('rules expressions', () => {
  const vars = new Map([
    ['CI_COMMIT_BRANCH', 'main'],
    ['CI_DEFAULT_BRANCH', 'main'],
    ['EMPTY', ''],
    ['PATTERN', '/^ma/'],
  ]);
  const matches = (expression: string) => {
    const result = evaluateVariableExpression(expression, vars);
    if (!result.ok) throw new Error(result.error);
    return result.matches;
  };

  it('compares variables, strings and null as GitLab', () => {
    expect(matches('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH')).toBe(true);
    expect(matches('$CI_COMMIT_BRANCH != "main"')).toBe(false);
    expect(matches('$UNDEFINED == null')).toBe(true);
    expect(matches('$EMPTY == null')).toBe(false);
    expect(matches('$EMPTY == ""')).toBe(true);
    expect(matches('$EMPTY')).toBe(false);
    expect(matches('$UNDEFINED')).toBe(false);
    expect(matches('$CI_COMMIT_BRANCH')).toBe(true);
  });

  it('matches RE2 patterns, also from a variable, and null as ""', () => {
    expect(matches('$CI_COMMIT_BRANCH =~ /^MA/i')).toBe(true);
    expect(matches('$CI_COMMIT_BRANCH !~ /^feat/')).toBe(true);
    expect(matches('$CI_COMMIT_BRANCH =~ $PATTERN')).toBe(true);
    expect(matches('$UNDEFINED =~ /^$/')).toBe(true);
    expect(matches('$CI_COMMIT_BRANCH =~ $UNDEFINED')).toBe(false);
  });

  it('binds && tighter than || and honours parentheses', () => {
    expect(matches('$UNDEFINED || $CI_COMMIT_BRANCH == "main" && $EMPTY == ""')).toBe(true);
    expect(matches('($UNDEFINED || $CI_COMMIT_BRANCH == "main") && $EMPTY')).toBe(false);
  });

  it('reports what it cannot parse', () => {
    expect(evaluateVariableExpression('$A === "x"', vars).ok).toBe(false);
  });
});

describe('resolvePipeline: jobs as GitLab composes them', () => {
  // gitlabhq Gitlab::Ci::Config#build_config: Config::Extendable deep-merges the bases into the job
  // (hashes merge key by key), then Yaml::Tags::Resolver resolves !reference against that result.
  const jobsOf = (p: ValueMap) => new Map(resolvePipeline(p).jobs.map((job) => [job.name, job]));

  it('deep-merges a hash keyword spread over extends: (artifacts from the base and the job)', () => {
    const p = fromPlain({
      '.base': { artifacts: { reports: { dotenv: 'base.env' } }, id_tokens: { BASE_TOKEN: { aud: 'a' } } },
      job: { extends: '.base', script: ['true'], artifacts: { paths: ['out/'] }, id_tokens: { OWN_TOKEN: { aud: 'b' } } },
    }) as ValueMap;
    const job = jobsOf(p).get('job');
    expect(job?.config.dotenv).toEqual(['base.env']);
    expect(job?.config.idTokens).toEqual(['BASE_TOKEN', 'OWN_TOKEN']);
  });

  it('resolves a !reference to a key a job only has through extends:', () => {
    const p = fromPlain({ '.a': { script: ['echo a'] }, '.b': { extends: '.a' }, job: { script: ['echo job'] } }) as ValueMap;
    (p.get('job') as ValueMap).set('before_script', [new YamlReference(['.b', 'script'])]);
    const resolved = resolvePipeline(p);
    expect(resolved.errors).toEqual([]);
    expect(jobsOf(p).get('job')?.config.beforeScript).toEqual(['echo a']);
  });

  it('reports an unknown extends: base with GitLab’s message', () => {
    const p = fromPlain({ job: { extends: '.missing', script: ['true'] } }) as ValueMap;
    expect(resolvePipeline(p).errors).toEqual(['job: unknown keys in `extends` (.missing)']);
  });
});

describe('helpers', () => {
  it('slugifies refs as GitLab', () => {
    expect(slugify('Feature/Add_Thing')).toBe('feature-add-thing');
    expect(slugify('--x--')).toBe('x');
    expect(slugify(`${'a'.repeat(62)}/b`)).toBe('a'.repeat(62));
    expect(slugify('a'.repeat(70))).toHaveLength(63);
  });

  it('parses dotenv as GitLab', () => {
    expect(parseDotenv('A=1\nB = "two" \nC=x=y\r\n')).toEqual({ ok: true, variables: new Map([['A', '1'], ['B', '"two"'], ['C', 'x=y']]) });
    expect(parseDotenv('export A=1\n')).toMatchObject({ ok: false });
    expect(parseDotenv('# comment\n')).toMatchObject({ ok: false });
    expect(parseDotenv('A=1\n\n')).toMatchObject({ ok: false, error: 'Invalid Format' });
    const many = Array.from({ length: 21 }, (_, i) => `K${i}=v`).join('\n');
    expect(parseDotenv(many)).toMatchObject({ ok: false, error: 'Dotenv files cannot have more than 20 variables' });
    expect(parseDotenv(`A=${'x'.repeat(5200)}`)).toMatchObject({ ok: false });
  });

  it('expands variables as server and runner do', () => {
    const out = expandJobVariables([
      { key: 'A', value: 'a' },
      { key: 'B', value: '$A-b' },
      { key: 'C', value: '${B}-c $$ $UNKNOWN.' },
      { key: 'R', value: '$A', raw: true },
      { key: 'D', value: '$R' },
    ]);
    expect(Object.fromEntries(out.map((v) => [v.key, v.value]))).toEqual({ A: 'a', B: 'a-b', C: 'a-b-c $ .', R: '$A', D: '$A' });
    expect(pipelineVariables({ commitSha: SHA, ref: 'v1.0', tag: true, defaultBranch: 'main', projectPath: 'g/p', projectDir: '/b', serverUrl: 'https://x.test' }).find((v) => v.key === 'CI_COMMIT_TAG')?.value).toBe('v1.0');
  });

  it('writes the runner preamble and parses durations', () => {
    const script = runnerScript(['echo "it\'s"']);
    expect(script).toContain('if set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit');
    expect(script).toContain(': | eval ');
    expect(parseDuration('1h 30m')).toBe(5_400_000);
    expect(parseDuration('10 minutes')).toBe(600_000);
    expect(parseDuration('3600')).toBe(3_600_000);
    expect(parseDuration('soon')).toBeUndefined();
  });
});
