/**
 * What a GitLab runner would execute for each job of a merged pipeline, and the checks the
 * component contract makes on it. Job configuration is completed by GitLab's job model
 * (`scripts/gitlab/jobs/`): `extends:`, `!reference` tags, then `default:` (or the deprecated
 * top-level keywords) as `inherit:` allows.
 *
 * The runner runs `before_script` and `script` in one shell, one line per item (multi-line items
 * as they are), and `after_script` in a separate shell: those are the two scripts checked.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolveJobs } from '../../scripts/gitlab/jobs/resolve.js';
import { extendsOf, isJobEntry } from '../../scripts/gitlab/jobs/model.js';
import { isValueMap, YamlReference, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';

export interface Job {
  readonly name: string;
  readonly hidden: boolean;
  /** The job after extends, references and defaults. */
  readonly config: ValueMap;
}

export interface JobOptions {
  /**
   * A component on its own may extend a hidden job another component defines (`.ecr-login`):
   * such a base is taken as empty here, and a `!reference` into a job the pipeline lacks as an
   * empty list; both are checked where the job is defined and in the examples.
   */
  readonly externalBases?: boolean;
}

/** Every job and hidden job of a merged pipeline, ready to run (GitLab's job model, `scripts/gitlab/jobs/`). */
export function jobsOf(pipeline: Value, options: JobOptions = {}): Job[] {
  if (!isValueMap(pipeline)) return [];
  const external = new Set<string>();
  const input = options.externalBases ? withExternalBases(pipeline, external) : pipeline;
  return resolveJobs(input)
    .jobs.filter((job) => !external.has(job.name))
    .map(({ name, hidden, config }) => ({ name, hidden, config }));
}

/** The pipeline with an empty job for each base it extends but lacks, and `[]` for each `!reference` into a job it lacks. */
function withExternalBases(pipeline: ValueMap, external: Set<string>): ValueMap {
  const stubReferences = (value: Value): Value => {
    if (value instanceof YamlReference) {
      const job = value.path[0];
      return typeof job === 'string' && !pipeline.has(job) ? [] : value;
    }
    if (Array.isArray(value)) return value.map(stubReferences);
    if (isValueMap(value)) return new Map([...value].map(([key, item]) => [key, stubReferences(item)]));
    return value;
  };
  const out = stubReferences(pipeline) as ValueMap;
  for (const value of pipeline.values()) {
    if (!isValueMap(value)) continue;
    for (const base of extendsOf(value)) {
      if (out.has(base)) continue;
      external.add(base);
      out.set(base, new Map());
    }
  }
  return out;
}

/** A script keyword's lines as the runner gets them (nested arrays flattened, scalars as text). */
export function scriptLines(value: Value | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item) => scriptLines(item));
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  throw new Error(`script item is not a string: ${JSON.stringify(value)}`);
}

export interface JobScripts {
  /** `before_script` + `script`: one shell. */
  readonly main: string | undefined;
  /** `after_script`: a shell of its own. */
  readonly after: string | undefined;
}

export function jobScripts(job: Job): JobScripts {
  const main = [...scriptLines(job.config.get('before_script')), ...scriptLines(job.config.get('script'))];
  const after = scriptLines(job.config.get('after_script'));
  return { main: main.length > 0 ? `${main.join('\n')}\n` : undefined, after: after.length > 0 ? `${after.join('\n')}\n` : undefined };
}

// ---------------------------------------------------------------------------------------------
// Images

export interface ImageUse {
  readonly where: string;
  readonly image: string;
}

const imageName = (value: Value | undefined): string | undefined =>
  typeof value === 'string' ? value : isValueMap(value) && typeof value.get('name') === 'string' ? (value.get('name') as string) : undefined;

