/**
 * `npm run bench`: writes docs/benchmarks.md and its charts (docs/benchmarks/*.svg) from measurements
 * taken on this machine, next to the goals of issue 15. Never a test: numbers depend on the machine,
 * so nothing here passes or fails a build.
 *
 * Groups: 1 toolkit (toolkit.ts), 2 scaling (scaling.ts), 3–5 per-job overhead, build cache and
 * fan-out in job containers (pipelines.ts, run as a child process under the machine's heavy lock
 * `flock -x /tmp/catalog-heavy.lock`, as root; heavy-groups.ts formats them).
 *
 * Usage: npm run bench [-- --quick] [--runs N] [--heavy-results FILE | --no-heavy] [--out DIR]
 *   --quick           2 rounds instead of 7, no warm-up, fewer scaling sizes, and no job-container groups
 *                     (unless --heavy-results gives them): under 2 minutes;
 *   --heavy-results   groups 3–5 from an earlier `node dist/harness/bench/pipelines.js --out FILE`;
 *   --out             where benchmarks.md goes (default: docs/ of this repository).
 * Compared commands run in turns, round after round (measure.ts); medians of the rounds are shown.
 * The npm script runs this with the Node that runs npm (`$npm_node_execpath`): a plain `node` inside an
 * npm script is node_modules/.bin/node, the Node 22 that only gitlab-ci-local is meant to use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogRepo } from '../integration/environment.js';
import { gclEnv } from '../integration/fake-project.js';
import { gitlabCiLocalPaths } from '../integration/gitlab-ci-local-run.js';
import { heavyGroups } from './heavy-groups.js';
import { rssMethod, writeProbe, type Meter } from './measure.js';
import type { HeavyResults } from './pipelines.js';
import { CHART_DIR, renderReport, type Report } from './report.js';
import { scalingGroup } from './scaling.js';
import { toolkitGroup } from './toolkit.js';

/** The repository, also when this runs built from dist/harness/bench/. */
const REPO = catalogRepo();
const CLI = path.join(REPO, 'dist', 'scripts', 'cli', 'main.js');
const { node: NODE22, script: GCL } = gitlabCiLocalPaths(REPO);
const FULL_RUNS = 7;
const QUICK_RUNS = 2;
const HEAVY_LOCK = '/tmp/catalog-heavy.lock';

interface Options {
  readonly quick: boolean;
  readonly runs: number;
  readonly heavyResults: string | undefined;
  readonly heavy: boolean;
  readonly out: string;
  readonly argv: readonly string[];
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let runs: number | undefined;
  let heavyResults: string | undefined;
  let heavy = true;
  let out = path.join(REPO, 'docs');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--quick') quick = true;
    else if (arg === '--no-heavy') heavy = false;
    else if (arg === '--runs' && value !== undefined) runs = Number(argv[++i]);
    else if (arg === '--heavy-results' && value !== undefined) heavyResults = path.resolve(argv[++i] as string);
    else if (arg === '--out' && value !== undefined) out = path.resolve(argv[++i] as string);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}: usage: bench [--quick] [--runs N] [--heavy-results FILE | --no-heavy] [--out DIR]`);
  }
  const rounds = runs ?? (quick ? QUICK_RUNS : FULL_RUNS);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--runs: expected a whole number of 1 or more');
  return { quick, runs: rounds, heavyResults, heavy: heavy && (!quick || heavyResults !== undefined), out, argv };
}

function version(exe: string, args: readonly string[], pattern: RegExp = /(.*)/, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync(exe, [...args], { encoding: 'utf8', env });
  return r.status === 0 ? pattern.exec(`${r.stdout}${r.stderr}`)?.[1]?.trim() : undefined;
}

function gitlabCiLocalProblem(home: string): string | undefined {
  if (!existsSync(NODE22)) return `${path.relative(REPO, NODE22)} is missing (devDependency \`node\`): run npm ci`;
  if (Number(/^v(\d+)/.exec(version(NODE22, ['--version']) ?? '')?.[1] ?? 0) < 22) return `${NODE22} is not Node >= 22`;
  if (!existsSync(GCL)) return `${path.relative(REPO, GCL)} is missing (devDependency \`gitlab-ci-local\`): run npm ci`;
  if (version(NODE22, [GCL, '--version'], undefined, gclEnv(home)) === undefined) return 'gitlab-ci-local --version failed';
  return undefined;
}

