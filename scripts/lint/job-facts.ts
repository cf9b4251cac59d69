/**
 * What the job rules read off a rendered content document besides GitLab's job model
 * (`gitlab/jobs/`): the images and services it names (and how an image reference splits), its script
 * strings, and a job's Docker-in-Docker setup. Everything works on the value model of a
 * `RenderedVariant`; positions come back as content-document paths for `variant.locate`.
 */
import { isValueMap, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import type { PathSegment } from '../gitlab/yaml/psych.js';
import { jobsOf } from '../gitlab/jobs/model.js';
import { variablesOf, variableValue, type JobResolver, type Located } from '../gitlab/jobs/located.js';

// ---------------------------------------------------------------------------------------------
// Images

export interface ImageUse {
  /** The image reference as written (after rendering). */
  readonly image: string;
  /** Path of the string (the `name:` of the hash form). */
  readonly path: readonly PathSegment[];
  readonly kind: 'image' | 'service';
  /** The service entry itself (string or hash), for `alias:` and `variables:`. */
  readonly entry: Located;
}

/** The image named by an `image:` value or a `services:` item: a string or a hash with `name:`. */
export function imageOf(entry: Located, kind: 'image' | 'service'): ImageUse | undefined {
  if (typeof entry.value === 'string') return { image: entry.value, path: entry.path, kind, entry };
  if (isValueMap(entry.value)) {
    const name = entry.value.get('name');
    if (typeof name === 'string') return { image: name, path: [...entry.path, 'name'], kind, entry };
  }
  return undefined;
}

/** The images of a `services:` value. */
export function servicesOf(services: Located | undefined): ImageUse[] {
  if (!services || !Array.isArray(services.value)) return [];
  const out: ImageUse[] = [];
  services.value.forEach((item, i) => {
    const use = imageOf({ value: item, path: [...services.path, i] }, 'service');
    if (use) out.push(use);
  });
  return out;
}

/** Every `image:` and `services:` entry written in a content document: top level, `default:` and each job. */
export function imageUses(content: Value): ImageUse[] {
  if (!isValueMap(content)) return [];
  const uses: ImageUse[] = [];
  const scan = (map: ValueMap, path: readonly PathSegment[]) => {
    if (map.has('image')) {
      const use = imageOf({ value: map.get('image') ?? null, path: [...path, 'image'] }, 'image');
      if (use) uses.push(use);
    }
    if (map.has('services')) uses.push(...servicesOf({ value: map.get('services') ?? null, path: [...path, 'services'] }));
  };
  scan(content, []);
  const defaults = content.get('default');
  if (isValueMap(defaults)) scan(defaults, ['default']);
  for (const job of jobsOf(content)) scan(job.job, job.path);
  return uses;
}

export interface ImageRef {
  /** Everything before the tag and digest: `registry.example.com/group/name`. */
  readonly repository: string;
  /** The last path segment of the repository: `name`. */
  readonly shortName: string;
  readonly tag?: string | undefined;
  /** The text after `@`, when there is one. */
  readonly digest?: string | undefined;
}

/**
 * Splits `registry:5000/group/name:tag@sha256:…`. The tag is the part after the last `:` of the
 * last path segment, so a registry port is never taken for a tag.
 */
export function parseImageRef(reference: string): ImageRef {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? named.slice(0, colon) : named;
  return {
    repository,
    shortName: repository.slice(repository.lastIndexOf('/') + 1),
    tag: hasTag ? named.slice(colon + 1) : undefined,
    digest,
  };
}

/** `$IMAGE`, `${IMAGE}`: nothing to judge until the variable is known. */
export const isOnlyVariable = (text: string): boolean => /^\s*\$(?:\{\w+\}|\w+)\s*$/.test(text);

export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A Docker-in-Docker service: the `docker` image with a `dind` tag (`docker:27.3.1-dind`, `docker:dind-rootless`). */
export function isDindImage(image: string): boolean {
  const ref = parseImageRef(image);
  return ref.shortName === 'docker' && (ref.tag ?? '').includes('dind');
}

// ---------------------------------------------------------------------------------------------
// Scripts

/** Script keywords whose strings are shell. */
export const SCRIPT_KEYS: ReadonlySet<string> = new Set(['script', 'before_script', 'after_script', 'pre_get_sources_script']);

/** The strings of a script value (a string, or arrays nested one level as GitLab flattens them). */
export function scriptLines(script: Located | undefined): Located<string>[] {
  if (!script) return [];
  const out: Located<string>[] = [];
  const walk = (value: Value, path: readonly PathSegment[]) => {
    if (typeof value === 'string') out.push({ value, path });
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(script.value, script.path);
  return out;
}

/** Every script string anywhere in the document (jobs, `default:`, top level, `hooks:`), in document order. */
export function allScriptLines(content: Value): Located<string>[] {
  const out: Located<string>[] = [];
  const walk = (value: Value, path: readonly PathSegment[]) => {
    if (!isValueMap(value)) return;
    for (const [key, item] of value) {
      const at = [...path, key];
      if (SCRIPT_KEYS.has(key)) out.push(...scriptLines({ value: item, path: at }));
      else if (isValueMap(item)) walk(item, at);
    }
  };
  walk(content, []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Docker-in-Docker

export interface DindSetup {
  readonly job: string;
  readonly service: ImageUse;
  /** Hostnames that reach the service: its aliases, the names GitLab derives from the image, localhost. */
  readonly hostnames: ReadonlySet<string>;
  /** `DOCKER_TLS_CERTDIR` as the daemon sees it (service `variables:` first); unset means the image default. */
  readonly certdir: Located<string> | undefined;
  readonly host: Located<string> | undefined;
  readonly verify: Located<string> | undefined;
  readonly certPath: Located<string> | undefined;
  /** `DOCKER_CONTEXT`, which selects a docker context for every command of the job. */
  readonly context: Located<string> | undefined;
}

/** The dind image's `ENV DOCKER_TLS_CERTDIR=/certs` (docker-library/docker, `cli` and `dind` variants). */
export const DIND_DEFAULT_CERTDIR = '/certs';

/** The job's Docker-in-Docker service and the variables that decide how client and daemon talk. */
export function dindSetup(resolver: JobResolver, jobName: string): DindSetup | undefined {
  const service = servicesOf(resolver.get(jobName, 'services')).find((use) => isDindImage(use.image));
  if (!service) return undefined;
  const jobVariables = resolver.variables(jobName);
  const serviceVariables = isValueMap(service.entry.value)
    ? variablesOf({ value: service.entry.value.get('variables') ?? null, path: [...service.entry.path, 'variables'] })
    : new Map<string, Located>();
  const value = (vars: ReadonlyMap<string, Located>, name: string) => {
    const entry = vars.get(name);
    return entry ? variableValue(entry) : undefined;
  };
  const hostnames = new Set(['docker', 'localhost', '127.0.0.1']);
  const repository = parseImageRef(service.image).repository;
  hostnames.add(repository.replaceAll('/', '__')).add(repository.replaceAll('/', '-'));
  const alias = isValueMap(service.entry.value) ? service.entry.value.get('alias') : undefined;
  if (typeof alias === 'string') for (const name of alias.split(/[\s,]+/)) if (name) hostnames.add(name);
  return {
    job: jobName,
    service,
    hostnames,
    certdir: value(serviceVariables, 'DOCKER_TLS_CERTDIR') ?? value(jobVariables, 'DOCKER_TLS_CERTDIR'),
    host: value(jobVariables, 'DOCKER_HOST'),
    verify: value(jobVariables, 'DOCKER_TLS_VERIFY'),
    certPath: value(jobVariables, 'DOCKER_CERT_PATH'),
    context: value(jobVariables, 'DOCKER_CONTEXT'),
  };
}

/** Whether the dind daemon serves TLS (on 2376 only): true, false, or undefined when a variable hides it. */
export function daemonTls(setup: DindSetup): boolean | undefined {
  if (!setup.certdir) return true;
  if (setup.certdir.value.includes('$')) return undefined;
  return setup.certdir.value.trim() !== '';
}

/** `DOCKER_HOST` when it is `tcp://<the dind service>:<port>`: the port, else undefined. */
export function dindPort(setup: DindSetup): number | undefined {
  const match = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(setup.host?.value.trim() ?? '');
  if (!match) return undefined;
  const host = match[1] as string;
  return setup.hostnames.has(host) || host.includes('$') ? Number(match[2]) : undefined;
}
