/**
 * What the renderer adds after GitLab's text where that text leaves the user guessing (GitLab's
 * own fetch errors say "content not found" and nothing else): `<GitLab's text>; <hint>`.
 * - a version that is not there: the versions there are, nearest first, why a pre-release was not
 *   taken, and how to get newer tags into the local copy;
 * - a component that is not there at that version: the components there are, nearest first;
 * - an unknown input: the declared input nearest to it;
 * - an address on another instance: the `--server-fqdn` that checks it; one without `@`: the form.
 */
import { listTreeFiles } from '../../core/git.js';
import { byNearness, closestNames } from '../../core/suggest.js';
import type { LoadResult } from '../component/load.js';
import { componentNameFromPath } from '../component/source.js';
import type { CatalogSource } from './context.js';
import { LATEST, nearestVersions, SHORTHAND_SEMVER_PATTERN, type CatalogVersion, type ResolvedVersion } from './versions.js';

/** How many versions or components a hint lists. */
const MAX_LISTED = 5;

/** GitLab's text, then a hint of ours after "; ". */
export const withHint = (message: string, hint: string | undefined): string => (hint ? `${message}; ${hint}` : message);

/** The first few, which GitLab's message joins (and so reports). */
export const reportedErrors = (result: LoadResult & { ok: false }) => result.errors.filter((error) => result.message.includes(error.message));

/** Another instance's address, or an address without a version. */
export function unsupportedHint(address: string, serverFqdn: string): string | undefined {
  if (!address.includes('@')) return 'a component address ends in @<version>';
  const host = address.slice(0, address.indexOf('/'));
  if (host === '' || !/^[\w.-]+(?::\d+)?$/.test(host) || host.toLowerCase() === serverFqdn.toLowerCase()) return undefined;
  return `this run takes $CI_SERVER_FQDN to be "${serverFqdn}": for a pipeline on ${host}, pass --server-fqdn ${host}`;
}

/** The versions the source has, nearest to `reference` first, and how to get newer ones. */
export function versionHint(source: CatalogSource, versions: readonly CatalogVersion[], reference: string): string {
  if (versions.length === 0) return `${source.projectPath} has no versions (semver tags) here; ${source.fetchHint}`;
  const order = nearestVersions(versions, reference);
  const shown = order.slice(0, MAX_LISTED).map((v) => v.tag);
  const more = order.length > shown.length ? ` (and ${order.length - shown.length} more)` : '';
  const prerelease = order.find((v) => v.prerelease !== null && withinPartial(v, reference));
  const releasedOnly = prerelease ? `; @${reference} selects released versions only: name a pre-release in full (@${prerelease.tag})` : '';
  return `versions of ${source.projectPath}, nearest first: ${shown.join(', ')}${more}${releasedOnly}; if a newer version is missing, ${source.fetchHint}`;
}

/** Whether `~latest` or a shorthand (`1`, `1.2`) covers the version, pre-releases aside. */
function withinPartial(version: CatalogVersion, reference: string): boolean {
  if (reference === LATEST) return true;
  if (!SHORTHAND_SEMVER_PATTERN.test(reference)) return false;
  const [major, minor] = reference.split('.').map(Number);
  return version.major === major && (minor === undefined || version.minor === minor);
}

/** The components there are at the resolved revision, nearest to `name` first. */
export async function componentHint(source: CatalogSource, resolved: ResolvedVersion, name: string): Promise<string> {
  const files = await listTreeFiles(source.repo, resolved.sha, 'templates');
  const names = [...new Set(files.map(componentNameFromPath).filter((n): n is string => n !== undefined))].sort();
  const short = resolved.sha.slice(0, 7);
  const named = resolved.version ?? (resolved.sha.startsWith(resolved.reference.toLowerCase()) ? undefined : resolved.reference);
  const where = named === undefined ? short : `${named} (${short})`;
  if (names.length === 0) return `${source.projectPath} has no components at ${where}`;
  const order = byNearness(name, names);
  const more = order.length > MAX_LISTED ? ` (and ${order.length - MAX_LISTED} more)` : '';
  return `components of ${source.projectPath} at ${where}, nearest first: ${order.slice(0, MAX_LISTED).join(', ')}${more}`;
}

/** "did you mean" for the unknown input arguments GitLab reports, among the inputs the component declares. */
export function inputHint(result: LoadResult & { ok: false }): string | undefined {
  const declared = result.declaredInputs ?? [];
  const unknown = reportedErrors(result).find((error) => error.message.startsWith('unknown input arguments:'));
  if (!unknown || declared.length === 0) return undefined;
  const names = unknown.inputs ?? [];
  const suggestions = names.flatMap((name) => {
    const [best] = closestNames(name, declared, { limit: 1 });
    return best === undefined ? [] : [{ name, best }];
  });
  if (suggestions.length === 0) return undefined;
  if (names.length === 1 && suggestions[0]) return `did you mean ${JSON.stringify(suggestions[0].best)}?`;
  return `did you mean ${suggestions.map((s) => `${JSON.stringify(s.best)} for ${JSON.stringify(s.name)}`).join(', ')}?`;
}
