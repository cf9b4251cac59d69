/**
 * Group 2, scaling: `catalog interpolate` (the spec/content split, input checks and `$[[ ]]`
 * interpolation that `catalog render` runs per include) of generated component files:
 * - N distinct blocks (`$[[ inputs.a | truncate(0, K) ]]`, K = 1…N, one per line of a job's script),
 *   N from 10 to 10,000 (GitLab's MAX_BLOCKS);
 * - one string node of S bytes with one block in it, S from 1 KB to 1 MB (just under GitLab's
 *   MAX_NODE_SIZE, 1 MiB).
 * Every size and a one-block baseline are measured in the same rounds. The fit is on log-log of the
 * time net of the baseline (start-up, the same for every size), so a constant does not flatten it;
 * the worst step is the largest (time ratio / size ratio) between consecutive sizes: 1 is linear.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mib, ms, runTogether, type Measured, type Meter } from './measure.js';
import type { Group } from './report.js';
import { logLogChart } from './svg.js';

export const FULL_BLOCKS = [10, 30, 100, 300, 1000, 3000, 10_000];
export const QUICK_BLOCKS = [10, 1000, 10_000];
export const FULL_BYTES = [1000, 10_000, 100_000, 300_000, 1_000_000];
export const QUICK_BYTES = [1000, 100_000, 1_000_000];
/** "Linear": a fitted log-log slope up to this (noise on a busy machine). */
const LINEAR_SLOPE = 1.15;

/** N distinct blocks of one input (`truncate(0, K)`, K = 1…N): N inputs would make the spec itself too big for GitLab. */
export function blocksTemplate(n: number): string {
  const script = Array.from({ length: n }, (_, i) => `    - echo $[[ inputs.a | truncate(0, ${i + 1}) ]]\n`).join('');
  return `spec:\n  inputs:\n    a:\n      default: ${'v'.repeat(16)}\n---\njob:\n  script:\n${script}`;
}

export function nodeTemplate(bytes: number): string {
  return `spec:\n  inputs:\n    a:\n      default: v\n---\njob:\n  variables:\n    BIG: "$[[ inputs.a ]]${'x'.repeat(Math.max(0, bytes - 15))}"\n  script:\n    - echo "$BIG"\n`;
}

export interface Fit {
  readonly slope: number;
  /** Largest (t[i+1]/t[i]) / (n[i+1]/n[i]). */
  readonly worstStep: number;
  /** Between which sizes. */
  readonly worstAt: readonly [number, number];
}

/** Least-squares slope of log(y) on log(x), over the points with y > 0, and the worst step. */
export function fitLogLog(points: readonly (readonly [number, number])[]): Fit | undefined {
  const pts = points.filter(([x, y]) => x > 0 && y > 0);
  if (pts.length < 2) return undefined;
  const lx = pts.map(([x]) => Math.log(x));
  const ly = pts.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const slope = lx.reduce((n, x, i) => n + (x - mx) * ((ly[i] as number) - my), 0) / lx.reduce((n, x) => n + (x - mx) ** 2, 0);
  let worstStep = 0;
  let worstAt: [number, number] = [pts[0]?.[0] ?? 0, pts[1]?.[0] ?? 0];
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1] as readonly [number, number];
    const [x1, y1] = pts[i] as readonly [number, number];
    const step = y1 / y0 / (x1 / x0);
    if (step > worstStep) {
      worstStep = step;
      worstAt = [x0, x1];
    }
  }
  return { slope, worstStep, worstAt };
}

const size = (bytes: number): string => (bytes >= 1e6 ? `${bytes / 1e6} MB` : `${bytes / 1e3} KB`);

