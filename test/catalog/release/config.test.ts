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
    expect(parseReleaseConfig(text)).toEqual({ description: 'Builds', tagPrefix: 'v', projectUrl: 'https://gitlab.com/g/c' });
  });

  it.each([
    ['{"catalog": {"release": "yes"}}', 'package.json:1:25: "catalog.release" must be an object with "description", "tag-prefix", "project-url"'],
    ['{"catalog": {"release": {"prefix": "v"}}}', 'package.json:1:26: unknown key "prefix" in "catalog.release": expected one of "description", "tag-prefix", "project-url"'],
    ['{"catalog": {"release": {"tag-prefix": "release-"}}}', 'package.json:1:40: "catalog.release.tag-prefix" must be "" or "v": GitLab\'s catalog only publishes tags like 1.2.3 or v1.2.3'],
    ['{"catalog": {"release": {"description": 3}}}', 'package.json:1:41: "catalog.release.description" must be a string'],
    ['{"catalog": {"release": {"project-url": "gitlab.com/g/c"}}}', 'package.json:1:41: "catalog.release.project-url" must be the project\'s web address, e.g. https://gitlab.com/group/catalog'],
  ])('%s', (text, message) => {
    expect(() => parseReleaseConfig(text)).toThrow(message);
  });
});
