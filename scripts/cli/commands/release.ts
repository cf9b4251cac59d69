/**
 * `catalog release [patch|minor|major|<x.y.z>|--from-commits] [--pre <id>] [--dry-run] [--push]`
 * and `catalog release check-tag <tag> [--notes <file>]`.
 *
 * `release` checks that HEAD can be published to GitLab's CI/CD Catalog, computes the version
 * (scripts/catalog/release/next-version.ts), writes its CHANGELOG.md section, commits it
 * (`chore(release): <tag>`) and creates the annotated tag; it prints the `git push` that publishes
 * both, or runs it with `--push`. `--dry-run` prints the same plan and changes nothing. Refusals,
 * each saying what to do, exit 1: the quick ones (work tree, description, README, components,
 * version) are reported together; `catalog validate`, `catalog lint`, `catalog docs --check` and
 * `catalog build --check` run only once those pass.
 *
 * `check-tag` is the tag pipeline's gate: GitLab's semver rule for the tag, README.md and the
 * components at the tag's commit, and the tag's CHANGELOG section, which `--notes` writes to a
 * file for the release job's `description`.
 */
import path from 'node:path';
import { GitError, UsageError } from '../../core/errors.js';
import { writeAtomically } from '../../core/files.js';
import {
  commitDay,
  commitIndex,
  commitsBetween,
  createAnnotatedTag,
  currentBranch,
  listTags,
  pushArguments,
  pushBranchAndTag,
  remoteUrl,
  repoRoot,
  resolveRef,
  showFile,
  stagePaths,
  workTreeChanges,
} from '../../core/git.js';
import { shellescape } from '../../gitlab/ruby/shellwords.js';
import { catalogVersions, SEMVER_TAG_PATTERN } from '../../gitlab/includes/versions.js';
import { CHANGELOG_FILE, changelogSection, insertSection, sectionFor, unreleasedNotes } from '../../catalog/release/changelog.js';
import { loadReleaseConfig, RELEASE_CONFIG_FILE } from '../../catalog/release/config.js';
import { changeLevel, parseConventionalCommit, type ConventionalCommit } from '../../catalog/release/conventional-commit.js';
import { highestVersion, nextVersion, type Part, type VersionRequest } from '../../catalog/release/next-version.js';
import { checkPublishable, NO_DESCRIPTION } from '../../catalog/release/publishable.js';
import type { ExitCode, Io } from '../io.js';
import { runCatalogChecks } from './catalog-checks.js';

export interface ReleaseArgs {
  /** `patch`, `minor`, `major`, `<x.y.z>`, or `check-tag`. */
  readonly version?: string | undefined;
  /** check-tag's tag. */
  readonly tag?: string | undefined;
  readonly fromCommits?: boolean | undefined;
  readonly pre?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly push?: boolean | undefined;
  readonly notes?: string | undefined;
}

const CHECK_TAG = 'check-tag';
const PARTS: readonly string[] = ['major', 'minor', 'patch'];
const REMOTE = 'origin';
/** A pre-release identifier that starts a counter (`rc` -> `rc.0`): a letter, then letters, digits, `-`. */
const PRE_ID = /^[A-Za-z][0-9A-Za-z-]*$/;