/** Every image a pipeline names: jobs, `default:`, top level, and their services. */
export function imagesOf(pipeline: Value): ImageUse[] {
  if (!isValueMap(pipeline)) return [];
  const uses: ImageUse[] = [];
  const visit = (where: string, holder: Value | undefined) => {
    if (!isValueMap(holder)) return;
    const image = holder.get('image');
    if (image !== undefined && image !== null) uses.push({ where: `${where}: image`, image: imageName(image) ?? JSON.stringify(image) });
    const services = holder.get('services');
    if (Array.isArray(services)) {
      services.forEach((service, i) => uses.push({ where: `${where}: services[${i}]`, image: imageName(service) ?? JSON.stringify(service) }));
    }
  };
  visit('(top level)', pipeline);
  visit('default', pipeline.get('default'));
  for (const [name, value] of pipeline) if (isJobEntry(name, value)) visit(name, value);
  return uses;
}

/** A digest, or a tag that is not `latest` (a `host:port/` prefix is not a tag). */
export function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return /^[\w][\w.-]{0,127}$/.test(tag) && tag !== 'latest';
}

/**
 * Images known to ship bash, which the runner then uses instead of sh (it picks bash when the image
 * has it). Everything else is treated as a POSIX sh job: busybox ash (docker:*, alpine) or dash.
 */
const BASH_IMAGES: readonly RegExp[] = [
  /^(public\.ecr\.aws\/aws-cli\/aws-cli|amazon\/aws-cli)(:|@|$)/,
  /^(quay\.io\/(podman|buildah|skopeo)\/(stable|upstream|testing))(:|@|$)/,
  /^(registry\.fedoraproject\.org\/fedora|fedora|debian|ubuntu|amazonlinux)(:|@|$)/,
];
export const isBashImage = (image: string | undefined): boolean => image !== undefined && BASH_IMAGES.some((re) => re.test(image));

export const jobImage = (job: Job): string | undefined => imageName(job.config.get('image'));

// ---------------------------------------------------------------------------------------------
// Script checks

