// The property tests' guard: a case that runs away or throws fails alone, and the next case runs.
import { afterAll, describe, expect, it } from 'vitest';
import { BoundedWorker } from '../helpers/bounded-worker.js';

const worker = new BoundedWorker<string, string>(
  ['scripts/gitlab/ruby/shellwords.js'],
  `async ([shellwords], input) => {
    if (input === 'loop') for (;;) {}
    if (input === 'throw') throw new Error('thrown');
    return shellwords.shellescape(input);
  }`,
  1_000,
);
afterAll(() => worker.close());

describe('BoundedWorker', () => {
  it('answers, reports a throw as a crash, ends a runaway call as a timeout and goes on', async () => {
    expect(await worker.run("it's")).toEqual({ kind: 'done', value: "it\\'s" });
    expect(await worker.run('throw')).toMatchObject({ kind: 'crash', error: expect.stringContaining('thrown') });
    expect(await worker.run('loop')).toEqual({ kind: 'timeout' });
    expect(await worker.run('a b')).toEqual({ kind: 'done', value: 'a\\ b' });
  });
});
