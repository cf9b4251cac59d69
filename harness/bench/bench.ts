/**
 * `npm run bench`: wall time and peak memory of the `catalog` commands, next to the targets of the issue.
 * Never a test: numbers depend on the machine, so nothing here passes or fails a build.
 *
 * Measured, each as a fresh process exactly as a user runs it (built CLI, `node dist/scripts/cli/main.js`):
 *   (a) `catalog render` of one pipeline vs `gitlab-ci-local --preview` of the same pipeline, both in a
 *       temporary git repository made from test/fixtures/parity/catalog the way the parity test makes it
 *       (harness/integration/fake-project.ts: gitlab-ci-local's Node 22, a private HOME, offline git settings);
 *   (b) `catalog lint` over the whole catalog, with shellcheck: the target is judged on a run without
 *       shellcheck's disk cache (a first run, or every script changed); a run with a warm cache is
 *       shown beside it;
 *   (c) `catalog lint --no-shellcheck`;
 *   (d) `catalog validate`;
 *   (e) for each example pipeline (examples/<name>/.gitlab-ci.yml): `catalog lint` as an application
 *       team runs it (a project without components, `.catalog.yml` naming a repository of this
 *       catalog's templates, the pipeline including them by project path and commit) next to
 *       `gitlab-ci-local --preview --file` of the same pipeline in that catalog repository, where
 *       gitlab-ci-local reads the components as local ones.
 * The catalog for (b)–(d) is `--catalog <dir>`, else this repository; when that has no components under
 * templates/, the parity fixture is used instead (and the table says so).
 *
 * Each command runs once to warm the file cache, then `--runs N` times (default 5), render and
 * gitlab-ci-local in turns (a sample of each, round after round); the table shows the
 * median and minimum wall time and the median and minimum peak RSS. Peak RSS comes from `/usr/bin/time -v`
 * when it works (getrusage: the largest single process of the run, e.g. node or one shellcheck, not a
 * sum), otherwise from `process.resourceUsage().maxRSS` of every node process of the run (a
 * `--require`d probe; shellcheck is then not counted). All samples go to `bench-results.json` in a new
 * temporary directory, whose path is printed; nothing is written into the repository.
 *
 * When NODE_EXTRA_CA_CERTS is set, Node 20 (the catalog's) reads that file and builds its whole
 * certificate store while starting, where Node 22 (gitlab-ci-local's) waits until TLS is used: a
 * cost per process that only one side pays. The numbers include it, as a user with that
 * environment gets it; a note gives its size, and a row shows render without it.
 *
 * Usage: npm run bench [-- --runs N] [--catalog DIR] [--no-rebuild]. As root it also runs integration scenario 3
 * (harness/bench/rebuild.ts): a no-change rebuild of the buildx-ecr example from the registry cache.
 * The npm script runs it with the Node that runs npm
 * (`$npm_node_execpath`): a plain `node` inside an npm script is node_modules/.bin/node, the Node 22 that
 * only gitlab-ci-local is meant to use; `catalog` is measured on the same Node as the bench itself.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogRepo } from '../integration/environment.js';
import { FAKE_PROJECT_PATH, FAKE_SERVER_FQDN, gclEnv, gitEnv, makeRepo, offlineGitEnv } from '../integration/fake-project.js';
import { gitlabCiLocalPaths } from '../integration/gitlab-ci-local-run.js';
import { benchRebuild } from './rebuild.js';

/** The repository, also when this runs built from dist/harness/bench/. */
const REPO = catalogRepo();
const CLI = path.join(REPO, 'dist', 'scripts', 'cli', 'main.js');
const { node: NODE22, script: GCL } = gitlabCiLocalPaths(REPO);
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'parity', 'catalog');

