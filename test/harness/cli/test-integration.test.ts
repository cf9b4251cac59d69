import { describe, expect, it } from 'vitest';
import { indexTable } from '../../../harness/cli/test-integration.js';

describe('test-integration output', () => {
  it('prints one row per platform with its digest and what it printed for uname -m', () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const text = indexTable({
      imageRef: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@${digest('f')}`,
      platforms: [
        { platform: 'linux/amd64', digest: digest('a') },
        { platform: 'linux/arm64', digest: digest('b') },
      ],
      unames: { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64' },
      registryDigest: digest('f'),
      latestDigest: digest('f'),
    });
    expect(text.split('\n')).toEqual([
      `image index 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@${digest('f')}`,
      `| platform    | digest${' '.repeat(65)} | uname -m |`,
      `| ----------- | ${'-'.repeat(71)} | -------- |`,
      `| linux/amd64 | ${digest('a')} | x86_64   |`,
      `| linux/arm64 | ${digest('b')} | aarch64  |`,
      'latest: same index',
      '',
    ]);
  });
});