export async function runRelease(args: ReleaseArgs, io: Io): Promise<ExitCode> {
  if (args.version === CHECK_TAG) return runCheckTag(args, io);
  const request = versionRequest(args);
  const repo = await repoRoot(io.cwd);
  const refuse = (refusals: readonly string[]): ExitCode => {
    for (const refusal of refusals) io.stderr(`catalog release: ${refusal}\n`);
    return 1;
  };

  // The quick refusals, reported together.
  const refusals: string[] = [];
  const [config, changes, branch, tags, publishable] = await Promise.all([
    loadReleaseConfig(repo),
    workTreeChanges(repo),
    currentBranch(repo),
    listTags(repo),
    checkPublishable(repo, 'HEAD'),
  ]);
  if (changes.length > 0) {
    const shown = changes.slice(0, 3).map((line) => line.slice(3)).join(', ');
    refusals.push(`the work tree has uncommitted changes (${changes.length}: ${shown}${changes.length > 3 ? ', …' : ''}): commit or stash them, then release`);
  }
  if (branch === undefined) refusals.push('HEAD is detached: check out the branch to release from (the release commit goes onto it)');
  if (config.description === '') {
    refusals.push(`${NO_DESCRIPTION}: set "catalog.release.description" in ${RELEASE_CONFIG_FILE} to the GitLab project's description (Settings > General), which GitLab requires to publish`);
  }
  refusals.push(...publishable.refusals);
  if (args.push && (await remoteUrl(repo, REMOTE)) === undefined) refusals.push(`--push: there is no "${REMOTE}" remote: add it (git remote add ${REMOTE} <url>) or release without --push`);
  const previous = highestVersion(catalogVersions(tags));
  const commits = conventionalCommits(await commitsBetween(repo, previous === undefined ? undefined : `refs/tags/${previous.tag}`));
  const next = nextVersion(tags, request.kind === 'commits' ? { kind: 'commits', level: changeLevel(commits) } : request, args.pre);
  if (!next.ok) refusals.push(next.refusal);
  if (refusals.length > 0 || !next.ok || branch === undefined) return refuse(refusals);

  // The catalog's own checks, in this repository.
  const checks = await runCatalogChecks(repo, io);
  if (checks.kind === 'operational') {
    io.stderr(checks.output);
    return 2;
  }
  if (checks.failures.length > 0) return refuse(checks.failures.map(({ name, output }) => `${name} reports problems; fix them (run ${name}), then release:\n${output}`));

  const tag = `${config.tagPrefix}${next.version}`;
  const changelogPath = path.join(repo, CHANGELOG_FILE);
  const current = await showFile(repo, 'HEAD', CHANGELOG_FILE);
  const section = changelogSection({
    tag,
    previousTag: next.previous?.tag,
    date: await commitDay(repo, 'HEAD'),
    commits,
    components: new Set(publishable.components),
    projectUrl: config.projectUrl,
    notes: unreleasedNotes(current),
  });
  const message = `chore(release): ${tag}`;
  const push = ['git', ...pushArguments(REMOTE, branch, tag)].map(shellescape).join(' ');
  const since = `${commits.length} conventional commit(s) ${previous === undefined ? 'in the history: the first release' : `since ${previous.tag}`}`;

  if (args.dryRun) {
    io.stdout(`catalog release: dry run, nothing written\n`);
    io.stdout(`would release ${tag} (${since})\n`);
    io.stdout(`would add to ${CHANGELOG_FILE}:\n\n${section}\n`);
    io.stdout(`would commit ${CHANGELOG_FILE} on ${branch}: ${message}\n`);
    io.stdout(`would create the annotated tag ${tag}\n`);
    io.stdout(args.push ? `would push: ${push}\n` : `then publish with: ${push}\n`);
    return 0;
  }

  await writeAtomically(changelogPath, insertSection(current, section), CHANGELOG_FILE);
  await stagePaths(repo, [CHANGELOG_FILE]);
  const sha = await commitIndex(repo, message);
  await createAnnotatedTag(repo, tag, `Release ${tag}`, sha);
  io.stdout(`released ${tag} (${since}): ${CHANGELOG_FILE} committed on ${branch} (${sha.slice(0, 8)}), annotated tag ${tag} created\n`);
  if (!args.push) {
    io.stdout(`publish it (the tag pipeline creates the GitLab release) with:\n  ${push}\n`);
    return 0;
  }
  await pushBranchAndTag(repo, REMOTE, branch, tag);
  io.stdout(`pushed ${branch} and ${tag} to ${REMOTE}: the tag pipeline creates the GitLab release\n`);
  return 0;
}

