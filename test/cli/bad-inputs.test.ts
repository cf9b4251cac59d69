/**
 * The corpus of bad inputs (test/fixtures/bad/<case>/): each case is a directory with the files a
 * user would have and a case.json saying what they run and what must come back. Every case runs the
 * built CLI in a child process, in a copy of its directory, and must give its exit code (1 for
 * findings in the user's files, 2 for operational failures) and its message (exactly, or a /regex/
 * where the text is the yaml library's), never a stack trace or an internal error, and must leave
 * the directory as it found it: nothing written, nothing half-written. An exact message holds all
 * of standard error: the `c@main → <sha>` line of each include that resolved and the hint after
 * GitLab's text (`<GitLab's text>; <hint> [include]`) too, so a change to GitLab's text, an extra
 * line or a lost hint all fail.
 *
 * Inputs too large to keep as files are made here (`generate`); FIFOs are made here (git keeps none).
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { GIT_ENV } from '../helpers/fixture-repo.js';

const CORPUS = path.join(REPO_ROOT, 'test/fixtures/bad');

interface BadCase {
  readonly description: string;
  readonly args: readonly string[];
  readonly status: 1 | 2;
  /** `{HEAD}` in it stands for the first 7 characters of the SHA of the commit a `git` case makes. */
  readonly stderr: string | { readonly regex: string };
  /** Standard input, base64 (bytes that are not UTF-8 cannot sit in JSON as text). */
  readonly stdinBase64?: string;
  /** Commit the files to a new git repository first (render reads components from git). */
  readonly git?: boolean;
  /** Named FIFOs to make. */
  readonly fifo?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly generate?: keyof typeof GENERATORS;
}

const HEADER = 'spec:\n  inputs:\n    x:\n      default: hi\n---\n';
/** t.yml contents too large to keep in the repository. */
const GENERATORS = {
  // One document chunk of more than max_yaml_size_bytes (2 MB).
  'document-over-2mb': () => `${HEADER}job:\n  script: '${'a'.repeat(2 * 1024 * 1024)}'\n`,
  // A content string of MAX_NODE_SIZE + 1 bytes (the whole document stays under 2 MB).
  'string-over-1mib': () => `${HEADER}job:\n  script: '${'a'.repeat(1024 * 1024 + 1)}'\n`,
  // MAX_BLOCKS + 1 distinct blocks.
  'blocks-10001': () => `${HEADER}job:\n  script:\n${Array.from({ length: 10_001 }, (_, i) => `    - $[[ inputs.x | truncate(0,${i}) ]]\n`).join('')}`,
  // MAX_NODES + 1 nodes: a list of 500,001 numbers.
  'nodes-500001': () => `${HEADER}job:\n  script: x\n  list: [${Array(500_001).fill('1').join(',')}]\n`,
  'nesting-10000': () => `${HEADER}job: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
} as const;


/** Every file under `dir` (outside .git) with a digest of its content; other kinds by their kind. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (name === '.git' || name.startsWith(`.git${path.sep}`)) continue;
    const file = path.join(dir, name);
    const stats = lstatSync(file);
    out[name] = stats.isFile() ? createHash('sha256').update(readFileSync(file)).digest('hex') : stats.isDirectory() ? 'directory' : 'special';
  }
  return out;
}

/** The case's files in a temporary directory, and for a `git` case the first 7 characters of their commit's SHA. */
function prepare(name: string, spec: BadCase): { dir: string; head: string | undefined } {
  const dir = mkdtempSync(path.join(tmpdir(), `catalog-bad-${name}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(CORPUS, name), dir, { recursive: true, filter: (source) => path.basename(source) !== 'case.json' });
  // Empty directories are kept in the repository by a `keep` file; the case wants the directory alone.
  for (const keep of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'keep')) rmSync(path.join(dir, keep));
  if (spec.generate) writeFileSync(path.join(dir, 't.yml'), GENERATORS[spec.generate]());
  for (const fifo of spec.fifo ?? []) execFileSync('mkfifo', [path.join(dir, fifo)]);
  if (spec.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: GIT_ENV, stdio: 'pipe' });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '--all');
    git('commit', '--quiet', '-m', 'catalog');
    return { dir, head: git('rev-parse', 'HEAD').toString().trim().slice(0, 7) };
  }
  return { dir, head: undefined };
}

const cases = readdirSync(CORPUS).sort();

describe('the corpus of bad inputs', () => {
  it('holds at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('%s', (name) => {
    const spec = JSON.parse(readFileSync(path.join(CORPUS, name, 'case.json'), 'utf8')) as BadCase;
    const { dir, head } = prepare(name, spec);
    const before = snapshot(dir);
    const result = spawnSync(process.execPath, [CLI, ...spec.args], {
      cwd: dir,
      input: spec.stdinBase64 === undefined ? '' : Buffer.from(spec.stdinBase64, 'base64'),
      env: { ...process.env, ...spec.env },
      encoding: 'utf8',
      // A hang guard: a case that runs away is killed and fails on its status.
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    const context = `${name}: ${spec.description}\nstderr: ${result.stderr}`;
    expect(result.status, context).toBe(spec.status);
    if (typeof spec.stderr === 'string') expect(result.stderr, context).toBe(head === undefined ? spec.stderr : spec.stderr.replaceAll('{HEAD}', head));
    else expect(result.stderr, context).toMatch(new RegExp(spec.stderr.regex));
    expect(result.stderr, context).not.toMatch(/\n\s+at .+:\d+:\d+|internal error/);
    expect(snapshot(dir), `${name} wrote or changed files`).toEqual(before);
  });
});
