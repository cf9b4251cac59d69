/**
 * Version resolution for `component@<version>` in this repository, as GitLab does it for a CI/CD
 * catalog resource (`Gitlab::Ci::Components::InstancePath`, newest):
 *
 *     sha = find_catalog_version&.sha || sha_by_released_tag || sha_by_ref
 *     find_catalog_version:
 *       '~latest'            -> versions.latest                 (highest non-prerelease semver)
 *       /^\d+(\.\d+)?$/      -> versions.latest(major, minor)   (same, filtered)
 *       anything else        -> versions.by_name(reference)     (the version whose tag IS the reference)
 *     component.version = find_catalog_version&.semver&.to_s
 *
 * The catalog's published versions are modelled as this repository's tags that match
 * `Gitlab::Regex::SemVer.optional_prefixed` (GitLab publishes a version per release whose tag is
 * such a semver). `sha_by_released_tag` then adds nothing a tag lookup does not, and `sha_by_ref`
 * (`project.commit(ref)`) follows the documented precedence: commit SHA, then tag, then branch.
 *
 * node-semver's two function modules are imported, not its index (which loads every range and
 * comparator module too): 8 ms wall, 11 ms CPU less per `catalog render` (2026-12-07, the bench's
 * parity-fixture render, median of 194 runs alternating with the index import, wall and task-clock).
 */
import compareSemver from 'semver/functions/compare.js';
import incSemver from 'semver/functions/inc.js';
import parseSemver from 'semver/functions/parse.js';
import rcompareSemver from 'semver/functions/rcompare.js';
import { commitsWithPrefix, listTags, resolveRef, type Tag } from '../../core/git.js';
import { byNearness } from '../../core/suggest.js';

