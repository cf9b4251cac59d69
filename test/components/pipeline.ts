/**
 * What a GitLab runner would execute for each job of a merged pipeline, and the checks the
 * component contract makes on it. Job configuration is completed the way GitLab does before a job
 * runs: `extends:` (deep merge, base first, up to 11 levels), `!reference` tags, then the
 * `default:` (or deprecated top-level) `image`, `services`, `before_script`, `after_script` unless
 * `inherit: default:` says otherwise.
 *
 * The runner runs `before_script` and `script` in one shell, one line per item (multi-line items
 * as they are), and `after_script` in a separate shell: those are the two scripts checked.
 */
import { spawn, spawnSync } from 'node:child_process';
import { isValueMap, YamlReference, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';

/** `Gitlab::Ci::Config::Entry::Root` keys that are not jobs. */
const GLOBAL_KEYWORDS = new Set(['after_script', 'before_script', 'cache', 'default', 'image', 'include', 'services', 'stages', 'types', 'variables', 'workflow', 'spec']);
const DEFAULT_INHERITED = ['image', 'services', 'before_script', 'after_script'] as const;
const MAX_EXTENDS_DEPTH = 11;

export interface Job {
  readonly name: string;
  readonly hidden: boolean;
  /** The job after extends, references and defaults. */
  readonly config: ValueMap;
}

function deepMerge(a: ValueMap, b: ValueMap): ValueMap {
  const out: ValueMap = new Map(a);
  for (const [key, value] of b) {
    const current = out.get(key);
    out.set(key, isValueMap(current) && isValueMap(value) ? deepMerge(current, value) : value);
  }
  return out;
}

export interface JobOptions {
  /**
   * A component on its own may extend a hidden job another component defines (`.ecr-login`):
   * such a base is taken as empty here and checked where it is defined and in the examples.
   */
  readonly externalBases?: boolean;
}

function resolveExtends(pipeline: ValueMap, name: string, options: JobOptions, depth = 0): ValueMap {
  const job = pipeline.get(name);
  if (!isValueMap(job)) {
    if (options.externalBases && depth > 0) return new Map();
    throw new Error(`extends: ${JSON.stringify(name)} is not a job or hidden job`);
  }
  if (depth > MAX_EXTENDS_DEPTH) throw new Error(`extends: nesting too deep at ${name}`);
  const bases = job.get('extends');
  const list = bases === undefined || bases === null ? [] : Array.isArray(bases) ? bases : [bases];
  let merged: ValueMap = new Map();
  for (const base of list) {
    if (typeof base !== 'string') throw new Error(`extends: ${name} names a non-string`);
    merged = deepMerge(merged, resolveExtends(pipeline, base, options, depth + 1));
  }
  const own = new Map(job);
  own.delete('extends');
  return deepMerge(merged, own);
}

/** `!reference [job, key, ...]` anywhere in a value; arrays holding references are flattened one level. */
function resolveReferences(pipeline: ValueMap, value: Value, options: JobOptions, depth = 0): Value {
  if (depth > 10) throw new Error('!reference: nesting too deep');
  if (value instanceof YamlReference) {
    let target: Value | undefined = pipeline;
    for (const segment of value.path) {
      target = isValueMap(target) && typeof segment === 'string' ? target.get(segment) : undefined;
    }
    if (target === undefined) {
      const base = value.path[0];
      if (options.externalBases && typeof base === 'string' && !pipeline.has(base)) return [];
      throw new Error(`!reference ${JSON.stringify(value.path)} points at nothing`);
    }
    return resolveReferences(pipeline, target, options, depth + 1);
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const resolved = resolveReferences(pipeline, item, options, depth + 1);
      return item instanceof YamlReference && Array.isArray(resolved) ? resolved : [resolved];
    });
  }
  if (isValueMap(value)) return new Map([...value].map(([k, v]) => [k, resolveReferences(pipeline, v, options, depth + 1)]));
  return value;
}

function inheritsDefault(job: ValueMap, key: string): boolean {
  const inherit = job.get('inherit');
  const setting = isValueMap(inherit) ? inherit.get('default') : undefined;
  if (setting === false) return false;
  if (Array.isArray(setting)) return setting.includes(key);
  return true;
}

/** Every job and hidden job of a merged pipeline, ready to run. */
export function jobsOf(pipeline: Value, options: JobOptions = {}): Job[] {
  if (!isValueMap(pipeline)) return [];
  const defaults = isValueMap(pipeline.get('default')) ? (pipeline.get('default') as ValueMap) : new Map<string, Value>();
  const jobs: Job[] = [];
  for (const [name, value] of pipeline) {
    if (GLOBAL_KEYWORDS.has(name) || !isValueMap(value)) continue;
    const config = resolveReferences(pipeline, resolveExtends(pipeline, name, options), options) as ValueMap;
    const hidden = name.startsWith('.');
    if (!hidden) {
      for (const key of DEFAULT_INHERITED) {
        if (config.has(key) || !inheritsDefault(config, key)) continue;
        const fallback = defaults.get(key) ?? pipeline.get(key);
        if (fallback !== undefined) config.set(key, fallback);
      }
    }
    jobs.push({ name, hidden, config });
  }
  return jobs;
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
  for (const [name, value] of pipeline) if (!GLOBAL_KEYWORDS.has(name)) visit(name, value);
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
