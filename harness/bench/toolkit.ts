/**
 * Group 1, the toolkit: each command a fresh process exactly as a user runs it (built CLI,
 * `node dist/scripts/cli/main.js`), compared commands measured in turns (measure.ts).
 * - `catalog render` of the parity fixture's pipeline and of each example vs `gitlab-ci-local
 *   --preview` of the same pipeline (goal ≤ 0.25), with render's peak RSS (goal ≤ 60 MiB);
 * - consumer `catalog lint` of each example vs the same preview (goal ≤ 0.5): an application
 *   project without components whose `.catalog.yml` names a repository of this catalog's templates,
 *   the pipeline including them by project path and commit; gitlab-ci-local reads the components as
 *   local ones in that catalog repository;
 * - `catalog lint` of the whole catalog without shellcheck's cache (cold) and with it (warm), next to
 *   shellcheck alone on the components' scripts with lint's own options, one process per core as
 *   lint runs it (goal: lint's overhead over shellcheck ≤ 25% cold; warm lint ≤ 1 s);
 * - `catalog validate`, `catalog --help` (start-up) and `node -e 0` (the floor).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAKE_PROJECT_PATH, FAKE_SERVER_FQDN, gclEnv, gitEnv, makeRepo, offlineGitEnv } from '../integration/fake-project.js';
import { EXCLUDED_CHECKS } from '../../scripts/lint/shellcheck-process.js';
import { mib, ms, ratio, runAlone, runTogether, verdict, type Command, type Job, type Measured, type Meter } from './measure.js';
import type { Group } from './report.js';

export interface ToolkitSetup {
  readonly repo: string;
  readonly cli: string;
  readonly node22: string;
  readonly gcl: string;
  readonly home: string;
  /** Why gitlab-ci-local cannot be measured, or undefined. */
  readonly gclProblem: string | undefined;
  readonly meter: Meter;
}

const RENDER_GOAL = 0.25;
const LINT_GOAL = 0.5;
const RSS_GOAL_MIB = 60;
const SHELLCHECK_OVERHEAD_GOAL = 0.25;
const WARM_LINT_GOAL_MS = 1000;

const env = (): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' });

interface PipelineRow {
  readonly pipeline: string;
  readonly render: Measured;
  readonly lint: Measured | undefined;
  readonly preview: Measured | undefined;
}

function previewCmd(setup: ToolkitSetup, dir: string, file: string | undefined): Command {
  return {
    exe: setup.node22,
    args: [setup.gcl, '--preview', ...(file === undefined ? [] : ['--file', file])],
    cwd: dir,
    env: { ...gclEnv(setup.home), ...offlineGitEnv(dir) },
    // its state directory (expanded pipeline, fetched includes) would otherwise persist between runs
    before: () => rmSync(path.join(dir, '.gitlab-ci-local'), { recursive: true, force: true }),
  };
}

/** The parity fixture's pipeline, rendered in a temporary git repository made from it. */
async function parityPipeline(setup: ToolkitSetup): Promise<PipelineRow> {
  const repo = await makeRepo(path.join(setup.repo, 'test', 'fixtures', 'parity', 'catalog'), 'catalog-bench-');
  try {
    const render: Job = {
      id: 'render',
      label: 'catalog render (parity fixture)',
      cmd: {
        exe: process.execPath,
        args: [setup.cli, 'render', '.gitlab-ci.yml', '--project-path', FAKE_PROJECT_PATH, '--server-fqdn', FAKE_SERVER_FQDN, '--sha', repo.sha, '--repo', repo.dir],
        cwd: repo.dir,
        env: { ...env(), ...gitEnv(), ...offlineGitEnv() },
      },
      okStatuses: [0],
    };
    const jobs = setup.gclProblem ? [render] : [render, { id: 'preview', label: 'gitlab-ci-local --preview (parity fixture)', cmd: previewCmd(setup, repo.dir, undefined), okStatuses: [0] }];
    const [r, p] = runTogether(jobs, setup.meter);
    return { pipeline: 'test/fixtures/parity/catalog', render: r as Measured, lint: undefined, preview: p };
  } finally {
    rmSync(repo.dir, { recursive: true, force: true });
  }
}

/**
 * A catalog repository of this repository's templates and examples, and per example an application
 * directory whose `.gitlab-ci.yml` is the example with `$CI_PROJECT_PATH` and `$CI_COMMIT_SHA` written
 * out and whose `.catalog.yml` names the catalog repository: render, lint and preview in turns.
 */