/** What the command line asks for; a contradiction is a usage error (exit 2). */
function versionRequest(args: ReleaseArgs): VersionRequest {
  if (args.tag !== undefined) throw new UsageError(`release: unexpected argument '${args.tag}' (only check-tag takes a second argument)`);
  if (args.notes !== undefined) throw new UsageError('release: --notes belongs to check-tag');
  if (args.version !== undefined && args.fromCommits) throw new UsageError('release: give either the version (patch|minor|major|<x.y.z>) or --from-commits, not both');
  if (args.pre !== undefined && !PRE_ID.test(args.pre)) throw new UsageError(`--pre ${args.pre}: a pre-release id is a letter, then letters, digits or "-" (e.g. rc, beta)`);
  if (args.fromCommits) return { kind: 'commits', level: 'none' };
  if (args.version === undefined) throw new UsageError('release: name the version (catalog release patch|minor|major|<x.y.z>) or pass --from-commits');
  if (PARTS.includes(args.version)) return { kind: 'part', part: args.version as Part };
  if (args.pre !== undefined) throw new UsageError('release: --pre goes with patch, minor, major or --from-commits; an explicit version carries its own pre-release (1.2.0-rc.0)');
  return { kind: 'explicit', version: args.version };
}

function conventionalCommits(log: readonly { readonly sha: string; readonly message: string }[]): ConventionalCommit[] {
  // Oldest first, as a CHANGELOG reads.
  return [...log].reverse().flatMap((entry) => parseConventionalCommit(entry.sha, entry.message) ?? []);
}

async function runCheckTag(args: ReleaseArgs, io: Io): Promise<ExitCode> {
  const tag = args.tag;
  if (tag === undefined) throw new UsageError('release check-tag: name the tag (in a tag pipeline: "$CI_COMMIT_TAG")');
  if (args.fromCommits || args.pre !== undefined || args.dryRun || args.push) throw new UsageError('release check-tag: takes only the tag and --notes <file>');
  const repo = await repoRoot(io.cwd);
  const refusals: string[] = [];
  if (!SEMVER_TAG_PATTERN.test(tag)) {
    // GitLab refuses the version whatever the commit holds: nothing else to check.
    io.stderr(`catalog release check-tag: ${tag}: must follow semantic version: GitLab's catalog publishes only tags like 1.2.3, v1.2.3 or 1.3.0-rc.0; tag the release with catalog release\n`);
    return 1;
  }
  const sha = await resolveRef(repo, `refs/tags/${tag}`);
  if (sha === undefined) throw new GitError(`release check-tag: no tag ${tag} in this repository: fetch it (git fetch ${REMOTE} tag ${tag})`);
  const publishable = await checkPublishable(repo, sha);
  refusals.push(...publishable.refusals.map((refusal) => `${tag}: ${refusal}`));
  const changelog = await showFile(repo, sha, CHANGELOG_FILE);
  const section = changelog === undefined ? undefined : sectionFor(changelog, tag);
  if (changelog === undefined) refusals.push(`${tag}: ${CHANGELOG_FILE} is missing at the tag's commit: release with catalog release, which writes it`);
  else if (section === undefined) refusals.push(`${tag}: ${CHANGELOG_FILE} has no "## ${tag}" section at the tag's commit: release with catalog release, which writes it`);
  if (refusals.length > 0) {
    for (const refusal of refusals) io.stderr(`catalog release check-tag: ${refusal}\n`);
    return 1;
  }
  if (args.notes !== undefined && section !== undefined) await writeAtomically(path.resolve(io.cwd, args.notes), section, args.notes);
  io.stdout(`${tag}: publishable: ${publishable.components.length} component(s), README.md, the ${CHANGELOG_FILE} section${args.notes === undefined ? '' : ` (written to ${args.notes})`}\n`);
  return 0;
}