export function scalingGroup(setup: { cli: string; meter: Meter; work: string; quick: boolean }): Group {
  const dir = path.join(setup.work, 'scaling');
  mkdirSync(dir, { recursive: true });
  const file = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const job = (id: string, label: string, template: string) => ({ id, label, cmd: { exe: process.execPath, args: [setup.cli, 'interpolate', template], cwd: dir, env: process.env }, okStatuses: [0] });
  const baseline = job('baseline', 'one block (start-up baseline)', file('baseline.yml', blocksTemplate(1)));
  const blocks = setup.quick ? QUICK_BLOCKS : FULL_BLOCKS;
  const bytes = setup.quick ? QUICK_BYTES : FULL_BYTES;
  const measured = runTogether(
    [
      baseline,
      ...blocks.map((n) => job(`blocks:${n}`, `${n} blocks`, file(`blocks-${n}.yml`, blocksTemplate(n)))),
      ...bytes.map((b) => job(`bytes:${b}`, `${size(b)} node`, file(`bytes-${b}.yml`, nodeTemplate(b)))),
    ],
    setup.meter,
  );
  const base = measured[0] as Measured;
  const of = (prefix: string, xs: readonly number[]): { x: number; m: Measured }[] => xs.map((x) => ({ x, m: measured.find((r) => r.id === `${prefix}:${x}`) as Measured }));
  const series = [
    { name: 'blocks', unit: 'blocks', points: of('blocks', blocks), label: (x: number) => `${x}` },
    { name: 'node size', unit: 'bytes', points: of('bytes', bytes), label: size },
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  const fits = series.map((s) => {
    const net = s.points.map(({ x, m }) => [x, m.wallMs.median - base.wallMs.median] as const);
    const fit = fitLogLog(net);
    for (const { x, m } of s.points) {
      rows.push([s.name, s.label(x), ms(m.wallMs.median), ms(m.wallMs.median - base.wallMs.median), mib(m.rssMiB?.median), m.ok ? '' : `FAILED: ${m.problem ?? ''}`]);
    }
    const rss = fitLogLog(s.points.map(({ x, m }) => [x, (m.rssMiB?.median ?? 0) - (base.rssMiB?.median ?? 0)] as const));
    return { s, fit, rss };
  });
  const fitRows = fits.map(({ s, fit, rss }) => [
    s.name,
    fit ? fit.slope.toFixed(2) : 'n/a',
    fit ? `${fit.worstStep.toFixed(2)} (${s.label(fit.worstAt[0])} → ${s.label(fit.worstAt[1])})` : 'n/a',
    rss ? rss.slope.toFixed(2) : 'n/a',
    fit ? (fit.slope <= LINEAR_SLOPE ? 'met (linear)' : `missed: slope ${fit.slope.toFixed(2)}, ${(fit.slope - 1).toFixed(2)} over linear`) : 'n/a',
  ]);
  for (const { s, fit } of fits) {
    const noise = s.points.filter(({ m }) => m.wallMs.median <= base.wallMs.median).map(({ x }) => s.label(x));
    if (noise.length > 0) notes.push(`${s.name}: ${noise.join(', ')} took no longer than the baseline (within the machine's noise) and ${noise.length === 1 ? 'is' : 'are'} left out of the fit; the worst step then spans the sizes on either side.`);
    if (fit && fit.slope > LINEAR_SLOPE) notes.push(`${s.name}: the time net of start-up grows faster than the size (slope ${fit.slope.toFixed(2)}); the worst step is ${s.label(fit.worstAt[0])} → ${s.label(fit.worstAt[1])}.`);
  }
  notes.push(`The baseline (one block) takes ${ms(base.wallMs.median)} and ${mib(base.rssMiB?.median)}: Node's start-up and the CLI's modules, paid by every size.`);
  const chart = logLogChart({
    title: 'catalog interpolate: time net of start-up (log-log)',
    xLabel: 'blocks / node bytes',
    yLabel: 'ms over the one-block baseline',
    series: series.map((s) => ({ name: s.name, points: s.points.map(({ x, m }) => [x, m.wallMs.median - base.wallMs.median] as const) })),
  });
  return {
    title: 'Scaling',
    intro: [
      `\`catalog interpolate\` of generated component files: N distinct \`$[[ inputs.a | truncate(0, K) ]]\` blocks (one per script line, N from ${blocks[0]} to ${blocks.at(-1)}, GitLab's maximum) and one string node of 1 KB to 1 MB (GitLab's limit is 1 MiB per node). The one-block file is measured in the same rounds as the start-up baseline; the fit is a least-squares slope of log(time − baseline) on log(size) (1 is linear), and the worst step is the largest ratio (time growth / size growth) between consecutive sizes.`,
    ],
    tables: [
      { head: ['series', 'size', 'median', 'net of baseline', 'peak RSS', ''], rows },
      { head: ['series', 'fitted slope (time)', 'worst step', 'fitted slope (RSS over baseline)', 'goal: linear'], rows: fitRows },
    ],
    charts: [{ file: 'scaling.svg', alt: 'catalog interpolate time over blocks and node size, log-log', svg: chart }],
    notes,
  };
}