interface Options {
  readonly runs: number;
  readonly catalog?: string | undefined;
  /** Also run integration scenario 3 (the registry-cache rebuild), as root. */
  readonly rebuild: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let runs = Number(process.env['BENCH_RUNS'] ?? 5);
  let catalog: string | undefined;
  let rebuild = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--runs' && value !== undefined) {
      runs = Number(value);
      i++;
    } else if (arg === '--catalog' && value !== undefined) {
      catalog = path.resolve(value);
      i++;
    } else if (arg === '--no-rebuild') {
      rebuild = false;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}: usage: bench [--runs N] [--catalog DIR] [--no-rebuild]`);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: expected a whole number of 1 or more');
  return { runs, catalog, rebuild };
}

// ---------------------------------------------------------------------------------------------------------
// Measuring one process
// ---------------------------------------------------------------------------------------------------------

interface Sample {
  readonly wallMs: number;
  /** Peak resident set size in KiB, when it could be measured. */
  readonly rssKiB: number | undefined;
  readonly status: number | null;
  readonly stderr: string;
}

interface Command {
  readonly exe: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs before every sample, untimed (e.g. removing gitlab-ci-local's state directory). */
  readonly before?: () => void;
}

type RssMethod = 'time -v' | 'node probe';

function timeWorks(): boolean {
  if (!existsSync('/usr/bin/time')) return false;
  const r = spawnSync('/usr/bin/time', ['-v', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
}

/** A `--require` hook that appends the node process's own peak RSS (KiB) to `$BENCH_RSS_FILE` at exit. */
function writeProbe(dir: string): string {
  const probe = path.join(dir, 'rss-probe.cjs');
  writeFileSync(
    probe,
    "process.on('exit', () => { try { require('node:fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'); } catch {} });\n",
  );
  return probe;
}

function measure(cmd: Command, method: RssMethod, work: string, probe: string): Sample {
  cmd.before?.();
  if (method === 'time -v') {
    const start = performance.now();
    const r = spawnSync('/usr/bin/time', ['-v', cmd.exe, ...cmd.args], { cwd: cmd.cwd, env: cmd.env, encoding: 'utf8', maxBuffer: 256 << 20 });
    const wallMs = performance.now() - start;
    const rss = [...(r.stderr ?? '').matchAll(/Maximum resident set size \(kbytes\): (\d+)/g)].pop()?.[1];
    const stderr = (r.stderr ?? '').replace(/\n?\s*Command being timed:[\s\S]*$/, '');
    return { wallMs, rssKiB: rss === undefined ? undefined : Number(rss), status: r.status, stderr: stderr + (r.error ? String(r.error) : '') };
  }
  const rssFile = path.join(work, `rss-${process.hrtime.bigint()}.txt`);
  const nodeOptions = `${cmd.env['NODE_OPTIONS'] ?? ''} --require ${JSON.stringify(probe)}`.trim();
  const start = performance.now();
  const r = spawnSync(cmd.exe, [...cmd.args], {
    cwd: cmd.cwd,
    env: { ...cmd.env, NODE_OPTIONS: nodeOptions, BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const wallMs = performance.now() - start;
  const values = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  return { wallMs, rssKiB: values.length > 0 ? Math.max(...values) : undefined, status: r.status, stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

// ---------------------------------------------------------------------------------------------------------
// Statistics and reporting
// ---------------------------------------------------------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

interface Measured {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  /** Exit status every run should have (`catalog lint` exits 1 when it has findings: that still ran). */
  readonly ok: boolean;
  readonly problem?: string | undefined;
  readonly statuses: readonly (number | null)[];
  readonly wallMs: { readonly median: number; readonly min: number; readonly max: number; readonly samples: readonly number[] };
  readonly rssMiB?: { readonly median: number; readonly min: number; readonly max: number; readonly samples: readonly number[] } | undefined;
}

interface Job {
  readonly id: string;
  readonly label: string;
  readonly cmd: Command;
  /** Exit statuses that mean the command ran (`catalog lint` exits 1 when it has findings). */
  readonly okStatuses: readonly number[];
}

/**
 * Measures commands that are compared with each other in turns (a sample of each, then the next
 * round), so that a change in the machine's load between them does not tilt the comparison.
 */
function runTogether(jobs: readonly Job[], opts: Options, method: RssMethod, work: string, probe: string): Measured[] {
  process.stderr.write(`bench: ${jobs.map((j) => j.label).join(' / ')} …`);
  const warm = jobs.map((job) => measure(job.cmd, method, work, probe));
  const samples: Sample[][] = jobs.map(() => []);
  for (let i = 0; i < opts.runs; i++) jobs.forEach((job, k) => samples[k]?.push(measure(job.cmd, method, work, probe)));
  process.stderr.write(' done\n');
  return jobs.map((job, k) => summarize(job, [warm[k] as Sample, ...(samples[k] ?? [])]));
}

function run(id: string, label: string, cmd: Command, opts: Options, method: RssMethod, work: string, probe: string, okStatuses: readonly number[]): Measured {
  return runTogether([{ id, label, cmd, okStatuses }], opts, method, work, probe)[0] as Measured;
}

/** The samples after the first (the warm-up) count. */
function summarize({ id, label, cmd, okStatuses }: Job, all: readonly Sample[]): Measured {
  const samples = all.slice(1);
  const statuses = all.map((s) => s.status);
  const bad = all.find((s) => s.status === null || !okStatuses.includes(s.status));
  const walls = samples.map((s) => s.wallMs);
  const rss = samples.map((s) => s.rssKiB).filter((x): x is number => x !== undefined).map((k) => k / 1024);
  return {
    id,
    label,
    command: [path.relative(REPO, cmd.exe) || cmd.exe, ...cmd.args.map((a) => (path.isAbsolute(a) ? path.relative(REPO, a) || a : a))].join(' '),
    ok: bad === undefined,
    problem: bad ? `exit ${bad.status}: ${bad.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300)}` : undefined,
    statuses,
    wallMs: { median: median(walls), min: Math.min(...walls), max: Math.max(...walls), samples: walls },
    rssMiB: rss.length > 0 ? { median: median(rss), min: Math.min(...rss), max: Math.max(...rss), samples: rss } : undefined,
  };
}

const ms = (x: number): string => `${x.toFixed(0)} ms`;
const mib = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} MiB`);

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------------------

