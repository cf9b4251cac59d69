/**
 * The components' shared shell library (components/lib/*.sh), run by the shells that run the
 * components: dash (`sh` on Debian), busybox sh (the ash of docker:*-cli and alpine images) and
 * bash (the podman image's shell). Each case sources the real library files.
 * - log sections have GitLab's format ("Custom collapsible sections" in GitLab's job log docs):
 *   `\e[0Ksection_start:<unix time>:<name>[collapsed=true]\r\e[0K<header>` … `\e[0Ksection_end:<unix time>:<name>\r\e[0K`;
 * - messages carry the component's name; die exits 1;
 * - retry: retries + 1 attempts, stops on a permanent error, retries only transient ones when
 *   told, waits longer each time (a tiny base delay: milliseconds), jitter within its bound;
 * - quoting round-trips arbitrary strings through `sh -c`.
 * A shell that is missing skips its cases saying why (fails with CATALOG_REQUIRE_TOOLS=1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const LIB = ['log.sh', 'retry.sh', 'text.sh'].map((file) => path.join(REPO_ROOT, 'components/lib', file));
const SOURCE_LIB = LIB.map((file) => `. '${file}'`).join('\n');

const SHELLS: readonly (readonly string[])[] = [['dash'], ['busybox', 'sh'], ['bash']];
const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';
const missing = (shell: readonly string[]): string | undefined => {
  const probe = spawnSync(shell[0] ?? '', [...shell.slice(1), '-c', 'exit 0']);
  return probe.error || probe.status !== 0 ? `${shell.join(' ')} is not installed or does not run` : undefined;
};
for (const shell of SHELLS) {
  const reason = missing(shell);
  if (reason !== undefined) {
    if (REQUIRE_TOOLS) throw new Error(`${reason} and CATALOG_REQUIRE_TOOLS=1 requires it`);
    console.warn(`[shell-library] ${reason} (skipping its cases)`);
  }
}
const available = SHELLS.filter((shell) => missing(shell) === undefined).map((shell) => [shell.join(' '), shell] as const);

const work = mkdtempSync(path.join(tmpdir(), 'catalog-shell-library-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
/** `script` after the library, in `shell`, with `env` added and a scratch directory as TMPDIR. */
function run(shell: readonly string[], script: string, env: Record<string, string> = {}): Run {
  const dir = mkdtempSync(path.join(work, 'run-'));
  const result = spawnSync(shell[0] ?? '', [...shell.slice(1), '-c', `set -eu\n${SOURCE_LIB}\n${script}`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    // stdin not a socket: bash reads ~/.bashrc when it is (its rshd heuristic).
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, DIR: dir, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A command for catalog_retry: counts its calls in $DIR/calls, then runs `body`. */
const COUNTED = (body: string) => `attempt() { echo x >> "$DIR/calls"; ${body}; }`;
const callsOf = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
const retryWaits = (stderr: string) => [...stderr.matchAll(/retrying in (\d+)\.(\d{3})s$/gm)].map((m) => Number(m[1]) * 1000 + Number(m[2]));

describe.each(available)('components/lib in %s', (_name, shell) => {
  describe('sections and messages', () => {
    it('prints GitLab section markers with the unix time, the name and the header; a new section ends the open one', () => {
      const before = Math.floor(Date.now() / 1000);
      const r = run(shell, "catalog_init demo\ncatalog_section_end\ncatalog_section demo_one 'first part'\ncatalog_say inside\ncatalog_section demo_two 'second part' collapsed\ncatalog_section_end\ncatalog_section_end");
      const after = Math.ceil(Date.now() / 1000);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toHaveLength(6);
      const pattern = [
        /^\u001b\[0Ksection_start:(\d+):demo_one\r\u001b\[0Kdemo: first part$/,
        /^demo: inside$/,
        /^\u001b\[0Ksection_end:(\d+):demo_one\r\u001b\[0K$/,
        /^\u001b\[0Ksection_start:(\d+):demo_two\[collapsed=true\]\r\u001b\[0Kdemo: second part$/,
        /^\u001b\[0Ksection_end:(\d+):demo_two\r\u001b\[0K$/,
        /^$/,
      ];
      lines.forEach((line, i) => {
        const m = pattern[i]?.exec(line);
        expect(m, JSON.stringify(line)).not.toBeNull();
        if (m?.[1] !== undefined) {
          expect(Number(m[1])).toBeGreaterThanOrEqual(before);
          expect(Number(m[1])).toBeLessThanOrEqual(after);
        }
      });
    });

    it('says on stdout, warns and errs on stderr, each line with the component name; die exits 1', () => {
      const r = run(shell, 'catalog_init demo\nmkdir "$DIR/secrets"\ncatalog_remove_on_die "$DIR/secrets"\ncatalog_say hello world\ncatalog_warn careful\ncatalog_error wrong\ncatalog_die "it broke"\necho not reached');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('demo: hello world\n');
      expect(r.stderr).toBe('demo: WARNING: careful\ndemo: ERROR: wrong\ndemo: ERROR: it broke\n');
    });

    it('die removes the directory catalog_remove_on_die named', () => {
      const dir = mkdtempSync(path.join(work, 'die-'));
      mkdirSync(path.join(dir, 'secrets'));
      const r = run(shell, 'catalog_init demo\ncatalog_remove_on_die "$SECRETS"\ncatalog_die gone', { SECRETS: path.join(dir, 'secrets') });
      expect(r.status).toBe(1);
      expect(existsSync(path.join(dir, 'secrets'))).toBe(false);
    });
  });

  describe('retry', () => {
    /** Runs `body` as the retried command; returns the run and how many times the command ran. */
    const attempts = (policy: string, body: string, call?: string) => {
      const dir = mkdtempSync(path.join(work, 'retry-'));
      const r = run(shell, `catalog_init demo\n${policy}\n${COUNTED(body)}\nrc=0\n${call ?? 'catalog_retry "the thing" attempt'} || rc=$?\necho "rc=$rc"`, { DIR: dir, TMPDIR: dir });
      return { ...r, calls: callsOf(path.join(dir, 'calls')), rc: Number(/^rc=(\d+)$/m.exec(r.stdout)?.[1]) };
    };

    it('stops at the first permanent error, whatever the retries', () => {
      const r = attempts("catalog_retry_policy 5 0.001 'denied|forbidden'", "echo 'denied: requested access to the resource is denied' >&2; return 7");
      expect(r.calls, r.stderr).toBe(1);
      expect(r.rc).toBe(7);
      expect(r.stderr).toContain('denied: requested access to the resource is denied\n');
      expect(r.stderr).toContain('demo: WARNING: the thing failed with an error that retrying cannot fix');
    });

    it('retries a transient error retries + 1 times in all, each wait longer than the one before', () => {
      const r = attempts("catalog_retry_policy 3 0.004 'denied' '503|timeout'", "echo '503 Service Unavailable' >&2; return 1");
      expect(r.calls, r.stderr).toBe(4);
      expect(r.rc).toBe(1);
      const waits = retryWaits(r.stderr);
      expect(waits, r.stderr).toHaveLength(3);
      waits.slice(1).forEach((wait, i) => expect(wait).toBeGreaterThan(waits[i] ?? Infinity));
      // The first wait is the delay plus at most half of it again.
      expect(waits[0]).toBeGreaterThanOrEqual(4);
      expect(waits[0]).toBeLessThanOrEqual(6);
      expect(r.stderr).toContain('demo: WARNING: the thing failed (exit 1), attempt 1 of 4; retrying in ');
      expect(r.stderr).toContain('demo: WARNING: the thing failed 4 time(s); giving up');
    });

    it('retries 0 is one attempt', () => {
      expect(attempts('catalog_retry_policy 0 0.001', "echo 'i/o timeout' >&2; return 1").calls).toBe(1);
    });

    it('with a transient pattern, an error that is not transient is not retried', () => {
      const r = attempts("catalog_retry_policy 3 0.001 '' 'toomanyrequests'", "echo 'Dockerfile:3: unknown instruction' >&2; return 2");
      expect(r.calls).toBe(1);
      expect(r.rc).toBe(2);
      expect(r.stderr).toContain('not transient');
    });

    it('the options replace the policy\'s patterns for one call', () => {
      const body = "echo 'unauthorized: i/o timeout' >&2; return 1";
      expect(attempts("catalog_retry_policy 2 0.001 'unauthorized'", body).calls).toBe(1);
      expect(attempts("catalog_retry_policy 2 0.001 'unauthorized'", body, "catalog_retry --permanent '' --transient 'i/o timeout' 'the thing' attempt").calls).toBe(3);
    });

    it('returns 0 once an attempt succeeds; the command\'s stdout is the caller\'s, its stderr shown', () => {
      const r = attempts('catalog_retry_policy 5 0.001', 'if [ "$(wc -l < "$DIR/calls")" -lt 3 ]; then echo "flaky $(wc -l < "$DIR/calls")" >&2; return 1; fi; echo result', 'catalog_retry "the thing" attempt > "$DIR/out"; cat "$DIR/out"');
      expect(r.calls).toBe(3);
      expect(r.rc).toBe(0);
      expect(r.stdout).toBe('result\nrc=0\n');
      expect(r.stderr).toMatch(/flaky +1\n[^]*flaky +2\n/);
    });

    it('feeds the command /dev/null, or the file --stdin names', () => {
      const dir = mkdtempSync(path.join(work, 'stdin-'));
      const r = run(shell, 'catalog_init demo\ncatalog_retry_policy 0 0\nprintf pass > "$DIR/password"\ncatalog_retry --stdin "$DIR/password" login cat\necho\ncatalog_retry plain cat\necho end', { DIR: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('pass\nend\n');
    });

    it('jitter stays within 0..max, and each backoff within delay * 2^(n-1) .. 1.5 times that', () => {
      const r = run(shell, 'catalog_retry_policy 0 1\ni=0\nwhile [ $i -lt 40 ]; do catalog_jitter_ms 10; catalog_jitter_ms 0; i=$((i + 1)); done\nfor n in 1 2 3 4; do echo "backoff $n $(catalog_backoff_ms $n)"; done');
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const jitters = lines.filter((l) => !l.startsWith('backoff')).map(Number);
      expect(jitters).toHaveLength(80);
      jitters.forEach((j, i) => {
        expect(Number.isInteger(j)).toBe(true);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(j).toBeLessThanOrEqual(i % 2 === 0 ? 10 : 0);
      });
      for (const line of lines.filter((l) => l.startsWith('backoff'))) {
        const [, n = 0, wait = 0] = line.split(' ').map(Number);
        const base = 1000 * 2 ** (n - 1);
        expect(wait).toBeGreaterThanOrEqual(base);
        expect(wait).toBeLessThanOrEqual(base * 1.5);
      }
    });

    it('the doubling stops at 20 s, or at the first delay when that is longer; the jitter stays within half of the capped wait', () => {
      const backoffs = (policy: string, attempts: readonly number[]) => {
        const r = run(shell, `${policy}\nfor n in ${attempts.join(' ')}; do catalog_backoff_ms $n; done`);
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.trim().split('\n').map(Number);
      };
      // A 1 s delay doubles to 16 s at the 5th wait; from the 6th on (32 s uncapped) it stays at 20 s.
      const capped = backoffs('catalog_retry_policy 0 1', [5, 6, 7, 12, 40, 70]);
      expect(capped[0]).toBeGreaterThanOrEqual(16_000);
      expect(capped[0]).toBeLessThanOrEqual(24_000);
      for (const wait of capped.slice(1)) {
        expect(wait).toBeGreaterThanOrEqual(20_000);
        expect(wait).toBeLessThanOrEqual(30_000);
      }
      // A first delay above the cap is kept as it is, never doubled.
      for (const wait of backoffs('catalog_retry_policy 0 45', [1, 2, 9])) {
        expect(wait).toBeGreaterThanOrEqual(45_000);
        expect(wait).toBeLessThanOrEqual(67_500);
      }
    });
  });

  describe('values and quoting', () => {
    const STRINGS = [
      '',
      'plain',
      'two words',
      "it's",
      "''",
      '"double"',
      '$HOME `id` $(id) \\ * ? [a] ~ # ; & | < > ( ) { } !',
      'tab\tnew\nline\n',
      '\n\n',
      '-n',
      'ünïcödé ✓',
      "a'b'c'",
      ...Array.from({ length: 30 }, (_, i) =>
        Array.from({ length: 1 + ((i * 7) % 23) }, (_, j) => String.fromCharCode(1 + ((i * 131 + j * 37) % 126))).join(''),
      ),
    ];

    it('catalog_quote round-trips arbitrary strings through sh -c', () => {
      for (const value of STRINGS) {
        const quoted = run(shell, 'catalog_quote "$VALUE"', { VALUE: value });
        expect(quoted.status, quoted.stderr).toBe(0);
        expect(quoted.stdout.endsWith('\n')).toBe(true);
        const word = quoted.stdout.slice(0, -1);
        const back = spawnSync(shell[0] ?? '', [...shell.slice(1), '-c', `printf '%s' ${word}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(back.stdout, `${JSON.stringify(value)} quoted as ${word}`).toBe(value);
      }
    });

    it('catalog_quote leaves words that need no quotes as they are', () => {
      expect(run(shell, 'catalog_quote docker.io/library/busybox:1.36@sha256:ab,c=d+e%f').stdout).toBe('docker.io/library/busybox:1.36@sha256:ab,c=d+e%f\n');
    });

    it('catalog_shown quotes each argument and hides every build argument\'s value', () => {
      const r = run(shell, "catalog_shown build --build-arg 'TOKEN=s3cr3t value' --build-arg=NPM=tok3n --build-arg FROM_ENV --label 'a=b c' .");
      expect(r.stdout).toBe("build --build-arg TOKEN=*** --build-arg=NPM=*** --build-arg FROM_ENV --label 'a=b c' .\n");
    });

    it('catalog_words splits a list input on spaces, tabs, commas and newlines, dropping empty items', () => {
      expect(run(shell, 'catalog_words "$VALUE"', { VALUE: ' linux/amd64,,linux/arm64\n\n\tlinux/ppc64le , ' }).stdout).toBe('linux/amd64\nlinux/arm64\nlinux/ppc64le\n');
      expect(run(shell, 'catalog_words ""').stdout).toBe('');
    });

    it('catalog_lines keeps one trimmed item per line, without blank lines and # comments', () => {
      expect(run(shell, 'catalog_lines "$VALUE"', { VALUE: '  A=1 2 \n\n# comment\n  # indented comment\nB=#3\n' }).stdout).toBe('A=1 2\nB=#3\n');
    });

    it('catalog_is_uint and catalog_matches', () => {
      const r = run(shell, "for v in 0 42 '' -1 1.5 ' 1' x; do if catalog_is_uint \"$v\"; then echo \"[$v] yes\"; else echo \"[$v] no\"; fi; done\ncatalog_matches '^sha256:[0-9a-f]{4}$' sha256:abcd && echo match\ncatalog_matches '^a$' 'ab' || echo 'no match'");
      expect(r.stdout).toBe('[0] yes\n[42] yes\n[] no\n[-1] no\n[1.5] no\n[ 1] no\n[x] no\nmatch\nno match\n');
    });
  });

  it('catalog_forget leaves no catalog_* function or variable in the shell', () => {
    const names = LIB.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^(catalog_\w+)\(\)/gm)].map((m) => m[1] ?? ''));
    expect(names.length).toBeGreaterThan(10);
    const r = run(
      shell,
      [
        'catalog_init demo',
        "catalog_section demo_x 'x'",
        'catalog_retry_policy 1 0.001 denied 503',
        "catalog_retry flaky sh -c 'echo 503 >&2; exit 1' || true",
        "catalog_quote \"it's\" > /dev/null",
        'catalog_shown --build-arg A=b > /dev/null',
        'catalog_backoff_ms 2 > /dev/null',
        'catalog_forget',
        `for f in ${names.join(' ')}; do if command -v "$f" > /dev/null 2>&1; then echo "still defined: $f"; fi; done`,
        "set | grep '^catalog_' || true",
      ].join('\n'),
    );
    expect(r.status, r.stderr).toBe(0);
    // Only the section's start line: no `still defined`, no variable.
    expect(r.stdout.split('\n').filter((line) => !line.includes('section_start:') && line !== '')).toEqual([]);
  });
});
