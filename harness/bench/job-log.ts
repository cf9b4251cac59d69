/**
 * What the benchmark reads from a job's log: the GitLab sections the components open
 * (components/lib/log.sh) and BuildKit's plain progress (`#12 [linux/arm64 2/3] RUN …` … `#12 DONE 8.3s`).
 * Sections come in either of two forms:
 * - GitLab's markers as the components write them, `section_start:<epoch>:<name>` …
 *   `section_end:<epoch>:<name>` (whole seconds);
 * - as gitlab-ci-local writes them into its job logs: `<name>_started` … `<name> took <n>ms` (its
 *   own clock, milliseconds).
 */

export interface Section {
  readonly name: string;
  readonly seconds: number;
}

/** Every closed section of the log in the order they close (the components' sections do not nest); one opened twice counts twice. */
export function sectionsOf(log: string): Section[] {
  const open = new Map<string, number>();
  const started = new Set<string>();
  const sections: Section[] = [];
  for (const line of log.split('\n')) {
    for (const m of line.matchAll(/section_(start|end):(\d+):([A-Za-z0-9_.-]+)/g)) {
      const [, kind, at = '0', name = ''] = m;
      if (kind === 'start') open.set(name, Number(at));
      else if (open.has(name)) {
        sections.push({ name, seconds: Number(at) - (open.get(name) as number) });
        open.delete(name);
      }
    }
    const begun = /^([a-z][a-z0-9_]*)_started$/.exec(line.trim());
    if (begun) started.add(begun[1] as string);
    const took = /^([a-z][a-z0-9_]*) took (\d+)ms$/.exec(line.trim());
    if (took && started.delete(took[1] as string)) sections.push({ name: took[1] as string, seconds: Number(took[2]) / 1000 });
  }
  return sections;
}

/** Seconds spent in the named sections, summed (undefined when none of them is in the log). */
export function secondsIn(sections: readonly Section[], names: readonly string[]): number | undefined {
  const chosen = sections.filter((s) => names.includes(s.name));
  return chosen.length === 0 ? undefined : chosen.reduce((n, s) => n + s.seconds, 0);
}

export interface StepTime {
  /** `[linux/arm64 2/3] RUN i=0; …` */
  readonly name: string;
  readonly platform: string | undefined;
  /** BuildKit's own duration of the step (`DONE 8.3s`); undefined when CACHED or not done. */
  readonly seconds: number | undefined;
  readonly cached: boolean;
}

/** The Dockerfile steps of the LAST build in the log (buildx opens each with `#0 building with …`). */
export function buildStepTimes(log: string): StepTime[] {
  const lines = log.split('\n');
  const start = lines.findLastIndex((line) => /^#0 building with /.test(line));
  const names = new Map<string, string>();
  const done = new Map<string, number>();
  const cached = new Set<string>();
  for (const line of start < 0 ? lines : lines.slice(start)) {
    const m = /^(#\d+) (.*)$/.exec(line.trimEnd());
    if (m === null) continue;
    const [, vertex = '', rest = ''] = m;
    if (!names.has(vertex) && rest.startsWith('[')) names.set(vertex, rest.trim());
    const finished = /^DONE (\d+(?:\.\d+)?)s$/.exec(rest.trim());
    if (finished) done.set(vertex, Number(finished[1]));
    if (rest.trim() === 'CACHED') cached.add(vertex);
  }
  return [...names].flatMap(([vertex, name]) =>
    /^\[[^\]]*\d+\/\d+\] (RUN|COPY|ADD)\b/.test(name)
      ? [{ name, platform: /^\[(\S+\/\S+) /.exec(name)?.[1], seconds: done.get(vertex), cached: cached.has(vertex) }]
      : [],
  );
}