async function examplePipelines(setup: ToolkitSetup): Promise<PipelineRow[]> {
  const source = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-consumer-src-'));
  const dirs = [source];
  const rows: PipelineRow[] = [];
  try {
    for (const dir of ['templates', 'examples']) cpSync(path.join(setup.repo, dir), path.join(source, dir), { recursive: true });
    const catalog = await makeRepo(source, 'catalog-bench-consumer-');
    dirs.push(catalog.dir);
    const examples = readdirSync(path.join(setup.repo, 'examples'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(setup.repo, 'examples', e.name, '.gitlab-ci.yml')))
      .map((e) => e.name)
      .sort();
    for (const name of examples) {
      const file = `examples/${name}/.gitlab-ci.yml`;
      const appSource = mkdtempSync(path.join(os.tmpdir(), `catalog-bench-app-src-${name}-`));
      dirs.push(appSource);
      const text = readFileSync(path.join(setup.repo, file), 'utf8').replaceAll('$CI_PROJECT_PATH', FAKE_PROJECT_PATH).replaceAll('$CI_COMMIT_SHA', catalog.sha);
      writeFileSync(path.join(appSource, '.gitlab-ci.yml'), text);
      writeFileSync(path.join(appSource, '.catalog.yml'), `sources:\n  ${FAKE_SERVER_FQDN}/${FAKE_PROJECT_PATH}: ${catalog.dir}\n`);
      // a repository of its own: render reads the pipeline's project and commit from it
      const app = (await makeRepo(appSource, `catalog-bench-app-${name}-`)).dir;
      dirs.push(app);
      const catalogCmd = (args: readonly string[]): Command => ({ exe: process.execPath, args: [setup.cli, ...args, '--server-fqdn', FAKE_SERVER_FQDN], cwd: app, env: { ...env(), ...gitEnv(), ...offlineGitEnv() } });
      const jobs: Job[] = [
        { id: 'render', label: `catalog render (${file})`, cmd: catalogCmd(['render', '.gitlab-ci.yml']), okStatuses: [0] },
        { id: 'lint', label: `catalog lint in an application (${file})`, cmd: catalogCmd(['lint', '--format', 'json']), okStatuses: [0] },
      ];
      if (!setup.gclProblem) jobs.push({ id: 'preview', label: `gitlab-ci-local --preview (${file})`, cmd: previewCmd(setup, catalog.dir, file), okStatuses: [0] });
      const [render, lint, preview] = runTogether(jobs, setup.meter);
      rows.push({ pipeline: file, render: render as Measured, lint, preview });
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The components' shell scripts, which the whole-catalog lint hands to shellcheck (inside its jobs' scripts). */
function componentScripts(repo: string): string[] {
  const components = path.join(repo, 'components');
  return readdirSync(components, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(components, d.name)).filter((f) => f.endsWith('.sh')).map((f) => path.join(components, d.name, f)))
    .sort();
}

const failed = (m: Measured | undefined): string => (m === undefined ? 'not measured' : m.ok ? '' : ` (FAILED: ${m.problem ?? ''})`);

export async function toolkitGroup(setup: ToolkitSetup): Promise<Group> {
  const notes: string[] = [];
  if (setup.gclProblem) notes.push(`gitlab-ci-local not measured: ${setup.gclProblem}`);
  const pipelines = [await parityPipeline(setup), ...(await examplePipelines(setup))];
  const meter = setup.meter;
  const catalogCmd = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Command => ({ exe: process.execPath, args: [setup.cli, ...args], cwd: setup.repo, env: { ...env(), ...extra } });
  // An unusable cache directory: every run pays shellcheck in full (a first run, or every script changed).
  const lintCold = { id: 'lint-cold', label: 'catalog lint, whole catalog, no shellcheck cache', cmd: catalogCmd(['lint', '--format', 'json'], { XDG_CACHE_HOME: '/dev/null/no-cache' }), okStatuses: [0, 1] };
  const scripts = componentScripts(setup.repo);
  const cores = Math.max(1, os.availableParallelism());
  const shellcheck: Job = {
    id: 'shellcheck',
    label: `shellcheck alone (${scripts.length} component scripts, ${cores} process(es))`,
    cmd: {
      exe: 'xargs',
      args: ['-0', '-P', String(cores), '-n', String(Math.ceil(scripts.length / cores)), 'shellcheck', '--format=json1', '--shell=sh', '--norc', `--exclude=${EXCLUDED_CHECKS.join(',')}`],
      cwd: setup.repo,
      env: env(),
      input: scripts.join('\0'),
    },
    // 1: findings (shellcheck's own exit 1 becomes xargs' 123)
    okStatuses: [0, 123],
  };
  const [cold, sc] = runTogether([lintCold, shellcheck], meter) as [Measured, Measured];
  // always warmed up, --quick too: its first run fills shellcheck's cache
  const warm = runAlone({ id: 'lint-warm', label: 'catalog lint, whole catalog, warm shellcheck cache', cmd: catalogCmd(['lint', '--format', 'json']), okStatuses: [0, 1] }, { ...meter, warmUp: true });
  const noShellcheck = runAlone({ id: 'lint-no-sc', label: 'catalog lint --no-shellcheck', cmd: catalogCmd(['lint', '--format', 'json', '--no-shellcheck']), okStatuses: [0, 1] }, meter);
  const validate = runAlone({ id: 'validate', label: 'catalog validate', cmd: catalogCmd(['validate']), okStatuses: [0, 1] }, meter);
  const [help, floor] = runTogether(
    [
      { id: 'help', label: 'catalog --help (start-up)', cmd: catalogCmd(['--help']), okStatuses: [0] },
      { id: 'floor', label: 'node -e 0 (the floor)', cmd: { exe: process.execPath, args: ['-e', '0'], cwd: setup.repo, env: env() }, okStatuses: [0] },
    ],
    meter,
  ) as [Measured, Measured];

  const renderRows = pipelines.map((p) => {
    const r = p.preview ? p.render.wallMs.median / p.preview.wallMs.median : undefined;
    return [
      p.pipeline + failed(p.render),
      ms(p.render.wallMs.median),
      p.preview ? ms(p.preview.wallMs.median) + failed(p.preview) : 'n/a',
      r === undefined ? 'n/a' : ratio(p.render.wallMs.median, p.preview?.wallMs.median ?? 0),
      r === undefined ? 'n/a' : verdict(r, RENDER_GOAL, (x) => x.toFixed(2)),
      mib(p.render.rssMiB?.median),
      p.render.rssMiB === undefined ? 'n/a' : verdict(p.render.rssMiB.median, RSS_GOAL_MIB, (x) => `${x.toFixed(1)} MiB`),
    ];
  });
  const lintRows = pipelines.flatMap((p) => {
    if (p.lint === undefined) return [];
    const r = p.preview ? p.lint.wallMs.median / p.preview.wallMs.median : undefined;
    return [[
      p.pipeline + failed(p.lint),
      ms(p.lint.wallMs.median),
      p.preview ? ms(p.preview.wallMs.median) : 'n/a',
      r === undefined ? 'n/a' : r.toFixed(2),
      r === undefined ? 'n/a' : verdict(r, LINT_GOAL, (x) => x.toFixed(2)),
      mib(p.lint.rssMiB?.median),
    ]];
  });
  const overhead = (cold.wallMs.median - sc.wallMs.median) / sc.wallMs.median;
  const row = (m: Measured, vs: string, goal: string): string[] => [m.label + failed(m), ms(m.wallMs.median), ms(m.wallMs.min), mib(m.rssMiB?.median), vs, goal];
  const catalogRows = [
    row(cold, `${ms(cold.wallMs.median - sc.wallMs.median)} over shellcheck (+${(overhead * 100).toFixed(0)}%)`, `≤ +25%: ${verdict(overhead, SHELLCHECK_OVERHEAD_GOAL, (x) => `${(x * 100).toFixed(0)} points`)}`),
    row(sc, 'the same scripts, lint\'s options', ''),
    row(warm, `${ratio(warm.wallMs.median, cold.wallMs.median)} of cold`, `≤ 1 s: ${verdict(warm.wallMs.median, WARM_LINT_GOAL_MS, ms)}`),
    row(noShellcheck, `${ratio(noShellcheck.wallMs.median, cold.wallMs.median)} of cold`, ''),
    row(validate, '', ''),
    row(help, `${ms(help.wallMs.median - floor.wallMs.median)} over node`, ''),
    row(floor, '', ''),
  ];
  const missedRender = pipelines.filter((p) => p.preview && p.render.wallMs.median / p.preview.wallMs.median > RENDER_GOAL);
  if (missedRender.length > 0) {
    notes.push(
      `render misses ≤ 0.25 on ${missedRender.map((p) => p.pipeline).join(', ')}: catalog's start-up alone (catalog --help, ${ms(help.wallMs.median)}; node -e 0 ${ms(floor.wallMs.median)}) ` +
        `is ${ratio(help.wallMs.median, missedRender[0]?.render.wallMs.median ?? 1)} of the first one's render, so process start-up and module loading dominate, not expanding the pipeline.`,
    );
  }
  if (overhead > SHELLCHECK_OVERHEAD_GOAL) {
    notes.push(`cold lint's overhead over shellcheck is +${(overhead * 100).toFixed(0)}% (goal +25%): lint --no-shellcheck alone takes ${ms(noShellcheck.wallMs.median)}, which is the part of the overhead that does not overlap shellcheck.`);
  }
  notes.push('shellcheck alone checks components/*/*.sh, the scripts the templates include; lint checks each job\'s script as rendered (those files plus the job\'s own lines), so the comparison is close, not exact.');
  return {
    title: 'Toolkit',
    intro: [
      'Each command is a fresh process as a user runs it (`node dist/scripts/cli/main.js …`); gitlab-ci-local runs on its own Node 22 with a private HOME and offline git settings (harness/integration/fake-project.ts). Times are medians; render is compared with gitlab-ci-local `--preview` of the same pipeline, measured in the same rounds.',
    ],
    tables: [
      { head: ['pipeline', 'catalog render', 'gitlab-ci-local --preview', 'ratio', 'goal ≤ 0.25', 'render peak RSS', 'goal ≤ 60 MiB'], rows: renderRows },
      { head: ['consumer pipeline', 'catalog lint', 'gitlab-ci-local --preview', 'ratio', 'goal ≤ 0.5', 'lint peak RSS'], rows: lintRows },
      { head: ['whole catalog', 'median', 'min', 'peak RSS', 'compared', 'goal'], rows: catalogRows },
    ],
    charts: [],
    notes,
  };
}
