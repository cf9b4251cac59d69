/** The `catalog.release` section of package.json: defaults, values, and malformed sections with their place. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RELEASE_CONFIG, parseReleaseConfig } from '../../../scripts/catalog/release/config.js';

describe('parseReleaseConfig', () => {
  it('gives the defaults without a catalog.release section', () => {
    expect(parseReleaseConfig('{"name": "x"}\n')).toEqual(DEFAULT_RELEASE_CONFIG);
    expect(parseReleaseConfig('{"catalog": {"lint": {}}}\n')).toEqual(DEFAULT_RELEASE_CONFIG);
  });

  it('reads the description, the tag prefix and the project URL (without a trailing slash)', () => {
    const text = '{"catalog": {"release": {"description": " Builds ", "tag-prefix": "v", "project-url": "https://gitlab.com/g/c/"}}}\n';
    expect(parseReleaseConfig(text)).toEqual({ description: 'Builds', tagPrefix: 'v', projectUrl: 'https://gitlab.com/g/c', serverBasePath: '' });
  });

  it('reads the server base path of an instance under a relative URL (without a trailing slash)', () => {
    const text = '{"catalog": {"release": {"project-url": "https://example.com/gitlab/g/c", "server-base-path": "/gitlab/"}}}\n';
    expect(parseReleaseConfig(text)).toMatchObject({ projectUrl: 'https://example.com/gitlab/g/c', serverBasePath: '/gitlab' });
  });

  it.each([
    ['{"catalog": {"release": "yes"}}', 'package.json:1:25: "catalog.release" must be an object with "description", "tag-prefix", "project-url", "server-base-path"'],
    ['{"catalog": {"release": {"prefix": "v"}}}', 'package.json:1:26: unknown key "prefix" in "catalog.release": expected one of "description", "tag-prefix", "project-url", "server-base-path"'],
    ['{"catalog": {"release": {"tag-prefix": "release-"}}}', 'package.json:1:40: "catalog.release.tag-prefix" must be "" or "v": GitLab\'s catalog only publishes tags like 1.2.3 or v1.2.3'],
    ['{"catalog": {"release": {"description": 3}}}', 'package.json:1:41: "catalog.release.description" must be a string'],
    ['{"catalog": {"release": {"project-url": "gitlab.com/g/c"}}}', 'package.json:1:41: "catalog.release.project-url" must be the project\'s web address, e.g. https://gitlab.com/group/catalog'],
    ['{"catalog": {"release": {"server-base-path": "gitlab"}}}', 'package.json:1:46: "catalog.release.server-base-path" must be the path GitLab is installed under, e.g. /gitlab, or ""'],
    [
      '{"catalog": {"release": {"project-url": "https://example.com/tools/g/c", "server-base-path": "/gitlab"}}}',
      'package.json:1:94: "catalog.release.server-base-path" /gitlab is not where the path of "catalog.release.project-url" starts (https://example.com/tools/g/c)',
    ],
  ])('%s', (text, message) => {
    expect(() => parseReleaseConfig(text)).toThrow(message);
  });
});
