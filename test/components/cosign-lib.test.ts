/**
 * components/lib/cosign.sh's input check, run by sh after the library it needs (log.sh) as the
 * jobs run it: what each `sign` mode needs from the job (the ID token, the key and password
 * variables, a KMS URI), what cosign is then given (`--key` as a path or `env://`, the
 * transparency log switch), and the problems it reports (catalog_die) before anything is built.
 * Signing itself needs a registry: test/integration/signing.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const LIB = ['log.sh', 'cosign.sh'].map((file) => path.join(REPO_ROOT, 'components/lib', file));

interface Checked {
  readonly ok: boolean;
  /** `mode key tlog password-var`, as catalog_cosign_check left them. */
  readonly settings: string;
  readonly error: string;
}

/**
 * Runs `catalog_cosign_check <args>` in sh with exactly `env` (and PATH), as component `demo`. A
 * problem is catalog_die's: the message on stderr, exit 1 before the line after the check.
 */
function check(args: readonly string[], env: Readonly<Record<string, string>> = {}): Checked {
  const script = `set -eu; . "$LOG"; . "$COSIGN"; catalog_init demo; catalog_cosign_check "$@"; echo "ok $catalog_cosign_mode|$catalog_cosign_key|$catalog_cosign_tlog|$catalog_cosign_password_var"`;
  const [log = '', cosign = ''] = LIB;
  const result = spawnSync('sh', ['-c', script, 'sh', ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LOG: log, COSIGN: cosign, ...env }, encoding: 'utf8' });
  if (result.status === 0) return { ok: true, settings: result.stdout.trim().replace(/^ok /, ''), error: result.stderr.trim() };
  expect(result.status, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  return { ok: false, settings: 'failed', error: result.stderr.trim() };
}

const PEM = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';

describe('catalog_cosign_check (components/lib/cosign.sh)', () => {
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
      error: 'demo: ERROR: sign: key needs the private key in the CI/CD variable COSIGN_PRIVATE_KEY (sign-key-var), which is not set in this job',
    });
    expect(check(['key', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { COSIGN_PRIVATE_KEY: PEM }).error).toBe(
      'demo: ERROR: sign: key needs the key\'s password in the CI/CD variable COSIGN_PASSWORD (sign-password-var), which is not set in this job (empty sign-password-var: a key without password)',
    );
    expect(check(['key', 'COSIGN_PRIVATE_KEY', '', '', 'auto'], { COSIGN_PRIVATE_KEY: '/no/such/file' }).error).toBe(
      'demo: ERROR: sign-key-var: the CI/CD variable COSIGN_PRIVATE_KEY holds neither a PEM private key nor the path of a file (a file-type variable)',
    );
  });

  it('keyless needs the job\'s SIGSTORE_ID_TOKEN and uploads to the transparency log unless never', () => {
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto'], { SIGSTORE_ID_TOKEN: 'eyJ.x.y' }).settings).toBe('keyless||true|COSIGN_PASSWORD');
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'never'], { SIGSTORE_ID_TOKEN: 'eyJ.x.y' }).settings).toBe('keyless||false|COSIGN_PASSWORD');
    expect(check(['keyless', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto']).error).toMatch(/^demo: ERROR: sign: keyless needs the GitLab ID token SIGSTORE_ID_TOKEN \(aud: sigstore\)/);
  });

  it('kms takes a cosign KMS URI and nothing else', () => {
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', 'awskms:///alias/image-signing', 'auto']).settings).toBe('kms|awskms:///alias/image-signing|false|COSIGN_PASSWORD');
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', '', 'auto']).error).toMatch(/^demo: ERROR: sign: kms needs sign-kms-key, a KMS key URI .*, got ''$/);
    expect(check(['kms', 'COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', 'alias/image-signing', 'auto']).ok).toBe(false);
  });

  it('refuses values outside the options (a variable set by hand, not through the inputs)', () => {
    expect(check(['yes', 'K', 'P', '', 'auto']).error).toBe("demo: ERROR: sign must be none, keyless, key or kms, got 'yes'");
    expect(check(['key', 'K', '', '', 'sometimes'], { K: PEM }).error).toBe("demo: ERROR: sign-tlog-upload must be auto, always or never, got 'sometimes'");
  });
});
