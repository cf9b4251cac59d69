/**
 * The fake GitLab project gitlab-ci-local runs in outside an integration environment: the parity
 * tests (test/parity) and the bench (harness/bench) copy a fixture catalog into a scratch git
 * repository whose `origin` names the fake project, and run `gitlab-ci-local --preview` and
 * `catalog render` there. Every git call of theirs ignores the machine's git configuration, commits
 * with a fixed identity and date, and never leaves this machine (offlineGitEnv).
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addRemote, commitStaged, initRepository, stageAll } from '../../scripts/core/git.js';
import { CONFINED_GIT_ENV, gitlabCiLocalEnv } from './gitlab-ci-local-run.js';

export const FAKE_SERVER_FQDN = 'gitlab.example.com';
export const FAKE_PROJECT_PATH = 'acme/catalog';
/**
 * The `origin` URL given to the scratch repositories. gitlab-ci-local derives the project path from it
 * (`GitData.initRemoteData`: `https://host/<group>/<project>`, `.git` optional), so components addressed as
 * `<any host>/acme/catalog/<name>@<HEAD sha>` count as local. It deliberately has no `.git` suffix: git
 * applies `url.*.insteadOf` to `git remote get-url` too, and the rewrites of offlineGitEnv must not touch it.
 */
export const FAKE_ORIGIN_URL = `https://${FAKE_SERVER_FQDN}/${FAKE_PROJECT_PATH}`;

/** Git confined to this machine (CONFINED_GIT_ENV) with a fixed identity and date: the same commit SHAs on every run. */
export function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...CONFINED_GIT_ENV,
    GIT_AUTHOR_NAME: 'Parity Test',
    GIT_AUTHOR_EMAIL: 'parity@example.com',
    GIT_COMMITTER_NAME: 'Parity Test',
    GIT_COMMITTER_EMAIL: 'parity@example.com',
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  };
}

/**
 * Git configuration (as GIT_CONFIG_COUNT/KEY/VALUE env) that keeps every git call of gitlab-ci-local on this
 * machine: only the `file` transport is allowed (`GIT_ALLOW_PROTOCOL=file`: https/ssh are refused before any
 * connection or DNS lookup), and the two URLs gitlab-ci-local builds for a *remote* component
 * (`ParserIncludes.getGitRemoteInfo`: `https://<fqdn>:443/<project>.git` for `git ls-remote`;
 * `remoteProjectUrl`: `https://<host>/<project>.git` for `git clone`) are rewritten to `remoteDir`, a local
 * repository standing in for the GitLab project.
 */
export function offlineGitEnv(remoteDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_ALLOW_PROTOCOL: 'file' };
  if (remoteDir === undefined) return { ...env, GIT_CONFIG_COUNT: '0' };
  const target = `file://${path.resolve(remoteDir)}/.git`;
  const urls = [
    `https://${FAKE_SERVER_FQDN}/${FAKE_PROJECT_PATH}.git`,
    `https://${FAKE_SERVER_FQDN}:443/${FAKE_PROJECT_PATH}.git`,
  ];
  urls.forEach((url, i) => {
    env[`GIT_CONFIG_KEY_${i}`] = `url.${target}.insteadOf`;
    env[`GIT_CONFIG_VALUE_${i}`] = url;
  });
  env['GIT_CONFIG_COUNT'] = String(urls.length);
  return env;
}

/**
 * The environment gitlab-ci-local runs with here: this process's, minus everything gitlab-ci-local would
 * read as configuration (`GCL_*` become CLI options, `GCL_VARIABLE_*` pipeline variables), made up as in
 * an integration environment (gitlabCiLocalEnv: colours off, HOME `home`, git confined) and with gitEnv's
 * identity.
 */
export function gclEnv(home: string): NodeJS.ProcessEnv {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GCL_') && value !== undefined) own[key] = value;
  }
  return { ...gitlabCiLocalEnv(own, home), ...gitEnv() };
}

/**
 * Copies `fixtureDir` into a fresh temporary directory, makes it a git repository on branch `main` with one
 * commit, and sets `origin` to FAKE_ORIGIN_URL. Returns the directory and the HEAD sha.
 */
export async function makeRepo(fixtureDir: string, prefix = 'parity-'): Promise<{ dir: string; sha: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(fixtureDir, dir, { recursive: true });
  const env = { ...gitEnv(), ...offlineGitEnv() };
  await initRepository(dir, 'main', env);
  await stageAll(dir, env);
  const sha = await commitStaged(dir, 'fixture', undefined, env);
  await addRemote(dir, 'origin', FAKE_ORIGIN_URL, env);
  return { dir, sha };
}