/** `Gitlab::Regex::SemVer.optional_prefixed` (`\Av?<unbounded_semver_regex>\z`). */
export const SEMVER_TAG_PATTERN =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0)(?:\.(?:\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** `InstancePath::SHORTHAND_SEMVER_PATTERN`. */
export const SHORTHAND_SEMVER_PATTERN = /^\d+(\.\d+)?$/;
/** `InstancePath::LATEST`. */
export const LATEST = '~latest';

export interface CatalogVersion {
  /** The release tag: what `versions.by_name` matches. */
  readonly tag: string;
  /** The commit the tag points at. */
  readonly sha: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: string | null;
  /**
   * `semver.to_s` of the stored version (`Packages::SemVer#to_s`): the `v` prefix is kept, build
   * metadata is not stored and so is dropped (`v1.2.0+b` -> `v1.2.0`).
   */
  readonly version: string;
}

/** The published versions among `tags`: those that are semver (optionally `v`-prefixed). */
export function catalogVersions(tags: readonly Tag[]): CatalogVersion[] {
  const versions: CatalogVersion[] = [];
  for (const tag of tags) {
    const match = SEMVER_TAG_PATTERN.exec(tag.name);
    // node-semver refuses components beyond Number.MAX_SAFE_INTEGER; GitLab could not store them either.
    if (!match || parseSemver(tag.name) === null) continue;
    const [, major = '0', minor = '0', patch = '0', prerelease] = match;
    const prefixed = tag.name.startsWith('v');
    const core = `${major}.${minor}.${patch}${prerelease === undefined ? '' : `-${prerelease}`}`;
    versions.push({
      tag: tag.name,
      sha: tag.sha,
      major: Number(major),
      minor: Number(minor),
      patch: Number(patch),
      prerelease: prerelease ?? null,
      version: `${prefixed ? 'v' : ''}${core}`,
    });
  }
  return versions;
}

export async function listCatalogVersions(repo: string): Promise<CatalogVersion[]> {
  return catalogVersions(await listTags(repo));
}

const plain = (v: CatalogVersion) => `${v.major}.${v.minor}.${v.patch}`;

/**
 * `Ci::Catalog::Resources::Version.latest(major, minor)`: semver versions without a pre-release,
 * filtered by major (and minor), highest first. Versions that differ only in the `v` prefix or in
 * build metadata tie in GitLab's SQL ordering; here the smaller tag name wins, for determinism.
 */
export function latestVersion(
  versions: readonly CatalogVersion[],
  major?: number | undefined,
  minor?: number | undefined,
): CatalogVersion | undefined {
  const candidates = versions.filter(
    (v) =>
      v.prerelease === null &&
      (major === undefined || v.major === major) &&
      (minor === undefined || v.minor === minor),
  );
  candidates.sort((a, b) => rcompareSemver(plain(a), plain(b)) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return candidates[0];
}

/** The catalog version a reference selects (`find_catalog_version`), if any. */
export function findCatalogVersion(versions: readonly CatalogVersion[], reference: string): CatalogVersion | undefined {
  if (reference === LATEST) return latestVersion(versions);
  if (SHORTHAND_SEMVER_PATTERN.test(reference)) {
    const [major = '', minor] = reference.split('.');
    return latestVersion(versions, Number(major), minor === undefined ? undefined : Number(minor));
  }
  return versions.find((v) => v.tag === reference);
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_SHA = /^[0-9a-f]{4,63}$/i;

/**
 * `project.commit(ref)` with the documented precedence: a commit SHA (full, or an abbreviation
 * that names exactly one commit), then a tag, then a branch (local, else `origin`'s), then any
 * other revision git understands (`HEAD`, `main~1`).
 */
export async function resolveReference(repo: string, ref: string): Promise<string | undefined> {
  if (ref === '') return undefined;
  if (FULL_SHA.test(ref)) {
    // A full SHA names an object before any ref (git and Gitaly agree); peel tag objects. (No
    // separate existence check: when `cat-file -t` knows no such object, `rev-parse` finds none either.)
    const sha = await resolveRef(repo, ref);
    if (sha !== undefined) return sha;
  } else if (SHORT_SHA.test(ref)) {
    const commits = await commitsWithPrefix(repo, ref);
    if (commits.length === 1) return commits[0];
  }
  // Looked up together; the first that names a commit wins, in this order (as if one after another).
  const lookups = await Promise.allSettled(
    [`refs/tags/${ref}`, `refs/heads/${ref}`, `refs/remotes/origin/${ref}`, ref].map((rev) => resolveRef(repo, rev)),
  );
  for (const lookup of lookups) {
    if (lookup.status === 'rejected') throw lookup.reason;
    if (lookup.value !== undefined) return lookup.value;
  }
  return undefined;
}

export interface ResolvedVersion {
  /** The commit the component is read from (`component.sha`). */
  readonly sha: string;
  /** The matched catalog version (`component.version`), or null when the reference is not one. */
  readonly version: string | null;
  /** The text after `@` (`component.reference`). */
  readonly reference: string;
}

/**
 * Whether `reference` can select a catalog version at all: `~latest`, a shorthand (`1`, `1.2`), or
 * a name a semver tag can have (`versions.by_name` only knows the catalog's versions, which are
 * semver tags). Anything else (a SHA, a branch) never does, and the tags need not be listed for it.
 */
export const canSelectVersion = (reference: string): boolean =>
  reference === LATEST || SHORTHAND_SEMVER_PATTERN.test(reference) || SEMVER_TAG_PATTERN.test(reference);

/**
 * Resolves `reference` in `repo`. `undefined` when nothing matches: GitLab then answers
 * "Component '<address>' - content not found" (this repository is a catalog resource, so the
 * `~latest` / partial-version "invalid usage" errors do not apply). `versions` lists the catalog's
 * versions when they are needed (default: from the repository's tags).
 */
export async function resolveVersion(
  repo: string,
  reference: string,
  versions: () => Promise<readonly CatalogVersion[]> = () => listCatalogVersions(repo),
): Promise<ResolvedVersion | undefined> {
  const catalog = canSelectVersion(reference) ? findCatalogVersion(await versions(), reference) : undefined;
  if (catalog) return { sha: catalog.sha, version: catalog.version, reference };
  const sha = await resolveReference(repo, reference);
  return sha === undefined ? undefined : { sha, version: null, reference };
}

/**
 * The catalog's versions ordered for "did you mean". A reference that starts like a version stands
 * for the versions it could mean (`1` for 1.x.y, `1.9` for 1.9.y, `1.2.7` for itself); versions are
 * ordered by how far they lie from that span on the version line. Any other reference orders them
 * by how the tag names are spelt. Equally near versions come highest first.
 */
export function nearestVersions(versions: readonly CatalogVersion[], reference: string): CatalogVersion[] {
  const highestFirst = (a: CatalogVersion, b: CatalogVersion) => rcompareSemver(plainOf(a), plainOf(b)) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
  const sorted = [...versions].sort(highestFirst);
  const numeric = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(reference);
  if (!numeric) {
    const order = byNearness(reference, sorted.map((v) => v.tag));
    return order.map((tag) => sorted.find((v) => v.tag === tag) as CatalogVersion);
  }
  const [major = 0, minor, patch] = [numeric[1], numeric[2], numeric[3]].map((part) => (part === undefined ? undefined : Number(part)));
  const low = position(major, minor ?? 0, patch ?? 0);
  const high = position(major, minor ?? PART, patch ?? PART);
  const distance = (v: CatalogVersion) => {
    const at = position(v.major, v.minor, v.patch);
    return at < low ? low - at : at > high ? at - high : 0n;
  };
  return sorted
    .map((version, order) => ({ version, order, distance: distance(version) }))
    .sort((a, b) => (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : a.order - b.order))
    .map((entry) => entry.version);
}

/** A version's place on the version line (numbers beyond `PART` count as `PART`). */
const PART = 1_000_000n;
const position = (major: number, minor: number | bigint, patch: number | bigint): bigint => {
  const part = (n: number | bigint) => (BigInt(n) > PART ? PART : BigInt(n));
  return part(major) * PART * PART + part(minor) * PART + part(patch);
};

/** The version a release tag names, with its pre-release and without its prefix and build metadata. */
const plainOf = (v: CatalogVersion) => `${plain(v)}${v.prerelease === null ? '' : `-${v.prerelease}`}`;

// ---------------------------------------------------------------------------------------------
// Semver arithmetic for `catalog release` (this module is node-semver's one importer).

/** Semver precedence of two plain versions (`1.2.0-rc.1`, no prefix): negative, 0 or positive. */
export const compareVersions = (a: string, b: string): number => compareSemver(a, b);

/** A plain version's core and pre-release as node-semver reads it; `undefined` when it is not semver. */
export function parseVersion(version: string): { readonly core: string; readonly prerelease: readonly (string | number)[] } | undefined {
  const parsed = parseSemver(version);
  return parsed === null ? undefined : { core: `${parsed.major}.${parsed.minor}.${parsed.patch}`, prerelease: parsed.prerelease };
}

export type IncrementKind = 'major' | 'minor' | 'patch' | 'premajor' | 'preminor' | 'prepatch' | 'prerelease';

/**
 * node-semver's `inc`: `1.2.3` + minor = `1.3.0`; a pre-release is completed by the kind it is a
 * pre-release of (`1.3.0-rc.1` + minor = `1.3.0`); `pre<kind>` starts `<id>.0`, `prerelease`
 * counts on (`1.3.0-rc.1` -> `1.3.0-rc.2`).
 */
export function incrementVersion(version: string, kind: IncrementKind, preId?: string | undefined): string {
  const next = incSemver(version, kind, {}, preId, '0');
  if (next === null) throw new TypeError(`cannot increment ${JSON.stringify(version)} by ${kind}`);
  return next;
}
