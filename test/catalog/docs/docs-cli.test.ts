/** `catalog docs` through the built binary: registration, options and exit codes as users see them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, tempTree } from '../../helpers/cli.js';

const COMPONENT = 'spec:\n  inputs:\n    stage:\n      default: test\n      description: Stage.\n---\njob:\n  stage: $[[ inputs.stage ]]\n  script: [echo]\n';

describe('catalog docs (CLI)', () => {
  it('--check exits 1 on a missing section, docs writes it, then --check exits 0', () => {
    const dir = tempTree({ 'templates/a.yml': COMPONENT, 'README.md': '# Catalog\n' });
    expect(catalog(['docs', '--check'], { cwd: dir })).toEqual({ status: 1, stdout: '', stderr: 'README.md: section for "a" is missing; run catalog docs\n' });
    expect(catalog(['docs'], { cwd: dir })).toEqual({ status: 0, stdout: 'README.md: section for "a" added\n', stderr: '' });
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('| `stage` | string | `"test"` | | Stage. |');
    expect(catalog(['docs', '--check'], { cwd: dir })).toEqual({ status: 0, stdout: 'README.md: 1 component section(s) up to date\n', stderr: '' });
  });

  it('exits 1 with the diagnostics of an invalid header', () => {
    const dir = tempTree({ 'templates/a.yml': COMPONENT.replace('      default: test', '      type: date') });
    const result = catalog(['docs', '--check'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('templates/a.yml:4:13: header:spec:inputs:stage input type unknown value: date [header]\nREADME.md: section for "a" not generated: templates/a.yml has errors\n');
  });
});
