/**
 * Groups 3–5 from what harness/bench/pipelines.ts measured in job containers (HeavyResults):
 * per-job overhead, the registry build cache, fan-out and manifest-merge.
 */
import type { HeavyResults, JobTiming } from './pipelines.js';
import { PLATFORMS, WORK_SECTIONS } from './pipelines.js';
import { secondsIn } from './job-log.js';
import type { Group } from './report.js';
import { barChart } from './svg.js';

const OVERHEAD_GOAL_S = 3;
const NO_CHANGE_GOAL = 0.15;
const MERGE_GOAL_S = 2;

const s = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} s`);
const wall = (j: JobTiming | undefined): number | undefined => (j?.wallMs === undefined ? undefined : j.wallMs / 1000);

/** The largest sections of a job that are not its real work: what its overhead is made of. */
function overheadParts(j: JobTiming): string {
  const byName = new Map<string, number>();
  for (const p of j.sections.filter((x) => !WORK_SECTIONS.includes(x.name))) byName.set(p.name, (byName.get(p.name) ?? 0) + p.seconds);
  const before = j.outsideSectionsS;
  const all = [...byName].map(([name, secs]) => ({ name, secs }));
  if (before !== undefined) all.push({ name: 'outside the sections (containers, services, clone, after_script)', secs: before });
  return all
    .filter((p) => p.secs > 0)
    .sort((a, b) => b.secs - a.secs)
    .slice(0, 3)
    .map((p) => `${p.name} ${p.secs.toFixed(1)} s`)
    .join(', ');
}

const find = (h: HeavyResults, pipeline: string, job: string): JobTiming | undefined => h.jobs.find((j) => j.pipeline === pipeline && j.job === job);

/** The CPU-bound RUN step of harness/bench/cpu-app for one platform in a job's last build. */
const workloadStep = (j: JobTiming | undefined, platform: string) => j?.steps.find((st) => st.platform === platform && /RUN i=0/.test(st.name));
/**
 * That step's BuildKit time: a step answered from the registry cache shows the time to fetch its
 * layer (BuildKit marks it CACHED only when its local cache answers).
 */
const workloadTime = (j: JobTiming | undefined, platform: string): string => {
  const st = workloadStep(j, platform);
  return st === undefined ? 'n/a' : st.seconds === undefined ? (st.cached ? 'CACHED' : 'n/a') : `${st.seconds.toFixed(1)} s`;
};

export function heavyGroups(h: HeavyResults | undefined, skipped: string | undefined): Group[] {
  if (h === undefined || h.jobs.length === 0) {
    const why = skipped ?? (h?.problems.join('; ') || 'no jobs ran');
    const none = (title: string): Group => ({ title, intro: [], tables: [], charts: [], notes: [`not measured: ${why}`] });
    return [none('Per-job overhead (job containers)'), none('Build cache (registry)'), none('Fan-out and manifest-merge')];
  }
  const notes = h.problems.map((p) => `a pipeline did not succeed: ${p.split('\n')[0] ?? ''}`);
  const load = h.loadAverage ? `load average (1 min) ${h.loadAverage.start} at the start, ${h.loadAverage.end} at the end` : 'the machine\'s load during the run was not recorded';
  notes.push(`One run of each pipeline (${h.date}), ${load}; other engineers' pipelines share the machine's 2 cores.`);
  return [overheadGroup(h, notes), cacheGroup(h), fanoutGroup(h)];
}

function overheadGroup(h: HeavyResults, runNotes: readonly string[]): Group {
  const jobs = h.jobs.filter((j) => j.pipeline === 'cache-cold' || j.pipeline === 'podman-native');
  const rows = jobs.map((j) => [
    `${j.pipeline} / ${j.job}`,
    j.component,
    s(wall(j)),
    s(j.workS),
    s(j.loginS),
    s(j.outsideSectionsS),
    s(j.overheadS),
    j.overheadS === undefined ? 'n/a' : j.overheadS <= OVERHEAD_GOAL_S ? 'met' : `missed by ${(j.overheadS - OVERHEAD_GOAL_S).toFixed(1)} s`,
    overheadParts(j),
  ]);
  const missed = jobs.filter((j) => (j.overheadS ?? 0) > OVERHEAD_GOAL_S);
  const logins = jobs.map((j) => j.loginS).filter((x): x is number => x !== undefined);
  return {
    title: 'Per-job overhead (job containers)',
    intro: [
      'Each job as GitLab\'s docker executor runs it: gitlab-ci-local\'s docker executor, every job in a container of its image (stand-ins of docker:29.5.2-cli, docker:29.5.2-dind, quay.io/podman/stable:v5.8.7), dind as a TLS service, moto for STS/ECR (harness/bench/pipelines.ts). Wall is gitlab-ci-local\'s job time; the components\' sections (as gitlab-ci-local times them, in milliseconds) give the real work (build and push, podman build and push, index and push, the check) and ecr-login\'s share; overhead = wall − work.',
    ],
    tables: [{ head: ['pipeline / job', 'component', 'wall', 'work', 'ecr-login', 'outside sections', 'overhead', 'goal ≤ 3 s', 'largest parts of the overhead'], rows }],
    charts: [],
    notes: [
      ...runNotes,
      ...(missed.length > 0
        ? [
            `overhead goal missed by ${missed.length} of ${jobs.length} jobs, by up to ${Math.max(...missed.map((j) => (j.overheadS ?? 0) - OVERHEAD_GOAL_S)).toFixed(1)} s; ecr-login's sections take ${Math.min(...logins).toFixed(0)}–${Math.max(...logins).toFixed(0)} s of it per job: ecr_login_aws installs the AWS CLI with the image\'s package manager (neither docker:*-cli nor the podman image has it) and runs it once for the credential exchange (with a role only) and once per region for the registry token; the rest is named in the last column.`,
          ]
        : []),
      'Section times are gitlab-ci-local\'s (`<section> took <n>ms` in its job logs, its own clock as it reads the output); `ecr_login` shows 0 s because ecr-login opens its next section at once.',
    ],
  };
}

