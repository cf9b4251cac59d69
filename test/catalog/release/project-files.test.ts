/**
 * The project's own CHANGELOG.md is in the format `catalog release` writes (its preamble, an
 * `## Unreleased` section it can move into the first version), and LICENSE is the MIT licence.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANGELOG_PREAMBLE, insertSection, unreleasedNotes, UNRELEASED } from '../../../scripts/catalog/release/changelog.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('project files', () => {
  it('CHANGELOG.md starts with the release tool\'s preamble and an Unreleased section whose notes the first release takes', () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog.startsWith(`${CHANGELOG_PREAMBLE}\n${UNRELEASED}\n`)).toBe(true);
    const notes = unreleasedNotes(changelog);
    expect(notes).toMatch(/^The first release/);
    const released = insertSection(changelog, `## 1.0.0 - d\n\n${notes}\n`);
    expect(unreleasedNotes(released)).toBeUndefined();
    expect(released).toBe(`${CHANGELOG_PREAMBLE}\n${UNRELEASED}\n\n## 1.0.0 - d\n\n${notes}\n`);
  });

  it('LICENSE is MIT, as package.json says', () => {
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the multiarch-ci catalog authors\n/);
    expect((JSON.parse(read('package.json')) as { license?: string }).license).toBe('MIT');
  });
});