function tools(home: string): Record<string, string | undefined> {
  return {
    node: process.version,
    'node (gitlab-ci-local)': version(NODE22, ['--version']),
    'gitlab-ci-local': version(NODE22, [GCL, '--version'], undefined, gclEnv(home)),
    shellcheck: version('shellcheck', ['--version'], /version: (\S+)/),
    docker: version('docker', ['--version'], /version ([^,\s]+)/),
    buildx: version('docker', ['buildx', 'version'], /(v\S+)/),
    podman: version('podman', ['--version'], /version (\S+)/),
  };
}

/** Groups 3–5: from --heavy-results, or a run of pipelines.js under the heavy lock. */
function heavyResults(opts: Options, work: string, say: (line: string) => void): { results?: HeavyResults; skipped?: string } {
  if (opts.heavyResults !== undefined) return { results: JSON.parse(readFileSync(opts.heavyResults, 'utf8')) as HeavyResults };
  if (!opts.heavy) return { skipped: opts.quick ? '--quick leaves out the job-container groups (give --heavy-results FILE to include an earlier run)' : '--no-heavy' };
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { skipped: 'needs root on Linux (job engine, namespaces)' };
  const file = path.join(work, 'heavy.json');
  say(`groups 3-5: job-container pipelines under ${HEAVY_LOCK} (waits for other heavy runs; 15-30 minutes)`);
  const r = spawnSync('flock', ['-x', HEAVY_LOCK, process.execPath, path.join(REPO, 'dist', 'harness', 'bench', 'pipelines.js'), '--out', file], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(file)) return { skipped: `pipelines.js wrote nothing (exit ${r.status ?? r.signal})` };
  return { results: JSON.parse(readFileSync(file, 'utf8')) as HeavyResults };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm run bench builds first)`);
  const say = (line: string): void => {
    process.stderr.write(`bench: ${line}\n`);
  };
  if (opts.quick) say(`--quick: ${opts.runs} rounds per command (not ${FULL_RUNS}) and no warm-up, fewer scaling sizes${opts.heavy ? '' : ', no job-container groups'}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'catalog-bench-'));
  try {
    const home = path.join(work, 'home');
    mkdirSync(home);
    const method = rssMethod();
    const meter: Meter = { runs: opts.runs, warmUp: !opts.quick, method, work, probe: writeProbe(work), progress: say };
    const toolkit = await toolkitGroup({ repo: REPO, cli: CLI, node22: NODE22, gcl: GCL, home, gclProblem: gitlabCiLocalProblem(home), meter });
    const scaling = scalingGroup({ cli: CLI, meter, work, quick: opts.quick });
    const heavy = heavyResults(opts, work, say);
    const command = `npm run bench${opts.argv.length > 0 ? ` -- ${opts.argv.map((a) => (path.isAbsolute(a) ? path.relative(REPO, a) || a : a)).join(' ')}` : ''}`;
    const report: Report = {
      command,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU', memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage },
      tools: tools(home),
      method: [
        `Groups 1–2: ${opts.quick ? `medians of ${opts.runs} rounds without a warm-up (--quick: fewer rounds and sizes than the full run's ${FULL_RUNS} rounds after a warm-up)` : `medians of ${opts.runs} rounds after one warm-up`}; commands compared with each other run in turns within each round, so that the machine's load tilts neither side.`,
        `Peak RSS: ${method === 'time -v' ? '`/usr/bin/time -v` (the largest single process of a run)' : 'each node process\'s own maxRSS (shellcheck not counted)'}.`,
        `Groups 3–5: ${heavy.results ? `one run of each pipeline in job containers (${heavy.results.date}), harness/bench/pipelines.js` : `not measured: ${heavy.skipped ?? ''}`}.`,
      ],
      groups: [toolkit, scaling, ...heavyGroups(heavy.results, heavy.skipped)],
    };
    const { markdown, charts } = renderReport(report);
    mkdirSync(path.join(opts.out, CHART_DIR), { recursive: true });
    for (const c of charts) writeFileSync(path.join(opts.out, CHART_DIR, c.file), c.svg);
    writeFileSync(path.join(opts.out, 'benchmarks.md'), markdown);
    process.stdout.write(markdown);
    say(`wrote ${path.relative(process.cwd(), path.join(opts.out, 'benchmarks.md'))} and ${charts.length} chart(s) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
