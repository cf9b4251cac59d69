/**
 * The benchmark's charts as SVG text, written by hand (no chart library: docs/benchmarks/*.svg are
 * small and GitHub/GitLab render them inline). Two kinds: a log-log line chart (the scaling curve)
 * and horizontal grouped bars (cache and fan-out).
 */

const WIDTH = 720;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Text and attribute values of the SVG: XML's five special characters escaped. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

const num = (x: number): string => (Math.round(x * 10) / 10).toString();
const text = (x: number, y: number, body: string, attrs = ''): string => `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${xmlEscape(body)}</text>`;

function document(height: number, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(WIDTH / 2, 20, title, 'text-anchor="middle" font-size="14" font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** 1, 2, 5 × powers of ten between lo and hi (the tick values of a log axis). */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

const short = (v: number): string => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${v}`);

export interface Series {
  readonly name: string;
  /** [x, y], both > 0. */
  readonly points: readonly (readonly [number, number])[];
}

/** A log-log line chart: one line (with its points marked) per series, and a legend. */
export function logLogChart(spec: { title: string; xLabel: string; yLabel: string; series: readonly Series[] }): string {
  const height = 420;
  const left = 70;
  const right = WIDTH - 170;
  const top = 40;
  const bottom = height - 55;
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xLo = Math.min(...xs, 1);
  const xHi = Math.max(...xs, 10);
  const yLo = Math.min(...ys, 1);
  const yHi = Math.max(...ys, 10);
  const lx = (x: number): number => left + ((Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo) || 1)) * (right - left);
  const ly = (y: number): number => bottom - ((Math.log10(y) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo) || 1)) * (bottom - top);
  const body: string[] = [`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888888"/>`];
  for (const t of logTicks(xLo, xHi)) {
    body.push(`<line x1="${num(lx(t))}" y1="${top}" x2="${num(lx(t))}" y2="${bottom}" stroke="#eeeeee"/>`, text(lx(t), bottom + 15, short(t), 'text-anchor="middle"'));
  }
  for (const t of logTicks(yLo, yHi)) {
    body.push(`<line x1="${left}" y1="${num(ly(t))}" x2="${right}" y2="${num(ly(t))}" stroke="#eeeeee"/>`, text(left - 5, ly(t) + 4, short(t), 'text-anchor="end"'));
  }
  body.push(text((left + right) / 2, height - 20, spec.xLabel, 'text-anchor="middle"'));
  body.push(text(15, (top + bottom) / 2, spec.yLabel, `text-anchor="middle" transform="rotate(-90 15 ${num((top + bottom) / 2)})"`));
  spec.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length] as string;
    const points = s.points.filter(([x, y]) => x > 0 && y > 0);
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([x, y]) => `${num(lx(x))},${num(ly(y))}`).join(' ')}"/>`);
    for (const [x, y] of points) body.push(`<circle cx="${num(lx(x))}" cy="${num(ly(y))}" r="3" fill="${color}"/>`);
    body.push(`<rect x="${right + 15}" y="${top + 5 + k * 20}" width="12" height="12" fill="${color}"/>`, text(right + 32, top + 15 + k * 20, s.name));
  });
  return document(height, spec.title, body);
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly { readonly name: string; readonly value: number }[];
}

/** Horizontal bars, grouped, on one linear axis from 0; each bar is labelled with its value. */
export function barChart(spec: { title: string; unit: string; groups: readonly BarGroup[] }): string {
  const barHeight = 16;
  const left = 230;
  const right = WIDTH - 80;
  const top = 40;
  const names = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const groupHeight = (g: BarGroup): number => g.bars.length * (barHeight + 2) + 14;
  const height = top + spec.groups.reduce((n, g) => n + groupHeight(g), 0) + 40 + names.length * 18;
  const max = Math.max(...spec.groups.flatMap((g) => g.bars.map((b) => b.value)), 1e-9);
  const bx = (v: number): number => left + (v / max) * (right - left);
  const body: string[] = [];
  let y = top;
  for (const g of spec.groups) {
    body.push(text(left - 8, y + (groupHeight(g) - 14) / 2 + 4, g.label, 'text-anchor="end"'));
    g.bars.forEach((b, k) => {
      const color = COLORS[names.indexOf(b.name) % COLORS.length] as string;
      const by = y + k * (barHeight + 2);
      body.push(`<rect x="${left}" y="${num(by)}" width="${num(Math.max(bx(b.value) - left, 0.5))}" height="${barHeight}" fill="${color}"/>`);
      body.push(text(bx(b.value) + 4, by + barHeight - 4, `${num(b.value)} ${spec.unit}`));
    });
    y += groupHeight(g);
  }
  body.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${num(y - 10)}" stroke="#888888"/>`);
  names.forEach((name, k) => {
    const ly = y + 10 + k * 18;
    body.push(`<rect x="${left}" y="${num(ly)}" width="12" height="12" fill="${COLORS[k % COLORS.length] as string}"/>`, text(left + 18, ly + 10, name));
  });
  return document(height, spec.title, body);
}