function cacheGroup(h: HeavyResults): Group {
  const builds = [
    { name: 'cold (empty registry cache)', pipeline: 'cache-cold' },
    { name: 'no change', pipeline: 'cache-no-change' },
    { name: 'one late layer changed', pipeline: 'cache-late-layer' },
  ].map((b) => ({ ...b, job: find(h, b.pipeline, 'build-image') }));
  const cold = wall(builds[0]?.job);
  const coldBuild = builds[0]?.job?.workS;
  const rows = builds.map(({ name, job }) => {
    const share = cold && wall(job) !== undefined ? (wall(job) as number) / cold : undefined;
    return [
      name,
      s(wall(job)),
      share === undefined ? 'n/a' : `${(share * 100).toFixed(0)}%`,
      s(job?.workS),
      coldBuild && job?.workS !== undefined ? `${((100 * job.workS) / coldBuild).toFixed(0)}%` : 'n/a',
      PLATFORMS.map((p) => workloadTime(job, p)).join(' / '),
      s(job?.overheadS),
    ];
  });
  const noChange = builds[1]?.job;
  const share = cold && wall(noChange) !== undefined ? (wall(noChange) as number) / cold : undefined;
  const notes: string[] = [];
  if (share !== undefined) {
    notes.push(
      share <= NO_CHANGE_GOAL
        ? `no-change rebuild: ${(share * 100).toFixed(0)}% of the cold job: goal ≤ 15% met.`
        : `no-change rebuild: ${(share * 100).toFixed(0)}% of the cold job, goal ≤ 15% missed by ${((share - NO_CHANGE_GOAL) * 100).toFixed(0)} points; of its ${s(wall(noChange))}, ${s(noChange?.workS)} is the build and push itself and ${s(noChange?.overheadS)} the rest (${noChange ? overheadParts(noChange) : ''}).`,
    );
  }
  const chart = barChart({
    title: 'Build job with the registry cache (3 platforms, QEMU for arm64/ppc64le)',
    unit: 's',
    groups: builds.map(({ name, job }) => ({
      label: name,
      bars: [
        { name: 'build job (wall)', value: wall(job) ?? 0 },
        { name: 'build and push section', value: job?.workS ?? 0 },
      ],
    })),
  });
  return {
    title: 'Build cache (registry)',
    intro: [
      'examples/buildx-ecr (`buildx-driver: docker`: no moby/buildkit image here) on the CPU-bound context harness/bench/cpu-app for linux/amd64, linux/arm64 and linux/ppc64le (the last two under QEMU), built three times in a row on the default branch: into an empty registry, again with nothing changed, and with the `LATE` build argument changed (the last layer only). Every build job\'s dind is a new container, so only the registry cache (`buildcache-main`, `--cache-to type=registry,mode=max`) can answer a step.',
    ],
    tables: [{ head: ['build', 'build job', 'of cold job', '"build and push"', 'of cold build', 'CPU-bound RUN step, amd64 / arm64 / ppc64le', 'overhead'], rows }],
    charts: [{ file: 'build-cache.svg', alt: 'build job and build section: cold, no change, one late layer', svg: chart }],
    notes,
  };
}

