import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexTable, runTestIntegration, type TestIntegrationParts } from '../../../harness/cli/test-integration.js';
import type { Io } from '../../../scripts/cli/io.js';

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

describe('test-integration run', () => {
  it('prepares the host before the scenario starts, so that a fresh machine runs it (README main job: update-binfmts ENOENT)', async () => {
    const calls: string[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { cwd: '/nonexistent', stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), readStdin: async () => '' };
    const workDirs: string[] = [];
    const scenario = (name: string) => async (options: { workDir: string }) => {
      calls.push(name);
      workDirs.push(options.workDir);
      return { ok: true, output: `${name} ran\n` };
    };
    const parts: TestIntegrationParts = {
      prepareHost: async (log) => {
        calls.push('prepare host');
        log('docker.io, docker-buildx, qemu-user-static, binfmt-support: installed');
      },
      scenarios: { 'buildx-ecr': scenario('buildx-ecr'), 'podman-native': scenario('podman-native'), rebuild: scenario('rebuild') },
    };
    expect(await runTestIntegration({ scenario: 'rebuild' }, io, parts)).toBe(0);
    expect(calls).toEqual(['prepare host', 'rebuild']);
    // Its work directory is gone afterwards (kept only with --keep).
    expect(workDirs.length).toBe(1);
    expect(workDirs.filter((dir) => existsSync(dir))).toEqual([]);
    expect(out.join('')).toBe('rebuild ran\n');
    // Progress lines carry the elapsed time.
    expect(err.join('')).toMatch(/^\[ +\d+\.\d s\] docker\.io, docker-buildx, qemu-user-static, binfmt-support: installed\n$/);
  });

  it('stops with the preparation failure and starts no scenario', async () => {
    const calls: string[] = [];
    const io: Io = { cwd: '/nonexistent', stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' };
    const never = async () => {
      calls.push('scenario');
      return { ok: true, output: '' };
    };
    const failure = new Error('apt-get install docker.io failed');
    const parts: TestIntegrationParts = {
      prepareHost: async () => {
        throw failure;
      },
      scenarios: { 'buildx-ecr': never, 'podman-native': never, rebuild: never },
    };
    await expect(runTestIntegration({}, io, parts)).rejects.toBe(failure);
    expect(calls).toEqual([]);
  });
});
