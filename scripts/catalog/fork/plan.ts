/**
 * What `catalog fork` changes, computed before anything is written: each file's new text and how
 * many address and image references it replaces, the images moved and those left as they are, and
 * the problems that stop the fork (exit 2, nothing written).
 *
 * Which files:
 * - the address, everywhere a reader or a tool meets it: README.md, CONTRIBUTING.md, CHANGELOG.md,
 *   package.json, .catalog.yml, .pre-commit-hooks.yaml, .gitlab-ci.yml, docs/, examples/ and the
 *   component sources;
 * - the images (`--image-registry`), where the components define them and where consumers read
 *   them: the component sources (the `default:` of every image-like input, and each other mention
 *   of the same image there: descriptions, a script's fallback), examples/, README.md,
 *   CONTRIBUTING.md and the pages of docs/, except a page that says it names the upstream images on
 *   purpose (`KEEP_UPSTREAM_IMAGES`: the test harness's pages, which describe what its stand-ins
 *   replace). CHANGELOG.md is history and .gitlab-ci.yml the catalog's own pipeline: they keep theirs.
 * - not the generated files (docs/schemas/, the golden renders, templates/ built from components/):
 *   the fork makes them again from the rewritten sources.
 *
 * The component sources are `components/` when it exists (`templates/` is then built from it),
 * else `templates/` itself, as in a repository that has no build.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError } from '../../core/errors.js';
import { isValueMap, type Value, type ValueMap } from '../../gitlab/ruby/value.js';
import { validateHeader } from '../../gitlab/inputs/header.js';
import { parseComponentSource } from '../../gitlab/component/source.js';
import { RELEASE_CONFIG_FILE } from '../release/config.js';
import { SOURCES_DIR } from '../build/build.js';
import { discoverComponents } from '../discover.js';
import { rewriteAddress, type ProjectAddress } from './address.js';
import { mirroredRepository, parseImageReference, rewriteImages, type ImageMapping, type MirrorLayout } from './image-mirror.js';

/** A page that carries this line keeps naming the upstream images. */
export const KEEP_UPSTREAM_IMAGES = '<!-- catalog fork: keep upstream images -->';

const ADDRESS_FILES = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', RELEASE_CONFIG_FILE, '.catalog.yml', '.pre-commit-hooks.yaml', '.gitlab-ci.yml'];
const IMAGE_FILES = new Set(['README.md', 'CONTRIBUTING.md']);
/** Made by `catalog schema`, not written by hand: regenerated, never rewritten. */
export const GENERATED_DIRS = ['docs/schemas'];

export interface ImageOptions {
  readonly mirror: string;
  readonly layout: MirrorLayout;
}

export interface ForkRequest {
  readonly from: ProjectAddress;
  readonly to: ProjectAddress;
  readonly images?: ImageOptions | undefined;
}

export interface FileChange {
  /** Relative to the catalog root, `/`-separated. */
  readonly file: string;
  readonly text: string;
  readonly replacements: number;
}

export interface ForkPlan {
  /** `components` when the sources are components/ (templates/ is built), else `templates`. */
  readonly sources: 'components' | 'templates';
  readonly changes: readonly FileChange[];
  readonly images: readonly ImageMapping[];
  /** Default images left as they are: already on the mirror. */
  readonly onMirror: readonly string[];
  /** What stops the fork before anything is written. */
  readonly problems: readonly string[];
}

export async function planFork(root: string, request: ForkRequest): Promise<ForkPlan> {
  const sources = (await isDirectory(path.join(root, SOURCES_DIR))) ? 'components' : 'templates';
  const sourceFiles = await listTextFiles(root, sources);
  const problems: string[] = [];
  const images = request.images ? await defaultImages(root, request.images, problems) : { mappings: [], onMirror: [] };

  const candidates = [
    ...ADDRESS_FILES.map((file) => ({ file, images: IMAGE_FILES.has(file) })),
    ...(await listTextFiles(root, 'docs')).map((file) => ({ file, images: file.endsWith('.md') })),
    ...(await listTextFiles(root, 'examples')).map((file) => ({ file, images: true })),
    ...sourceFiles.map((file) => ({ file, images: true })),
  ];
  const changes: FileChange[] = [];
  for (const { file, images: mayHoldImages } of candidates) {
    const original = await readText(root, file);
    if (original === undefined) continue;
    const moved = mayHoldImages && !original.includes(KEEP_UPSTREAM_IMAGES) ? rewriteImages(original, images.mappings) : { text: original, count: 0 };
    const addressed = rewriteAddress(moved.text, request.from, request.to);
    let text = addressed.text;
    let replacements = moved.count + addressed.count;
    if (file === RELEASE_CONFIG_FILE && request.to.basePath !== request.from.basePath) {
      text = withServerBasePath(text, request.to.basePath);
      replacements += 1;
    }
    if (replacements > 0) changes.push({ file, text, replacements });
  }
  return { sources, changes, images: images.mappings, onMirror: images.onMirror, problems };
}

