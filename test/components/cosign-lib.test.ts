/**
 * components/lib/cosign.sh's input check, run by sh as the jobs run it: what each `sign` mode needs
 * from the job (the ID token, the key and password variables, a KMS URI), what cosign is then given
 * (`--key` as a path or `env://`, the transparency log switch), and the problems it reports before
 * anything is built. Signing itself needs a registry: test/integration/signing.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const LIB = path.join(REPO_ROOT, 'components/lib/cosign.sh');

interface Checked {
  readonly ok: boolean;
  /** `mode key tlog password-var`, as cosign_check left them. */
  readonly settings: string;
  readonly error: string;
}

/** Runs `cosign_check <args>` in sh with exactly `env` (and PATH). */
function check(args: readonly string[], env: Readonly<Record<string, string>> = {}): Checked {
  const script = `. "$0"; if cosign_check "$@" 2> "$ERR"; then echo "ok $cosign_mode|$cosign_key|$cosign_tlog|$cosign_password_var"; else echo failed; fi`;
  const err = path.join(mkdtempSync(path.join(os.tmpdir(), 'cosign-lib-')), 'stderr');
  const out = execFileSync('sh', ['-c', script, LIB, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ERR: err, ...env }, encoding: 'utf8' }).trim();
  const error = execFileSync('cat', [err], { encoding: 'utf8' }).trim();
  return { ok: out.startsWith('ok '), settings: out.replace(/^ok /, ''), error };
}

const PEM = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';

describe('cosign_check (components/lib/cosign.sh)', () => {
  it('none signs nothing and needs nothing', () => {
    expect(check(['none', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'])).toEqual({ ok: true, settings: 'none||false|COSIGN_PASSWORD', error: '' });
  });

  it('key: a file-type variable is passed as its path, PEM text as env://, the transparency log off unless always', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cosign-lib-')), 'COSIGN_PRIVATE_KEY');
    writeFileSync(file, PEM);
    expect(check(['key', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { COSIGN_PRIVATE_KEY: file, COSIGN_PASSWORD: 'x' }).settings).toBe(`key|${file}|false|COSIGN_PASSWORD`);
    expect(check(['key', 'SIGNING_KEY', 'SIGNING_PASSWORD', '', 'always'], { SIGNING_KEY: PEM, SIGNING_PASSWORD: '' }).settings).toBe('key|env://SIGNING_KEY|true|SIGNING_PASSWORD');
    // An empty sign-password-var: a key without password, no variable needed.
    expect(check(['key', 'SIGNING_KEY', '', '', 'auto'], { SIGNING_KEY: PEM }).settings).toBe('key|env://SIGNING_KEY|false|');
  });

  it('key: a missing key or password variable, or a key that is neither PEM nor a file, fails before the build', () => {
    expect(check(['key', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { COSIGN_PASSWORD: 'x' })).toEqual({
      ok: false,
      settings: 'failed',
      error: 'sign: key needs the private key in the CI/CD variable COSIGN_PRIVATE_KEY (sign-key-var), which is not set in this job',
    });
    expect(check(['key', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { COSIGN_PRIVATE_KEY: PEM }).error).toBe(
      'sign: key needs the key\'s password in the CI/CD variable COSIGN_PASSWORD (sign-password-var), which is not set in this job (empty sign-password-var: a key without password)',
    );
    expect(check(['key', 'COSIGN_PRIVATE_KEY', '', '', 'auto'], { COSIGN_PRIVATE_KEY: '/no/such/file' }).error).toBe(
      'sign-key-var: the CI/CD variable COSIGN_PRIVATE_KEY holds neither a PEM private key nor the path of a file (a file-type variable)',
    );
  });

  it('keyless needs the job\'s SIGSTORE_ID_TOKEN and uploads to the transparency log unless never', () => {
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { SIGSTORE_ID_TOKEN: 'eyJ.x.y' }).settings).toBe('keyless||true|COSIGN_PASSWORD');
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'never'], { SIGSTORE_ID_TOKEN: 'eyJ.x.y' }).settings).toBe('keyless||false|COSIGN_PASSWORD');
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto']).error).toMatch(/^sign: keyless needs the GitLab ID token SIGSTORE_ID_TOKEN \(aud: sigstore\)/);
  });

  it('kms takes a cosign KMS URI and nothing else', () => {
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', 'awskms:///alias/image-signing', 'auto']).settings).toBe('kms|awskms:///alias/image-signing|false|COSIGN_PASSWORD');
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto']).error).toMatch(/^sign: kms needs sign-kms-key, a KMS key URI .*, got ''$/);
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', 'alias/image-signing', 'auto']).ok).toBe(false);
  });

  it('refuses values outside the options (a variable set by hand, not through the inputs)', () => {
    expect(check(['yes', 'K', 'P', '', 'auto']).error).toBe("sign must be none, keyless, key or kms, got 'yes'");
    expect(check(['key', 'K', '', '', 'sometimes'], { K: PEM }).error).toBe("sign-tlog-upload must be auto, always or never, got 'sometimes'");
  });
});