/** `name=value` with no command: saving `$-` or `$(umask)` before changing them cannot fail. */
const PLAIN_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=(\$\(umask\)|"(?:[^"`$\\]|\$(?!\())*"|'[^']*'|[^\s;&|<>()`"']*)$/;

/**
 * `set -eu` (or `set -euo pipefail` in a bash job) must be the first command. Plain assignments
 * may come before it: a fragment meant to run inside another job's shell saves the caller's
 * options (`saved=$-`) there so it can restore them at its end.
 */
export function strictModeProblem(script: string, bash: boolean): string | undefined {
  const commands = script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const first = commands.find((line) => !PLAIN_ASSIGNMENT.test(line)) ?? commands[0];
  if (first === 'set -eu') return undefined;
  if (first === 'set -euo pipefail') return bash ? undefined : '`set -euo pipefail` in a job whose image has no bash (POSIX sh has no pipefail): use `set -eu`';
  return `the script must start with \`set -eu\`${bash ? ' (or `set -euo pipefail`)' : ''}, not ${JSON.stringify(first ?? '')}`;
}

/** Lines that turn on tracing, which prints secrets into the job log. */
export function xtraceLines(script: string): string[] {
  return script.split('\n').filter((line) =>
    line
      .replace(/(^|\s)#.*$/, '')
      .split(/&&|\|\||;|\|/)
      .some((command) => {
        const [word, ...args] = command.trim().split(/\s+/);
        return word === 'set' && args.some((arg, i) => /^-[a-zA-Z]*x/.test(arg) || (arg === '-o' && args[i + 1] === 'xtrace'));
      }),
  );
}

/**
 * Commands that put a secret on the command line (visible in `ps`, in `/proc`, and in the log when
 * the line is echoed): `--password VALUE`/`--password=VALUE`, any `--…creds`, and `-p` given to a
 * `login`. `--password-stdin` is the right way and is allowed.
 */
export function passwordOnArgv(script: string): string[] {
  const findings: string[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    for (const command of line.split(/&&|\|\||;|\|/)) {
      if (/(^|\s)--password(=|\s|$)/.test(command)) findings.push(`--password: ${raw.trim()}`);
      else if (/(^|\s)--[\w-]*creds(=|\s|$)/.test(command)) findings.push(`--creds: ${raw.trim()}`);
      else if (/(^|\s)login(\s|$)/.test(command) && /(^|\s)-p(=|\s|["'$]|$)/.test(command)) findings.push(`-p: ${raw.trim()}`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Shells

/** `sh -n` / `bash -n`: the script parses. */
export function syntaxCheck(script: string, bash: boolean): { ok: boolean; output: string } {
  const result = spawnSync(bash ? 'bash' : 'sh', ['-n'], { input: script, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

export interface ShellcheckAvailability {
  readonly available: boolean;
  readonly version?: string | undefined;
  readonly reason?: string | undefined;
}

export function shellcheckAvailability(): ShellcheckAvailability {
  const result = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    return { available: false, reason: `shellcheck is not installed or does not run (${result.error?.message ?? result.stderr.trim()}); scripts/bootstrap.sh installs it` };
  }
  return { available: true, version: /version: (\S+)/.exec(result.stdout)?.[1] };
}

/** `shellcheck -s sh|bash -f gcc -`: the findings (empty when clean), file name `-`. */
export function shellcheck(script: string, bash: boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('shellcheck', ['-s', bash ? 'bash' : 'sh', '-f', 'gcc', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => void (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0 && stdout.trim() === '') reject(new Error(`shellcheck failed (exit ${status}): ${stderr}`));
      else resolve(stdout.split('\n').filter((line) => line.trim() !== ''));
    });
    child.stdin.end(script);
  });
}

// ---------------------------------------------------------------------------------------------
// Outputs

/** `artifacts:reports:dotenv` (a string or a list). */
export function dotenvFiles(job: Job): string[] {
  const artifacts = job.config.get('artifacts');
  const reports = isValueMap(artifacts) ? artifacts.get('reports') : undefined;
  const dotenv = isValueMap(reports) ? reports.get('dotenv') : undefined;
  return (Array.isArray(dotenv) ? dotenv : [dotenv]).filter((f): f is string => typeof f === 'string');
}

/**
 * A declared dotenv file must be written by the job's script (`> file`, `>> file`, `tee [-a] file`);
 * a `*.env` file the script writes must be declared as a dotenv report, not shipped as a plain
 * artifact path.
 */
export function dotenvProblems(jobs: readonly Job[]): string[] {
  const problems: string[] = [];
  for (const job of jobs) {
    const script = `${jobScripts(job).main ?? ''}`;
    const declared = dotenvFiles(job);
    // Relative paths only: outputs live in the project directory, temporary files elsewhere.
    const written = [...script.matchAll(/(?:>>?|\btee\s+(?:-a\s+)?)\s*["']?([\w.-][\w./-]*\.env)\b/g)].map((m) => m[1] as string);
    const variables = job.config.get('variables');
    // The file may be named through a job variable (`OUT: build.env` … `> "$OUT"`) or a shell
    // variable built from others (`out=build.$prefix.env`: `$prefix` may stand for anything).
    const assignments = [...script.matchAll(/(?:^|[\s;])([A-Za-z_]\w*)=["']?([^\s"';]*\.env)["']?(?=$|[\s;])/gm)].map((m) => ({
      name: m[1] as string,
      pattern: new RegExp(`^${(m[2] as string).split(/\$\{[^}]*\}|\$\w+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`),
    }));
    const namesFor = (file: string) => [
      ...(isValueMap(variables) ? [...variables].filter(([, v]) => v === file || (isValueMap(v) && v.get('value') === file)).map(([k]) => k) : []),
      ...assignments.filter((a) => a.pattern.test(file)).map((a) => a.name),
    ];
    const mentions = (file: string) =>
      script.includes(file) || namesFor(file).some((name) => new RegExp(`\\$(\\{${name}\\}|${name}\\b)`).test(script));
    for (const file of declared) {
      if (!mentions(file)) problems.push(`${job.name}: declares the dotenv report ${file} but its script never writes it`);
    }
    for (const file of written) {
      if (!declared.includes(file)) problems.push(`${job.name}: writes ${file} but does not declare it under artifacts:reports:dotenv`);
    }
    const artifacts = job.config.get('artifacts');
    const paths = isValueMap(artifacts) ? artifacts.get('paths') : undefined;
    for (const p of Array.isArray(paths) ? paths : []) {
      if (typeof p === 'string' && p.endsWith('.env')) problems.push(`${job.name}: ships ${p} under artifacts:paths; outputs go through artifacts:reports:dotenv`);
    }
  }
  return problems;
}