function fanoutGroup(h: HeavyResults): Group {
  const cold = find(h, 'cache-cold', 'build-image');
  const stepRows = PLATFORMS.map((p) => {
    const st = workloadStep(cold, p);
    const podman = find(h, 'podman-native', `podman-build-${p.split('/')[1] ?? ''}`);
    return [p, p === 'linux/amd64' ? 'native' : 'QEMU', st?.seconds === undefined ? 'n/a' : `${st.seconds.toFixed(1)} s`, s(podman?.workS), s(wall(podman))];
  });
  const amd = workloadStep(cold, 'linux/amd64')?.seconds;
  const slowest = Math.max(...PLATFORMS.map((p) => workloadStep(cold, p)?.seconds ?? 0));
  const merge = find(h, 'podman-native', 'manifest-merge');
  // manifest-merge's own sections (mm_*), without ecr-login's before them
  const mergeScript = merge ? secondsIn(merge.sections, merge.sections.map((x) => x.name).filter((n) => n.startsWith('mm_'))) : undefined;
  const notes = [
    'native per-architecture buildx fan-out: not measured yet. examples/buildx-native runs in the pipelines suite (docker-container builders on the moby/buildkit stand-in, docs/image-stand-ins.md), but pipelines.ts does not run it for the bench.',
  ];
  if (amd !== undefined && slowest > 0) {
    notes.push(
      `Projected native fan-out (from the amd64 job, not measured): each architecture's build step on its own CPU takes about the amd64 step, ${amd.toFixed(1)} s, in parallel jobs, against ${slowest.toFixed(1)} s for the slowest platform under QEMU in the one job (${(slowest / amd).toFixed(1)}×).`,
    );
  }
  if (mergeScript !== undefined) {
    notes.push(
      mergeScript <= MERGE_GOAL_S
        ? `manifest-merge of 3 platforms: ${mergeScript.toFixed(1)} s in its own sections: goal ≤ 2 s met (the job's wall, ${s(wall(merge))}, includes its container and ecr-login).`
        : `manifest-merge of 3 platforms: ${mergeScript.toFixed(1)} s in its own sections, goal ≤ 2 s missed by ${(mergeScript - MERGE_GOAL_S).toFixed(1)} s; its sections: ${merge?.sections.map((x) => `${x.name} ${x.seconds.toFixed(1)} s`).join(', ')}.`,
    );
  }
  const chart = barChart({
    title: 'CPU-bound RUN step per platform in one buildx job',
    unit: 's',
    groups: PLATFORMS.map((p) => ({ label: `${p}${p === 'linux/amd64' ? ' (native)' : ' (QEMU)'}`, bars: [{ name: 'RUN step (BuildKit DONE)', value: workloadStep(cold, p)?.seconds ?? 0 }] })),
  });
  return {
    title: 'Fan-out and manifest-merge',
    intro: [
      'The one-job QEMU build is the cold build of group 4; per platform, BuildKit\'s own time for the CPU-bound RUN step. The podman-native example (podman-arch-build per architecture with `emulation: true` for arm64 and ppc64le, whose runners this x86_64 machine does not have; its app has one small RUN step, not the CPU-bound one) gives each architecture\'s build section and its manifest-merge of 3 platforms.',
    ],
    tables: [
      { head: ['platform', 'how', 'buildx RUN step (one job)', 'podman build section (own job)', 'podman job wall'], rows: stepRows },
      {
        head: ['manifest-merge, 3 platforms', 'job wall', 'its own sections (mm_*)', 'index + push', 'goal ≤ 2 s'],
        rows: [[merge?.status ?? 'not run', s(wall(merge)), s(mergeScript), s(merge?.workS), mergeScript === undefined ? 'n/a' : mergeScript <= MERGE_GOAL_S ? 'met' : `missed by ${(mergeScript - MERGE_GOAL_S).toFixed(1)} s`]],
      },
      { head: ['fan-out', 'result'], rows: [['native per-architecture buildx jobs', 'not measured (see below)']] },
    ],
    charts: [{ file: 'fan-out.svg', alt: 'RUN step per platform, native and under QEMU', svg: chart }],
    notes,
  };
}
