/**
 * What a consumer of the catalog has: a catalog repository (this catalog's real templates) with
 * released tags 1.0.0, 1.1.0 and 1.2.0 and the pre-release 1.3.0-rc.1, and an application
 * repository whose `.catalog.yml` maps `gitlab.com/acme/ci-catalog` to the catalog's `file://` URL
 * (cloned into the test run's cache, as a user's would be into theirs). Removed after the test file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './cli.js';
import { createRepo, type FixtureRepo } from './fixture-repo.js';

export const CATALOG_PROJECT = 'acme/ci-catalog';
export const RELEASES = ['1.0.0', '1.1.0', '1.2.0', '1.3.0-rc.1'] as const;

/** A pipeline that includes ecr-login and buildx-ecr as the README's quick start does, and a job of its own. */
export const CLEAN_PIPELINE = [
  'stages: [build, test]',
  '',
  'include:',
  `  - component: $CI_SERVER_FQDN/${CATALOG_PROJECT}/ecr-login@1`,
  '    inputs:',
  '      aws-role-arn: arn:aws:iam::123456789012:role/gitlab-ecr-push',
  '      aws-region: eu-west-1',
  "      registries: '123456789012'",
  `  - component: $CI_SERVER_FQDN/${CATALOG_PROJECT}/buildx-ecr@1`,
  '    inputs:',
  '      image-name: my-app',
  '',
  'unit-tests:',
  '  stage: test',
  '  image: alpine:3.20',
  '  needs: [buildx-ecr]',
  '  script:',
  '    - echo ok',
  '',
].join('\n');

export interface ConsumerFixture {
  readonly catalog: FixtureRepo;
  readonly app: FixtureRepo;
  /** The catalog's `file://` URL, as `.catalog.yml` names it. */
  readonly url: string;
  /** The commit of each tag. */
  readonly commits: Readonly<Record<string, string>>;
  cleanup(): Promise<void>;
}

/** The templates of this repository, as a catalog release ships them. */
function catalogFiles(): Record<string, string> {
  const files: Record<string, string> = { 'README.md': '# ci-catalog\n' };
  for (const name of readdirSync(path.join(REPO_ROOT, 'templates'))) {
    files[`templates/${name}`] = readFileSync(path.join(REPO_ROOT, 'templates', name), 'utf8');
  }
  return files;
}

export async function createConsumerFixture(): Promise<ConsumerFixture> {
  const catalog = await createRepo('catalog-consumer-catalog-');
  const commits: Record<string, string> = {};
  for (const [name, text] of Object.entries(catalogFiles())) await catalog.write(name, text);
  for (const tag of RELEASES) {
    await catalog.write('CHANGELOG.md', `${tag}\n`);
    commits[tag] = await catalog.commit(`release ${tag}`);
    catalog.git('tag', '-a', tag, '-m', tag);
  }
  const url = pathToFileURL(catalog.dir).href;
  const app = await createRepo('catalog-consumer-app-');
  app.git('remote', 'add', 'origin', 'git@gitlab.com:acme/my-app.git');
  await app.write('.catalog.yml', `sources:\n  gitlab.com/${CATALOG_PROJECT}: ${url}\n`);
  await app.write('.gitlab-ci.yml', CLEAN_PIPELINE);
  await app.commit('pipeline');
  return {
    catalog,
    app,
    url,
    commits,
    async cleanup() {
      await Promise.all([catalog.cleanup(), app.cleanup()]);
    },
  };
}
