/**
 * The leak scanner of scenario 6 (harness/integration/secrets.ts) on planted files: it must find
 * each secret in plain and encoded form, at the right line, and stay quiet on clean files. No
 * engine needed.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  credentialFileModes,
  filesUnder,
  findSecretLeaks,
  jwtSecrets,
  secretNeedles,
  STS_SESSION_KEY_PATTERN,
  type Secret,
} from '../../harness/integration/secrets.js';

const password: Secret = { name: 'registry password', value: '123456789012-auth-token' };
const secretKey: Secret = { name: 'static secret key', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'secrets-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const plant = (name: string, text: string | Buffer): string => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

describe('findSecretLeaks', () => {
  it('finds a plain secret with its line, in a nested directory', () => {
    const file = plant('logs/001-job.log', `line one\nline two\nexport AWS_SECRET_ACCESS_KEY=${secretKey.value}\n`);
    expect(findSecretLeaks([dir], [password, secretKey])).toEqual([{ file, secret: 'static secret key', line: 3, form: 'plain' }]);
  });

  it('finds the docker config form: base64 of "AWS:<password>" (the password at a non-zero alignment)', () => {
    const auth = Buffer.from(`AWS:${password.value}`).toString('base64');
    const file = plant('config.json', `{\n\t"auths": {\n\t\t"123456789012.dkr.ecr.eu-west-1.amazonaws.com": {\n\t\t\t"auth": "${auth}"\n\t\t}\n\t}\n}`);
    expect(findSecretLeaks([dir], [password])).toEqual([{ file, secret: 'registry password', line: 4, form: 'base64' }]);
  });

  it('finds base64 at every alignment and base64url', () => {
    const files = ['', 'x', 'xy'].map((prefix, i) => plant(`b64-${i}.txt`, Buffer.from(`${prefix}${secretKey.value}`).toString('base64')));
    // A value whose encoding has `+` and `/` at every alignment, so base64url differs from base64.
    const urlSecret: Secret = { name: 'session token', value: '??>>~~??>>~~??>>~~??>>~~' };
    const url = plant('b64url.txt', `token=${Buffer.from(`:${urlSecret.value}`).toString('base64url')}`);
    const leaks = findSecretLeaks([dir], [secretKey, urlSecret]);
    expect(leaks.map((l) => [l.file, l.secret, l.form])).toEqual([
      [files[0], 'static secret key', 'base64'],
      [files[1], 'static secret key', 'base64'],
      [files[2], 'static secret key', 'base64'],
      [url, 'session token', 'base64url'],
    ]);
  });

  it('finds a secret inside binary data, but applies patterns to text files only', () => {
    const key = 'ASIAQWERTYUIOPASDFGH';
    const binary = plant('artifact.bin', Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(password.value), Buffer.from([0]), Buffer.from(key)]));
    const text = plant('job.log', `caller: ok\nkey ${key} in a log\n`);
    expect(findSecretLeaks([dir], [password], { patterns: [STS_SESSION_KEY_PATTERN] })).toEqual([
      { file: binary, secret: 'registry password', line: 1, form: 'plain' },
      { file: text, secret: STS_SESSION_KEY_PATTERN.name, line: 2, form: 'pattern' },
    ]);
  });

  it('reports nothing for clean files, excluded paths, symlinks and missing paths', () => {
    plant('clean.log', 'ECR_REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com\nAKIA but no key, ASIA too short\n');
    plant('store/config.json', password.value);
    const outside = mkdtempSync(path.join(os.tmpdir(), 'secrets-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret'), password.value);
      symlinkSync(path.join(outside, 'secret'), path.join(dir, 'link'));
      expect(
        findSecretLeaks([dir, path.join(dir, 'missing')], [password, secretKey], {
          patterns: [STS_SESSION_KEY_PATTERN],
          exclude: [path.join(dir, 'store')],
        }),
      ).toEqual([]);
      expect(filesUnder([dir], [path.join(dir, 'store')])).toEqual([path.join(dir, 'clean.log')]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('treats a JWT and its signature as separate secrets (the claims are public, the signature is not)', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6YS9iIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1pcy1zZWNyZXQ';
    const file = plant('job.log', `claims: eyJzdWIiOiJwcm9qZWN0X3BhdGg6YS9iIn0\nsig c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1pcy1zZWNyZXQ\n`);
    expect(findSecretLeaks([dir], jwtSecrets('AWS_ID_TOKEN', jwt))).toEqual([{ file, secret: 'AWS_ID_TOKEN JWT signature', line: 2, form: 'plain' }]);
  });
});

describe('secretNeedles', () => {
  it('does not search encodings too short to be specific', () => {
    expect(secretNeedles('short').map((n) => n.form)).toEqual(['plain']);
  });
});

describe('credentialFileModes', () => {
  it('reports octal modes, owner-only or not, and missing files', () => {
    const tight = plant('auth.json', '{}');
    chmodSync(tight, 0o600);
    const loose = plant('config.json', '{}');
    chmodSync(loose, 0o644);
    expect(credentialFileModes([tight, loose, path.join(dir, 'none')])).toEqual([
      { file: tight, exists: true, mode: '600', ownerOnly: true },
      { file: loose, exists: true, mode: '644', ownerOnly: false },
      { file: path.join(dir, 'none'), exists: false, mode: undefined, ownerOnly: false },
    ]);
  });
});
