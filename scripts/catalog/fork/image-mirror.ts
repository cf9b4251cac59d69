/**
 * Image references moved to a company's registry mirror (`catalog fork --image-registry`).
 *
 * A reference is read as Docker reads it (distribution/reference `ParseNormalizedNamed`): a first
 * path part with a `.` or a `:`, or `localhost`, names the registry, anything else is on Docker
 * Hub (`docker.io`), where a one-part name is an official image under `library/`
 * (`docker:29.5.2-cli` is `docker.io/library/docker:29.5.2-cli`).
 *
 * Pull-through caches name an upstream image `<mirror>/<namespace of the upstream>/<path on the
 * upstream>`, the Docker Hub path with `library/` for official images: ECR pull-through cache
 * rules ("For Docker Hub official images, the /library prefix must be included"), Harbor
 * proxy-cache projects (one project per upstream), Artifactory remote repositories (one repository
 * key per upstream), Replicated's proxy registry (the upstream's host name as the namespace).
 * They differ only in the namespace's name, which the layout says:
 * - `host` (default): the upstream's host, `mirror.example.com/docker.io/library/docker:29.5.2-cli`,
 *   `mirror.example.com/quay.io/podman/stable:v5.8.7`;
 * - `ecr`: the prefixes the ECR console gives pull-through cache rules (`docker-hub`, `quay`,
 *   `ecr-public`, `kubernetes`, `github`, `gitlab`): `<account>.dkr.ecr.<region>.amazonaws.com/
 *   docker-hub/library/docker:29.5.2-cli`.
 * Tags and digests are kept as written: a cache serves the upstream's manifests, so a digest pin
 * still holds. A reference already on the mirror stays as it is.
 */
import { escapeRegExp } from '../../core/regexp.js';

export type MirrorLayout = 'host' | 'ecr';
export const MIRROR_LAYOUTS: readonly MirrorLayout[] = ['host', 'ecr'];

const DOCKER_HUB = 'docker.io';

/** The namespaces of the `ecr` layout: the ECR console's default repository prefixes per upstream. */
const ECR_PREFIXES: ReadonlyMap<string, string> = new Map([
  [DOCKER_HUB, 'docker-hub'],
  ['quay.io', 'quay'],
  ['public.ecr.aws', 'ecr-public'],
  ['registry.k8s.io', 'kubernetes'],
  ['ghcr.io', 'github'],
  ['registry.gitlab.com', 'gitlab'],
]);

export interface ImageReference {
  /** The registry host (and port): `docker.io`, `quay.io`, `registry:5000`. */
  readonly domain: string;
  /** The repository on it, `library/` included for Docker Hub's official images. */
  readonly path: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REFERENCE = new RegExp(
  String.raw`^(?<name>(?:(?<domain>[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d+)?)\/)?${COMPONENT}(?:\/${COMPONENT})*)` +
    String.raw`(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[a-z0-9]+:[a-f0-9]{32,}))?$`,
);

/** Docker's reading of a reference; undefined when it is not one (a variable, a typo). */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text.trim());
  const name = match?.groups?.['name'];
  if (!match || name === undefined) return undefined;
  const first = name.split('/')[0] ?? '';
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first.toLowerCase() : DOCKER_HUB;
  let path = hasDomain ? name.slice(first.length + 1) : name;
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path, tag: match.groups?.['tag'], digest: match.groups?.['digest'] };
}

/** The ways a text can name the repository of `ref` (Docker Hub's short forms included), longest first. */
export function repositorySpellings(ref: ImageReference): string[] {
  if (ref.domain !== DOCKER_HUB) return [`${ref.domain}/${ref.path}`];
  const paths = ref.path.startsWith('library/') ? [ref.path, ref.path.slice('library/'.length)] : [ref.path];
  return ['index.docker.io', DOCKER_HUB, '']
    .flatMap((domain) => paths.map((path) => (domain === '' ? path : `${domain}/${path}`)))
    .sort((a, b) => b.length - a.length);
}

/** `<mirror>/<namespace>/<path>`, or why the layout has no place for the upstream. */
export function mirroredRepository(ref: ImageReference, mirror: string, layout: MirrorLayout): { readonly repository: string } | { readonly problem: string } {
  const namespace = layout === 'host' ? ref.domain : ECR_PREFIXES.get(ref.domain);
  if (namespace === undefined) {
    return { problem: `the ecr layout knows no pull-through cache prefix for ${ref.domain} (it maps ${[...ECR_PREFIXES.keys()].join(', ')}); use --image-registry-layout host` };
  }
  return { repository: `${mirror}/${namespace}/${ref.path}` };
}

/** `mirror.example.com`, `mirror.example.com:5000/proxy`: a registry host with an optional path. */
export function mirrorProblem(mirror: string): string | undefined {
  const parsed = /^(?<host>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?)(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.exec(mirror);
  const host = parsed?.groups?.['host'];
  if (host === undefined) return 'name the registry as host[:port][/path] in lower case, without a scheme (mirror.example.com)';
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return `"${host}" would be read as a Docker Hub namespace: a registry host has a "." or a port, or is localhost`;
  return undefined;
}

export interface ImageMapping {
  /** The reference as a component's default writes it. */
  readonly image: string;
  /** The repository of the same tag or digest on the mirror. */
  readonly repository: string;
  readonly reference: ImageReference;
}

/** Every reference to a mapped image in `text`, moved to the mirror, and how many there were. */
export function rewriteImages(text: string, mappings: readonly ImageMapping[]): { readonly text: string; readonly count: number } {
  let count = 0;
  let result = text;
  for (const mapping of mappings) {
    const { tag, digest } = mapping.reference;
    const version = tag !== undefined ? `:${escapeRegExp(tag)}` : `@${escapeRegExp(digest ?? '')}`;
    const names = repositorySpellings(mapping.reference).map(escapeRegExp).join('|');
    // Not part of a longer name or path (an image already on the mirror ends in the same text),
    // but after a shell default (`${IMAGE:-docker:29}`); the version must end where it does.
    const pattern = new RegExp(String.raw`(?<=^|[^\w.\/:@-]|:-|:=)(?:${names})(?=${version}(?![\w-]|\.[\w-]))`, 'gm');
    result = result.replace(pattern, () => {
      count += 1;
      return mapping.repository;
    });
  }
  return { text: result, count };
}
