/**
 * Measuring commands as fresh processes, as a user runs them: wall time and peak RSS, a warm-up
 * sample first (dropped; not with --quick), then rounds in which every compared command runs once in turn, so that a
 * change in the machine's load between them does not tilt their ratio.
 *
 * Peak RSS comes from `/usr/bin/time -v` when it works (getrusage: the largest single process of the
 * run, e.g. node or one shellcheck, not a sum), otherwise from `process.resourceUsage().maxRSS` of
 * every node process of the run (a `--require`d probe; shellcheck is then not counted).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Sample {
  readonly wallMs: number;
  /** Peak resident set size in KiB, when it could be measured. */
  readonly rssKiB: number | undefined;
  readonly status: number | null;
  readonly stderr: string;
}

export interface Command {
  readonly exe: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs before every sample, untimed (e.g. removing gitlab-ci-local's state directory). */
  readonly before?: () => void;
  /** Standard input (xargs reads its file list from it). */
  readonly input?: string;
}

export type RssMethod = 'time -v' | 'node probe';

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export interface Measured {
  readonly id: string;
  readonly label: string;
  /** Every run exited with a status that means it ran. */
  readonly ok: boolean;
  readonly problem?: string | undefined;
  readonly statuses: readonly (number | null)[];
  readonly wallMs: Stats;
  readonly rssMiB?: Stats | undefined;
}

export interface Job {
  readonly id: string;
  readonly label: string;
  readonly cmd: Command;
  /** Exit statuses that mean the command ran (`catalog lint` exits 1 when it has findings). */
  readonly okStatuses: readonly number[];
}

/** How to measure: rounds per command, and where the RSS probe writes. */
export interface Meter {
  readonly runs: number;
  /** A first, uncounted sample of each command (the file cache, shellcheck's cache when it has one). */
  readonly warmUp: boolean;
  readonly method: RssMethod;
  readonly work: string;
  readonly probe: string;
  readonly progress: (line: string) => void;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const stats = (xs: readonly number[]): Stats => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs });

/** `/usr/bin/time -v` reports peak RSS here (BENCH_RSS_METHOD=probe forces the fallback). */
export function rssMethod(): RssMethod {
  if (process.env['BENCH_RSS_METHOD'] === 'probe' || !existsSync('/usr/bin/time')) return 'node probe';
  const r = spawnSync('/usr/bin/time', ['-v', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr) ? 'time -v' : 'node probe';
}

/** A `--require` hook that appends the node process's own peak RSS (KiB) to `$BENCH_RSS_FILE` at exit. */
export function writeProbe(dir: string): string {
  const probe = path.join(dir, 'rss-probe.cjs');
  writeFileSync(
    probe,
    "process.on('exit', () => { try { require('node:fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'); } catch {} });\n",
  );
  return probe;
}

function measure(cmd: Command, meter: Meter): Sample {
  cmd.before?.();
  if (meter.method === 'time -v') {
    const start = performance.now();
    const r = spawnSync('/usr/bin/time', ['-v', cmd.exe, ...cmd.args], { cwd: cmd.cwd, env: cmd.env, input: cmd.input, encoding: 'utf8', maxBuffer: 256 << 20 });
    const wallMs = performance.now() - start;
    const rss = [...(r.stderr ?? '').matchAll(/Maximum resident set size \(kbytes\): (\d+)/g)].pop()?.[1];
    const stderr = (r.stderr ?? '').replace(/\n?\s*Command being timed:[\s\S]*$/, '');
    return { wallMs, rssKiB: rss === undefined ? undefined : Number(rss), status: r.status, stderr: stderr + (r.error ? String(r.error) : '') };
  }
  const rssFile = path.join(meter.work, `rss-${process.hrtime.bigint()}.txt`);
  const nodeOptions = `${cmd.env['NODE_OPTIONS'] ?? ''} --require ${JSON.stringify(meter.probe)}`.trim();
  const start = performance.now();
  const r = spawnSync(cmd.exe, [...cmd.args], {
    cwd: cmd.cwd,
    env: { ...cmd.env, NODE_OPTIONS: nodeOptions, BENCH_RSS_FILE: rssFile },
    input: cmd.input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const wallMs = performance.now() - start;
  const values = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  return { wallMs, rssKiB: values.length > 0 ? Math.max(...values) : undefined, status: r.status, stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Measures `jobs` in turns: one warm-up each, then `meter.runs` rounds of one sample each. */
export function runTogether(jobs: readonly Job[], meter: Meter): Measured[] {
  meter.progress(`${jobs.map((j) => j.label).join(' / ')}`);
  const warm = meter.warmUp ? jobs.map((job) => measure(job.cmd, meter)) : [];
  const samples: Sample[][] = jobs.map(() => []);
  for (let i = 0; i < meter.runs; i++) jobs.forEach((job, k) => samples[k]?.push(measure(job.cmd, meter)));
  return jobs.map((job, k) => summarize(job, warm[k], samples[k] ?? []));
}

export function runAlone(job: Job, meter: Meter): Measured {
  return runTogether([job], meter)[0] as Measured;
}

/** The samples count, the warm-up's only for its exit status. */
function summarize({ id, label, okStatuses }: Job, warm: Sample | undefined, samples: readonly Sample[]): Measured {
  const all = warm === undefined ? samples : [warm, ...samples];
  const bad = all.find((s) => s.status === null || !okStatuses.includes(s.status));
  const rss = samples.map((s) => s.rssKiB).filter((x): x is number => x !== undefined).map((k) => k / 1024);
  return {
    id,
    label,
    ok: bad === undefined,
    problem: bad ? `exit ${bad.status}: ${bad.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300)}` : undefined,
    statuses: all.map((s) => s.status),
    wallMs: stats(samples.map((s) => s.wallMs)),
    rssMiB: rss.length > 0 ? stats(rss) : undefined,
  };
}

export const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
export const mib = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} MiB`);
/** `a / b` as a ratio with two decimals. */
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}` : 'n/a');
/** `met` or `missed by …` for a value against an upper bound. */
export function verdict(value: number, goal: number, unit: (x: number) => string): string {
  return value <= goal ? 'met' : `missed by ${unit(value - goal)}`;
}