/** The image-like inputs' defaults of every component, each mapped to the mirror (or a problem). */
async function defaultImages(root: string, options: ImageOptions, problems: string[]): Promise<{ mappings: ImageMapping[]; onMirror: string[] }> {
  const seen = new Set<string>();
  const mappings: ImageMapping[] = [];
  const onMirror: string[] = [];
  for (const file of await componentSpecFiles(root)) {
    const source = parseComponentSource((await readText(root, file)) ?? '', file);
    const spec = source.header && isValueMap(source.header.value) ? validateHeader(source.header.value).spec : undefined;
    for (const [name, input] of spec?.inputs ?? new Map<string, Value>()) {
      for (const image of imagesOfInput(name, input)) {
        if (seen.has(image)) continue;
        seen.add(image);
        if (image.startsWith(`${options.mirror}/`)) {
          onMirror.push(image);
          continue;
        }
        const reference = parseImageReference(image);
        if (reference === undefined) {
          problems.push(`${file}: input "${name}": the default ${image} is not an image reference catalog fork can move; write it as [registry/]name:tag`);
        } else if (reference.tag === undefined && reference.digest === undefined) {
          problems.push(`${file}: input "${name}": the default ${image} names no tag or digest, so its mentions cannot be told from other text; pin it (name:tag), then fork`);
        } else {
          const mirrored = mirroredRepository(reference, options.mirror, options.layout);
          if ('problem' in mirrored) problems.push(`${file}: input "${name}": ${image}: ${mirrored.problem}`);
          else mappings.push({ image, reference, repository: mirrored.repository });
        }
      }
    }
  }
  return { mappings, onMirror };
}

/**
 * The images an input's default names: `image` and `*-image` (a string), `services` and
 * `*-services` (a list of strings or of `{name: …}`). A default that is a variable (`$IMAGE`) is
 * the consumer's and stays.
 */
export function imagesOfInput(name: string, input: Value): string[] {
  const value = isValueMap(input) ? input.get('default') : undefined;
  const names =
    name === 'image' || name.endsWith('-image')
      ? [value]
      : name === 'services' || name.endsWith('-services')
        ? (Array.isArray(value) ? value : []).map((item) => (isValueMap(item) ? (item as ValueMap).get('name') : item))
        : [];
  return names.filter((image): image is string => typeof image === 'string' && image.trim() !== '' && !image.includes('$')).map((image) => image.trim());
}

/** The files whose `spec:` declares each component's inputs. */
async function componentSpecFiles(root: string): Promise<string[]> {
  if (!(await isDirectory(path.join(root, SOURCES_DIR)))) return (await discoverComponents(root)).map((c) => c.relativePath);
  const entries = await readdir(path.join(root, SOURCES_DIR), { withFileTypes: true });
  const files = entries.filter((e) => e.isDirectory()).map((e) => `${SOURCES_DIR}/${e.name}/template.yml`);
  const present = await Promise.all(files.map(async (file) => ((await readText(root, file)) === undefined ? undefined : file)));
  return present.filter((file): file is string => file !== undefined).sort();
}

/**
 * package.json with `catalog.release.server-base-path` set to `basePath` (removed when ""), as npm
 * writes the file (two-space JSON). A package.json written another way is not reformatted: the
 * fork stops and says what to set by hand.
 */
export function withServerBasePath(text: string, basePath: string): string {
  const parsed = JSON.parse(text) as { catalog?: { release?: Record<string, unknown> } };
  if (`${JSON.stringify(parsed, null, 2)}\n` !== text) {
    throw new ToolkitError(`${RELEASE_CONFIG_FILE}: not laid out as npm writes it (2-space JSON), so catalog fork does not rewrite it: set "catalog.release.server-base-path" to "${basePath}" by hand, then fork`);
  }
  const release = parsed.catalog?.release ?? {};
  if (basePath === '') delete release['server-base-path'];
  else release['server-base-path'] = basePath;
  return `${JSON.stringify(parsed, null, 2)}\n`;
}

/** The files under `dir` (relative to `root`) that are text, generated directories left out. */
async function listTextFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => !GENERATED_DIRS.some((generated) => file.startsWith(`${generated}/`)))
    .sort();
}

/** A file's text; undefined when it is missing or not text (a NUL byte, or bytes that are not UTF-8). */
async function readText(root: string, file: string): Promise<string | undefined> {
  const bytes = await readFile(path.join(root, file)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
    throw new ToolkitError(`${file}: cannot read it (${error.code ?? error.message})`);
  });
  if (bytes === undefined || bytes.includes(0)) return undefined;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

async function isDirectory(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => undefined);
  return entries !== undefined;
}
