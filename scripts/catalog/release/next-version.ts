/**
 * The version `catalog release` publishes next, from the catalog's semver tags (GitLab's
 * `SemVer.optional_prefixed`: `1.2.3` or `v1.2.3`, pre-releases included) and what was asked:
 *
 * - `patch` | `minor` | `major`: that part of the highest release without a pre-release goes up
 *   (none yet: from 0.0.0). A pre-release of the result is completed (1.3.0-rc.2, then `minor`:
 *   1.3.0).
 * - `--from-commits`: the part the conventional commits since the highest tag ask for. From 1.0.0
 *   on, a breaking change bumps major, a feature minor, a fix (or perf) patch. In 0.x the public
 *   interface is not yet stable (semver §4), so a breaking change bumps minor, as a feature does,
 *   and a fix patch; 0.x is left only by asking for it (`major` or `1.0.0`), never by a commit.
 *   No feat, fix, perf or breaking commit: nothing to release (refused).
 * - `<x.y.z>`: that version, as given.
 * - `--pre <id>` with a part: a pre-release of the version the part gives (1.2.0 + minor
 *   `--pre rc`: 1.3.0-rc.0); when the highest tag is already such a pre-release with that id, its
 *   number goes up (1.3.0-rc.0 -> 1.3.0-rc.1).
 *
 * Whatever was asked, the version must be greater (semver precedence) than every semver tag.
 */
import type { Tag } from '../../core/git.js';
import { catalogVersions, compareVersions, incrementVersion, parseVersion, SEMVER_TAG_PATTERN, type CatalogVersion } from '../../gitlab/includes/versions.js';
import type { ChangeLevel } from './conventional-commit.js';

export type Part = 'major' | 'minor' | 'patch';

export type VersionRequest =
  | { readonly kind: 'part'; readonly part: Part }
  | { readonly kind: 'commits'; readonly level: ChangeLevel }
  | { readonly kind: 'explicit'; readonly version: string };

export type NextVersion =
  | { readonly ok: true; readonly version: string; readonly previous: CatalogVersion | undefined }
  | { readonly ok: false; readonly refusal: string };

/** The version a tag names, without its `v` and build metadata (what precedence compares). */
export const plainVersion = (v: CatalogVersion): string => `${v.major}.${v.minor}.${v.patch}${v.prerelease === null ? '' : `-${v.prerelease}`}`;

/** The highest semver tag (pre-releases included), the one the next version must exceed. */
export function highestVersion(versions: readonly CatalogVersion[]): CatalogVersion | undefined {
  return [...versions].sort((a, b) => compareVersions(plainVersion(b), plainVersion(a)) || (a.tag < b.tag ? -1 : 1))[0];
}

/** The part a set of commits asks for (see the header for 0.x), or undefined when none. */
export function partForCommits(level: ChangeLevel, baseMajor: number): Part | undefined {
  switch (level) {
    case 'breaking':
      return baseMajor === 0 ? 'minor' : 'major';
    case 'feature':
      return 'minor';
    case 'fix':
      return 'patch';
    case 'none':
      return undefined;
  }
}

export function nextVersion(tags: readonly Tag[], request: VersionRequest, preId?: string | undefined): NextVersion {
  const versions = catalogVersions(tags);
  const highest = highestVersion(versions);
  const stable = highestVersion(versions.filter((v) => v.prerelease === null));
  const base = stable ? plainVersion(stable) : '0.0.0';
  let version: string;
  if (request.kind === 'explicit') {
    const given = request.version.replace(/^v/, '');
    if (!SEMVER_TAG_PATTERN.test(given) || parseVersion(given) === undefined) {
      return { ok: false, refusal: `${request.version}: must follow semantic version: give the version as <major>.<minor>.<patch>, e.g. 1.4.0 or 2.0.0-rc.0` };
    }
    version = given.replace(/\+.*$/, '');
  } else {
    const part = request.kind === 'part' ? request.part : partForCommits(request.level, stable?.major ?? 0);
    if (part === undefined) {
      const since = highest ? `since ${highest.tag}` : 'in the history';
      return {
        ok: false,
        refusal: `no feat, fix, perf or breaking-change commit ${since}: nothing calls for a release; name the part to release anyway (catalog release patch|minor|major)`,
      };
    }
    const target = incrementVersion(base, part);
    if (preId === undefined) version = target;
    else {
      const current = highest?.prerelease === null || highest === undefined ? undefined : parseVersion(plainVersion(highest));
      version =
        current && current.core === target && current.prerelease[0] === preId
          ? incrementVersion(plainVersion(highest as CatalogVersion), 'prerelease', preId)
          : `${target}-${preId}.0`;
    }
  }
  if (highest && compareVersions(version, plainVersion(highest)) <= 0) {
    return {
      ok: false,
      refusal: `${version} is not greater than the highest semver tag, ${highest.tag}: choose a higher version (catalog release patch|minor|major, or <x.y.z> above ${plainVersion(highest)})`,
    };
  }
  return { ok: true, version, previous: highest };
}
