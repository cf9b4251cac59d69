/**
 * The catalog's own `.gitlab-ci.yml` under the independent tool gitlab-ci-local 4.75.1 (Node 22 from
 * node_modules, run offline as test/parity/gitlab-ci-local.ts runs it): in a temporary repository
 * holding the catalog (origin FAKE_ORIGIN_URL, so the `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA`
 * includes are local components read from the work tree, docs/gitlab-ci-local.md):
 * - `--preview` renders the file (includes, extends, anchors) with the lint, publish and release jobs;
 * - `--list-json` with `--variable CI_COMMIT_TAG=1.0.0` (gitlab-ci-local has no tag pipelines: the
 *   variable is the closest it gets, docs/gitlab-ci-local.md) evaluates the rules: the release jobs
 *   are in the tag-like pipeline and not in the branch one.
 * gitlab-ci-local or its Node missing: skipped with the reason, unless CATALOG_REQUIRE_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FAKE_ORIGIN_URL, gclEnv, offlineGitEnv } from '../../harness/integration/fake-project.js';
import { GITLAB_CI_LOCAL_JS, NODE22, REQUIRE_TOOLS } from '../parity/gitlab-ci-local.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const RELEASE_JOBS = ['release-check-tag', 'publish-cli-package', 'create-release'];
const missing = [NODE22, GITLAB_CI_LOCAL_JS].filter((file) => !existsSync(file));
if (missing.length > 0 && REQUIRE_TOOLS) throw new Error(`CATALOG_REQUIRE_TOOLS=1: missing ${missing.join(', ')} (npm ci)`);

let repo: FixtureRepo | undefined;
let home: string | undefined;

beforeAll(async () => {
  if (missing.length > 0) return;
  repo = await createRepo('catalog-ci-gcl-');
  for (const dir of ['templates', 'examples', 'components']) {
    if (existsSync(path.join(REPO_ROOT, dir))) cpSync(path.join(REPO_ROOT, dir), path.join(repo.dir, dir), { recursive: true });
  }
  await repo.write('.gitlab-ci.yml', readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'));
  await repo.write('README.md', '# catalog\n');
  repo.git('remote', 'add', 'origin', FAKE_ORIGIN_URL);
  await repo.commit('catalog');
  // gitlab-ci-local diffs rules:changes against origin/<default branch>.
  repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  home = mkdtempSync(path.join(process.env['XDG_CACHE_HOME'] || tmpdir(), 'gcl-home-'));
});

afterAll(async () => {
  await repo?.cleanup();
});

function gitlabCiLocal(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!repo || !home) throw new Error('no repository');
  const r = spawnSync(NODE22, [GITLAB_CI_LOCAL_JS, ...args], { cwd: repo.dir, env: { ...gclEnv(home), ...offlineGitEnv(repo.dir) }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Job name -> `when` after gitlab-ci-local evaluated the rules. */
function listed(...variables: string[]): Map<string, string> {
  const r = gitlabCiLocal('--list-json', ...variables.flatMap((v) => ['--variable', v]));
  expect(r.status, r.stderr).toBe(0);
  return new Map((JSON.parse(r.stdout) as { name: string; when: string }[]).map((job) => [job.name, job.when]));
}

describe.skipIf(missing.length > 0)('.gitlab-ci.yml under gitlab-ci-local', () => {
  it('renders with --preview: the lint job, the package publish and the release job with its links', () => {
    const r = gitlabCiLocal('--preview');
    expect(r.status, r.stderr).toBe(0);
    const preview = parse(r.stdout) as Record<string, { stage?: string; release?: { assets?: { links?: unknown[] } } }>;
    // gitlab-ci-local writes its warnings to stdout too: when one comes first, the message shows it.
    expect(typeof preview === 'object' && preview !== null, `--preview printed:\n${r.stdout.slice(0, 1500)}\nstderr:\n${r.stderr.slice(0, 1500)}`).toBe(true);
    expect(preview['lint-reports']?.stage, `--preview printed:\n${r.stdout.slice(0, 1500)}`).toBe('verify');
    for (const job of RELEASE_JOBS) expect(preview[job]?.stage, job).toBe('release');
    expect(preview['create-release']?.release?.assets?.links?.length).toBeGreaterThan(1);
    expect(Object.keys(preview).filter((key) => key.startsWith('integration-')).length).toBeGreaterThan(0);
  });

  it('has the release jobs in a pipeline with CI_COMMIT_TAG=1.0.0, and not in the branch pipeline', () => {
    const tag = listed('CI_COMMIT_TAG=1.0.0');
    for (const job of RELEASE_JOBS) expect(tag.get(job), job).toBe('on_success');
    const branch = listed();
    for (const job of RELEASE_JOBS) expect(branch.get(job), job).toBe('never');
    expect(branch.get('lint-reports')).toBe('on_success');
  });
});
