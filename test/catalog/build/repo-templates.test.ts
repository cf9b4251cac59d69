/**
 * The catalog's own templates/ is what its sources build: what `catalog build --check` checks in
 * .ci/run. When a file under components/ changes, run `catalog build` and commit templates/ with it.
 */
import { describe, expect, it } from 'vitest';
import { runBuild } from '../../../scripts/cli/commands/build.js';
import type { Io } from '../../../scripts/cli/io.js';
import { REPO_ROOT } from '../../helpers/cli.js';

describe('templates/ of this catalog', () => {
  it('is built from components/ and current (catalog build --check)', async () => {
    let stdout = '';
    let stderr = '';
    const io: Io = { cwd: REPO_ROOT, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' };
    const code = await runBuild({ check: true }, io);
    expect({ code, stderr }, `${stderr}run \`catalog build\` (node dist/scripts/cli/main.js build) and commit templates/`).toEqual({ code: 0, stderr: '' });
    // Every component GitLab reads is built: none is hand-edited shell in YAML.
    expect(stdout.split('\n').filter(Boolean).map((line) => line.split(':')[0])).toEqual([
      'templates/buildx-ecr.yml',
      'templates/ecr-login.yml',
      'templates/manifest-merge.yml',
      'templates/podman-arch-build.yml',
    ]);
  });
});
