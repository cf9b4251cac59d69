/**
 * parseProgress: what gitlab-ci-local's progress lines (colours off) say per job: the image it
 * started the job in, the services it started and the job's wall time. The lines are those of a
 * real docker-executor run (test/integration/job-containers.test.ts), names padded as it pads them.
 */
import { describe, expect, it } from 'vitest';
import { parseProgress } from '../../harness/integration/gitlab-ci-local-run.js';

describe('parseProgress', () => {
  it('reads image, services and wall time per job, for passed and failed jobs, and ignores other jobs and shell jobs', () => {
    const stdout = [
      'build-multiarch starting docker:29.5.2-cli (build)',
      'build-multiarch started service image: registry:3.0.0 with aliases: registry in 409 ms',
      'build-multiarch started service image: docker:29.5.2-dind with aliases: docker in 447 ms',
      'build-multiarch > started service image: fake:1 with aliases: x in 1 ms',
      'build-multiarch finished in 11 s',
      'check-index     starting docker:29.5.2-cli (check)',
      'check-index     finished in 1.79 s  FAIL 1 ',
      'lint            starting shell (test)',
      'lint            finished in 850 ms',
      'slow            finished in 1.5 min',
      'not-listed      starting docker:29.5.2-cli (check)',
    ].join('\n');
    const progress = parseProgress(stdout, ['build-multiarch', 'check-index', 'lint', 'slow', 'never-started']);
    expect(Object.fromEntries(progress)).toEqual({
      'build-multiarch': { image: 'docker:29.5.2-cli', services: ['registry:3.0.0 (registry)', 'docker:29.5.2-dind (docker)'], durationMs: 11_000 },
      'check-index': { image: 'docker:29.5.2-cli', services: [], durationMs: 1790 },
      lint: { services: [], durationMs: 850 },
      slow: { services: [], durationMs: 90_000 },
      'never-started': { services: [] },
    });
  });
});
