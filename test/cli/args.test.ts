import { describe, expect, it } from 'vitest';
import { parseCommandLine, type ProgramSpec } from '../../scripts/cli/args.js';
import { PROGRAM } from '../../scripts/cli/main.js';

const program: ProgramSpec<string> = {
  name: 'tool',
  description: 'a test program',
  groups: [{ name: 'cache', description: 'the cache' }],
  commands: [
    {
      name: 'build',
      description: 'build things',
      arguments: [
        { name: 'target', description: 'what to build', required: true },
        { name: 'extra', description: 'more targets', required: false, variadic: true },
      ],
      options: [
        { flag: '--out', value: '<dir>', description: 'output directory', default: 'dist' },
        { flag: '--max-jobs', value: '<n>', description: 'parallel jobs' },
        { flag: '--no-color', description: 'plain output' },
        { flag: '--check', description: 'write nothing' },
      ],
      run: () => 'build',
    },
    { name: 'cache update', description: 'refresh the cache', arguments: [], options: [{ flag: '--from', value: '<url>', description: 'where from' }], run: () => 'update' },
  ],
};

const run = (argv: readonly string[]) => {
  const line = parseCommandLine(program, argv);
  if (line.kind !== 'run') throw new Error(`expected a command, got ${line.kind}: ${'message' in line ? line.message : ''}`);
  return { name: line.command.name, ...line.parsed };
};
const error = (argv: readonly string[]) => {
  const line = parseCommandLine(program, argv);
  if (line.kind !== 'error') throw new Error(`expected an error, got ${line.kind}`);
  return line;
};

describe('parseCommandLine', () => {
  it('reads arguments and options in any order, with defaults, `=` values and negated switches', () => {
    expect(run(['build', 'a'])).toEqual({ name: 'build', args: ['a', []], options: { out: 'dist', color: true } });
    expect(run(['build', '--max-jobs', '3', 'a', 'b', '--out=x', 'c', '--no-color', '--check'])).toEqual({
      name: 'build',
      args: ['a', ['b', 'c']],
      options: { out: 'x', maxJobs: '3', color: false, check: true },
    });
  });

  it('takes everything after `--` as arguments, and `-` as one', () => {
    expect(run(['build', '--', '--out', '-x']).args).toEqual(['--out', ['-x']]);
    expect(run(['build', '-']).args).toEqual(['-', []]);
  });

  it('runs subcommands of a group', () => {
    expect(run(['cache', 'update', '--from', 'u'])).toEqual({ name: 'cache update', args: [], options: { from: 'u' } });
  });

  it('says what is wrong, with the help of what was being used', () => {
    expect(error(['build']).message).toBe("error: missing required argument 'target'");
    expect(error(['build', 'a', '--bogus']).message).toBe("error: unknown option '--bogus'");
    expect(error(['build', 'a', '--out']).message).toBe("error: option '--out <dir>' argument missing");
    expect(error(['build', 'a', '--check=yes']).message).toBe("error: option '--check' takes no value");
    expect(error(['cache', 'update', 'x']).message).toBe("error: too many arguments for 'cache update'. Expected 0 arguments but got 1.");
    expect(error(['frob']).message).toBe("error: unknown command 'frob'");
    expect(error(['cache', 'frob']).message).toBe("error: unknown command 'frob'");
    expect(error(['build']).help).toMatch(/^Usage: tool build \[options\] <target> \[extra\.\.\.\]\n/);
    // Nothing to run: just the help.
    expect(error([])).toMatchObject({ message: '', help: expect.stringMatching(/^Usage: tool \[options\] \[command\]/) });
    expect(error(['cache']).help).toMatch(/^Usage: tool cache \[options\] \[command\]/);
  });

  it('answers --help and help [command] with the help text', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) expect(parseCommandLine(program, argv)).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: tool \[options\] \[command\]/) });
    for (const argv of [['build', '--help'], ['build', 'a', '-h'], ['help', 'build']]) {
      expect(parseCommandLine(program, argv)).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: tool build /) });
    }
    expect(parseCommandLine(program, ['help', 'cache', 'update'])).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: tool cache update \[options\]/) });
    expect(parseCommandLine(program, ['cache', 'help'])).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: tool cache /) });
  });

  it('lays the help out in two aligned columns of at most 80 characters, with defaults', () => {
    const line = parseCommandLine(program, ['help', 'build']);
    const text = line.kind === 'help' ? line.text : '';
    expect(text).toContain('\nArguments:\n  target          what to build\n  extra           more targets\n');
    expect(text).toContain('  --out <dir>     output directory (default: "dist")\n');
    expect(text).toContain('  --no-color      plain output\n');
    expect(text).toContain('  -h, --help      display help for command\n');
    const top = parseCommandLine(program, ['--help']);
    expect(top.kind === 'help' ? top.text : '').toContain('Commands:\n  build [options] <target> [extra...]  build things\n  cache                                the cache\n  help [command]');
  });

  it("describes every command of the catalog CLI in lines that fit 80 columns", () => {
    const texts = [['--help'], ...PROGRAM.commands.map((c) => ['help', ...c.name.split(' ')]), ...PROGRAM.groups.map((g) => ['help', g.name])].map((argv) => {
      const line = parseCommandLine(PROGRAM, argv);
      return line.kind === 'help' ? line.text : '';
    });
    for (const text of texts) {
      expect(text).toMatch(/^Usage: catalog /);
      for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    }
  });
});