function countComponents(root: string): number {
  const dir = path.join(root, 'templates');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) n++;
    else if (entry.isDirectory() && (existsSync(path.join(dir, entry.name, 'template.yml')) || existsSync(path.join(dir, entry.name, 'template.yaml')))) n++;
  }
  return n;
}

function version(exe: string, args: readonly string[], env?: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(exe, [...args], { encoding: 'utf8', env: env ?? process.env });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

function gitlabCiLocalProblem(home: string): string | undefined {
  if (!existsSync(NODE22)) return `${path.relative(REPO, NODE22)} is missing (devDependency \`node\`): run npm ci`;
  const major = Number(/^v(\d+)/.exec(version(NODE22, ['--version']) ?? '')?.[1] ?? 0);
  if (major < 22) return `${NODE22} is not Node >= 22`;
  if (!existsSync(GCL)) return `${path.relative(REPO, GCL)} is missing (devDependency \`gitlab-ci-local\`): run npm ci`;
  if (version(NODE22, [GCL, '--version'], gclEnv(home)) === undefined) return 'gitlab-ci-local --version failed';
  return undefined;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const loadAtStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm run bench builds first)`);
  const out = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-'));
  const work = path.join(out, 'work');
  mkdirSync(work);
  const home = path.join(work, 'home');
  mkdirSync(home);
  const probe = writeProbe(work);
  // BENCH_RSS_METHOD=probe forces the fallback (to check it where /usr/bin/time exists)
  const method: RssMethod = process.env['BENCH_RSS_METHOD'] !== 'probe' && timeWorks() ? 'time -v' : 'node probe';
  const node = process.execPath;
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const results: Measured[] = [];
  const notes: string[] = [];

  // (a) render vs gitlab-ci-local --preview, on a temporary git repository made from the parity fixture
  const repo = await makeRepo(FIXTURE, 'catalog-bench-');
  try {
    const renderCmd: Command = {
      exe: node,
      args: [CLI, 'render', '.gitlab-ci.yml', '--project-path', FAKE_PROJECT_PATH, '--server-fqdn', FAKE_SERVER_FQDN, '--sha', repo.sha, '--repo', repo.dir],
      cwd: repo.dir,
      env: { ...env, ...gitEnv(), ...offlineGitEnv() },
    };
    // render and gitlab-ci-local in turns: their ratio is the target
    const compared: Job[] = [{ id: 'render', label: 'catalog render (parity fixture pipeline)', cmd: renderCmd, okStatuses: [0] }];
    const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
    const withoutCa = (e: NodeJS.ProcessEnv): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(e).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));
    if (extraCa) {
      compared.push({ id: 'render-no-ca', label: 'catalog render, NODE_EXTRA_CA_CERTS unset', cmd: { ...renderCmd, env: withoutCa(renderCmd.env) }, okStatuses: [0] });
    }
    const gclProblem = gitlabCiLocalProblem(home);
    if (gclProblem) {
      notes.push(`gitlab-ci-local not measured: ${gclProblem}`);
    } else {
      const gclCmd: Command = {
        exe: NODE22,
        args: [GCL, '--preview'],
        cwd: repo.dir,
        env: { ...gclEnv(home), ...offlineGitEnv(repo.dir) },
        // its state directory (expanded pipeline, fetched includes) would otherwise persist between runs
        before: () => rmSync(path.join(repo.dir, '.gitlab-ci-local'), { recursive: true, force: true }),
      };
      compared.push({ id: 'gitlab-ci-local', label: 'gitlab-ci-local --preview (same pipeline)', cmd: gclCmd, okStatuses: [0] });
    }
    results.push(...runTogether(compared, opts, method, work, probe));
    if (extraCa) {
      const bare = (e: NodeJS.ProcessEnv): Command => ({ exe: node, args: ['-e', '0'], cwd: repo.dir, env: e });
      const [withCost, withoutCost] = runTogether(
        [
          { id: 'node-ca', label: 'node -e 0', cmd: bare(env), okStatuses: [0] },
          { id: 'node-no-ca', label: 'node -e 0, NODE_EXTRA_CA_CERTS unset', cmd: bare(withoutCa(env)), okStatuses: [0] },
        ],
        opts,
        method,
        work,
        probe,
      ) as [Measured, Measured];
      notes.push(
        `NODE_EXTRA_CA_CERTS is set (${extraCa}): Node ${process.versions.node} builds its certificate store at start-up for it, ` +
          `${ms(withCost.wallMs.median - withoutCost.wallMs.median)} per process here (node -e 0: ${ms(withCost.wallMs.median)} with it, ${ms(withoutCost.wallMs.median)} without); ` +
          'Node 22, which runs gitlab-ci-local, does so only when TLS is used. Every catalog row but one includes it',
      );
    }

    // the floor every catalog command pays: starting node and loading the CLI
    results.push(run('startup', 'catalog --help (startup floor)', { exe: node, args: [CLI, '--help'], cwd: repo.dir, env }, opts, method, work, probe, [0]));

    // (b)–(d) over the catalog
    let catalog = opts.catalog ?? REPO;
    let catalogNote = opts.catalog ? 'given with --catalog' : 'this repository';
    if (countComponents(catalog) === 0) {
      notes.push(`${catalog} has no components under templates/: linting and validating the parity fixture instead`);
      catalog = repo.dir;
      catalogNote = 'test/fixtures/parity/catalog (the repository has no components yet)';
    }
    const components = countComponents(catalog);
    const lint = (args: readonly string[]): Command => ({ exe: node, args: [CLI, ...args], cwd: catalog, env });
    // An unusable cache directory: every run pays shellcheck in full (a first run, or a changed script).
    const cold: Command = { ...lint(['lint', '--format', 'json']), env: { ...env, XDG_CACHE_HOME: '/dev/null/no-cache' } };
    results.push(run('lint-cold', 'catalog lint (whole catalog, shellcheck, no cache)', cold, opts, method, work, probe, [0, 1]));
    results.push(run('lint', 'catalog lint (whole catalog, shellcheck, warm cache)', lint(['lint', '--format', 'json']), opts, method, work, probe, [0, 1]));
    results.push(run('lint-no-shellcheck', 'catalog lint --no-shellcheck', lint(['lint', '--format', 'json', '--no-shellcheck']), opts, method, work, probe, [0, 1]));
    results.push(run('validate', 'catalog validate', lint(['validate']), opts, method, work, probe, [0, 1]));

    // (e) consumer lint of each example vs gitlab-ci-local --preview of the same pipeline
    results.push(...(await benchConsumerLint({ opts, method, work, probe, env, home, gclProblem })));

    // targets
    const byId = new Map(results.map((r) => [r.id, r]));
    const render = byId.get('render');
    const gcl = byId.get('gitlab-ci-local');
    // The lint target is judged without shellcheck's cache; with it, the run is shown as well.
    const lintRun = byId.get('lint-cold');
    const warmRun = byId.get('lint');
    const cores = os.availableParallelism();
    const ratio = render && gcl ? render.wallMs.median / gcl.wallMs.median : undefined;
    const targets = [
      {
        id: 'render',
        target: 'render <= 1/4 of gitlab-ci-local --preview (median wall time)',
        value: ratio === undefined ? 'n/a' : `${(ratio * 100).toFixed(1)}% (${ratio <= 0.25 ? 'met' : 'NOT met'})`,
        met: ratio === undefined || !render?.ok || !gcl?.ok ? undefined : ratio <= 0.25,
      },
      {
        id: 'lint',
        target: 'whole-catalog lint incl. shellcheck < 1 s on 2 cores (median, no shellcheck cache)',
        value: lintRun ? `${ms(lintRun.wallMs.median)} on ${cores} core(s) (${!lintRun.ok ? 'run failed' : lintRun.wallMs.median < 1000 ? 'met' : 'NOT met'})` : 'n/a',
        met: lintRun?.ok ? lintRun.wallMs.median < 1000 : undefined,
      },
    ];
    const warmValue = warmRun
      ? `${ms(warmRun.wallMs.median)} (${!warmRun.ok ? 'run failed' : warmRun.wallMs.median < 1000 ? 'under 1 s' : 'over 1 s'} with a warm cache; not the target)`
      : '';

    const rows: string[][] = [['command', 'wall median', 'wall min', 'peak RSS median', 'peak RSS min', 'exit', 'target']];
    for (const r of results) {
      const target =
        r.id === 'render'
          ? targets[0]!.value
          : r.id === 'lint-cold'
            ? targets[1]!.value
            : r.id === 'lint'
              ? warmValue
              : r.id === 'gitlab-ci-local'
                ? 'baseline for render'
                : r.id.startsWith('consumer-lint:') && byId.get(`preview:${r.id.slice('consumer-lint:'.length)}`)
                  ? `${((100 * r.wallMs.median) / (byId.get(`preview:${r.id.slice('consumer-lint:'.length)}`) as Measured).wallMs.median).toFixed(1)}% of its preview`
                : r.id === 'render-no-ca' && gcl
                  ? `${((100 * r.wallMs.median) / gcl.wallMs.median).toFixed(1)}% (for comparison only)`
                  : '';
      rows.push([r.label, ms(r.wallMs.median), ms(r.wallMs.min), mib(r.rssMiB?.median), mib(r.rssMiB?.min), r.ok ? [...new Set(r.statuses)].join('/') : `FAILED`, target]);
    }
    const meta = {
      date: new Date().toISOString(),
      loadAverageAtStart: loadAtStart,
      runs: opts.runs,
      rssMethod: method,
      cores,
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      node22: version(NODE22, ['--version']),
      gitlabCiLocal: version(NODE22, [GCL, '--version'], gclEnv(home)),
      shellcheck: /version: (\S+)/.exec(spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1],
      catalog: { dir: catalog, what: catalogNote, components },
      renderFixture: path.relative(REPO, FIXTURE),
    };

    // Integration scenario 3 last: it starts its own engine and registry and takes about a minute.
    const rebuild = opts.rebuild
      ? await benchRebuild(REPO, (line) => process.stderr.write(`[rebuild] ${line}\n`))
      : { skipped: '--no-rebuild' };

    const file = path.join(out, 'bench-results.json');
    writeFileSync(file, `${JSON.stringify({ meta, targets, results, rebuild: rebuild.result ?? rebuild.skipped, notes }, null, 2)}\n`);

    process.stdout.write(
      [
        '',
        `catalog bench: ${opts.runs} run(s) after 1 warm-up each; ${cores} core(s), ${meta.cpu ?? 'unknown cpu'}; node ${meta.node}, gitlab-ci-local ${meta.gitlabCiLocal ?? 'n/a'} on ${meta.node22 ?? 'n/a'}; shellcheck ${meta.shellcheck ?? 'n/a'}`,
        `catalog for lint/validate: ${catalogNote} (${components} component file(s)); peak RSS via ${method}`,
        `load average at start: ${loadAtStart.join(' ')}${(loadAtStart[0] ?? 0) > cores / 2 ? ' (the machine was busy: expect noisy numbers, compare the minimums)' : ''}`,
        '',
        table(rows),
        '',
        ...results.filter((r) => !r.ok).map((r) => `FAILED ${r.label}: ${r.problem ?? ''}`),
        ...(rebuild.rows ? ['', table(rebuild.rows), ''] : [`rebuild (integration scenario 3): not measured: ${rebuild.skipped ?? ''}`]),
        ...notes.map((n) => `note: ${n}`),
        `results: ${file}`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(repo.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * (e): a catalog repository made of this repository's templates and examples (origin: the fake
 * project), and for each example an application directory whose `.gitlab-ci.yml` is the example with
 * `$CI_PROJECT_PATH` and `$CI_COMMIT_SHA` written out, and whose `.catalog.yml` names the catalog
 * repository. `catalog lint` there and `gitlab-ci-local --preview --file <example>` in the catalog
 * repository are measured in turns.
 */
async function benchConsumerLint(setup: {
  opts: Options;
  method: RssMethod;
  work: string;
  probe: string;
  env: NodeJS.ProcessEnv;
  home: string;
  gclProblem: string | undefined;
}): Promise<Measured[]> {
  const source = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-consumer-src-'));
  const apps: string[] = [];
  const results: Measured[] = [];
  try {
    for (const dir of ['templates', 'examples']) cpSync(path.join(REPO, dir), path.join(source, dir), { recursive: true });
    const catalogRepo = await makeRepo(source, 'catalog-bench-consumer-');
    apps.push(catalogRepo.dir);
    const examples = readdirSync(path.join(REPO, 'examples'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(REPO, 'examples', e.name, '.gitlab-ci.yml')))
      .map((e) => e.name)
      .sort();
    for (const name of examples) {
      const file = `examples/${name}/.gitlab-ci.yml`;
      const app = mkdtempSync(path.join(os.tmpdir(), `catalog-bench-app-${name}-`));
      apps.push(app);
      const text = readFileSync(path.join(REPO, file), 'utf8')
        .replaceAll('$CI_PROJECT_PATH', FAKE_PROJECT_PATH)
        .replaceAll('$CI_COMMIT_SHA', catalogRepo.sha);
      writeFileSync(path.join(app, '.gitlab-ci.yml'), text);
      writeFileSync(path.join(app, '.catalog.yml'), `sources:\n  ${FAKE_SERVER_FQDN}/${FAKE_PROJECT_PATH}: ${catalogRepo.dir}\n`);
      const jobs: Job[] = [
        {
          id: `consumer-lint:${name}`,
          label: `catalog lint in an application (${file})`,
          cmd: { exe: process.execPath, args: [CLI, 'lint', '--format', 'json', '--server-fqdn', FAKE_SERVER_FQDN], cwd: app, env: setup.env },
          okStatuses: [0],
        },
      ];
      if (!setup.gclProblem) {
        jobs.push({
          id: `preview:${name}`,
          label: `gitlab-ci-local --preview (${file})`,
          cmd: {
            exe: NODE22,
            args: [GCL, '--preview', '--file', file],
            cwd: catalogRepo.dir,
            env: { ...gclEnv(setup.home), ...offlineGitEnv(catalogRepo.dir) },
            before: () => rmSync(path.join(catalogRepo.dir, '.gitlab-ci-local'), { recursive: true, force: true }),
          },
          okStatuses: [0],
        });
      }
      results.push(...runTogether(jobs, setup.opts, setup.method, setup.work, setup.probe));
    }
  } finally {
    for (const dir of [source, ...apps]) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
