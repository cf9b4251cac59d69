/**
 * The catalog's own README.md is current: what `catalog docs --check` checks in CI (house style
 * §6, OpenTofu's `check-readme`). When a component's spec changes, run `catalog docs` and commit
 * the README with it.
 */
import { describe, expect, it } from 'vitest';
import { runDocs } from '../../../scripts/cli/commands/docs.js';
import type { Io } from '../../../scripts/cli/io.js';
import { REPO_ROOT } from '../../helpers/cli.js';

describe('README.md of this catalog', () => {
  it('has a current generated section for every component (catalog docs --check)', async () => {
    let stdout = '';
    let stderr = '';
    const io: Io = { cwd: REPO_ROOT, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' };
    const code = await runDocs({ check: true }, io);
    expect({ code, stderr }, `${stderr}run \`catalog docs\` (node dist/scripts/cli/main.js docs) and commit README.md`).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^README\.md: \d+ component section\(s\) up to date\n$/);
  });
});
