/**
 * A reader that stops early (`catalog interpolate big.yml | head -c 100`) closes the pipe; the next
 * write fails with EPIPE. A Unix tool ends quietly then: no stack trace, no error line, and the
 * command's own exit code (`set -o pipefail` shows it). What a run prints on standard error before
 * it writes (render's `c@main → <sha>` line for each include, README "For consumers") is no error
 * and stays.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, tempTree } from '../helpers/cli.js';
import { createRepo } from '../helpers/fixture-repo.js';

/** About a megabyte of output: far more than a pipe holds, so the writer is still writing when head exits. */
const BIG_COMPONENT = `spec:\n  inputs:\n    x:\n      default: hello\n---\njob:\n  script:\n${Array.from({ length: 500 }, () => `    - echo $[[ inputs.x ]] ${'y'.repeat(2000)}\n`).join('')}`;

function throughHead(args: readonly string[], cwd: string): { stderr: string; pipeline: string } {
  const quoted = [process.execPath, CLI, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('bash', ['-c', `set -o pipefail; ${quoted} 2>stderr.txt | head -c 100 >/dev/null; echo "$?"; cat stderr.txt`], { cwd, encoding: 'utf8' });
  const [status = '', ...stderr] = result.stdout.split('\n');
  return { pipeline: status, stderr: stderr.join('\n') };
}

describe('a closed standard output', () => {
  it('catalog interpolate | head ends quietly with its exit code', () => {
    const dir = tempTree({ 'big.yml': BIG_COMPONENT });
    const result = throughHead(['interpolate', 'big.yml'], dir);
    expect(result.stderr).toBe('');
    expect(result.pipeline).toBe('0');
  });

  it('catalog render | head ends quietly with its exit code', async () => {
    const repo = await createRepo('catalog-epipe-');
    try {
      await repo.write('templates/c.yml', BIG_COMPONENT);
      const sha = await repo.commit('component');
      await repo.write('pipeline.yml', 'include:\n  - component: gitlab.com/group/catalog/c@main\n');
      const result = throughHead(['render', 'pipeline.yml', '--project-path', 'group/catalog'], repo.dir);
      // The include's resolution, and nothing after it.
      expect(result.stderr).toBe(`c@main → ${sha.slice(0, 7)}\n`);
      expect(result.pipeline).toBe('0');
    } finally {
      await repo.cleanup();
    }
  });
});
