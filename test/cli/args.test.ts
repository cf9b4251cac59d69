import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommand, parseCommandLine, type ProgramSpec } from '../../scripts/cli/args.js';
import type { Io } from '../../scripts/cli/io.js';
import { main, PROGRAM } from '../../scripts/cli/main.js';
import { REPO_ROOT } from '../helpers/cli.js';

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

/** The `catalog` entry point in-process: what a user sees on each stream, and the exit code. */
async function catalogLine(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { cwd: process.cwd(), stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), readStdin: async () => '' };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const parsedFor = (argv: readonly string[]) => {
  const line = parseCommandLine(PROGRAM, argv);
  if (line.kind !== 'run') throw new Error(`expected a command, got ${line.kind}: ${'message' in line ? line.message : ''}`);
  return { name: line.command.name, ...line.parsed };
};

const RENDER_HELP = `Usage: catalog render [options] <pipeline.yml>

expand a pipeline's include:component entries, each read from its catalog
(--catalog, .catalog.yml, or this repository) at the revision its version
resolves to

Arguments:
  pipeline.yml                 consumer pipeline

Options:
  --project-path <group/name>  what $CI_PROJECT_PATH stands for (default: from
                               the origin remote)
  --server-fqdn <host>         what $CI_SERVER_FQDN stands for (default:
                               gitlab.com)
  --sha <rev>                  what $CI_COMMIT_SHA stands for (default: HEAD)
  --repo <dir>                 the repository of the pipeline, a source of its
                               own components (default: the current directory)
  --catalog <source>           a catalog to read components from:
                               [<server>/<project>=]<clone or git URL> (a URL is
                               cloned into the cache); .catalog.yml maps more
  --refresh                    fetch the cached copies of catalog URLs again
                               (new tags and branches)
  -h, --help                   display help for command
`;

const LINT_HELP = `Usage: catalog lint [options] [pipelines...]

lint the catalog's components (rendered with defaults and each example's inputs)
and the given pipelines; in a project without components, check its pipelines
(default .gitlab-ci.yml) as GitLab would, includes read from the catalogs

Arguments:
  pipelines                    pipeline files to lint as well (in a project
                               without components: the pipelines to check)

Options:
  --format <format>            text, json, codequality, junit or sarif (default:
                               "text")
  --output <file>              write the report to a file (atomically) instead
                               of stdout
  --max-warnings <n>           fail when there are more warnings than this
  --ci-schema <path-or-url>    GitLab's ci.json to validate rendered
                               configuration against
  --no-shellcheck              do not run shellcheck on rendered scripts
  --config <file>              lint configuration (default: .catalog-lint.yml,
                               or "catalog.lint" in package.json)
  --catalog <source>           a catalog to read components from:
                               [<server>/<project>=]<clone or git URL> (a URL is
                               cloned into the cache); .catalog.yml maps more
  --refresh                    fetch the cached copies of catalog URLs again
                               (new tags and branches)
  --server-fqdn <host>         what $CI_SERVER_FQDN stands for (default:
                               gitlab.com)
  --project-path <group/name>  what $CI_PROJECT_PATH stands for (default: from
                               the origin remote)
  --sha <rev>                  what $CI_COMMIT_SHA stands for (default: HEAD)
  --all                        also report schema findings inside the
                               components' own code
  -h, --help                   display help for command
`;

const CI_SCHEMA_HELP = `Usage: catalog ci-schema [options] [command]

GitLab's CI JSON Schema (ci.json), which \`catalog lint\` validates rendered
configuration against

Options:
  -h, --help        display help for command

Commands:
  update [options]  download GitLab's ci.json (or copy a file) into the cache
                    \`catalog lint\` uses, after checking that it compiles
  help [command]    display help for command
`;

const CI_SCHEMA_UPDATE_HELP = `Usage: catalog ci-schema update [options]

download GitLab's ci.json (or copy a file) into the cache \`catalog lint\` uses,
after checking that it compiles

Options:
  --from <url-or-path>  where to get it (default: ci.json on gitlab.com, master)
  -h, --help            display help for command
`;

const SCHEMA_HELP = `Usage: catalog schema [options]

write one JSON Schema (draft 2020-12) per component describing its inputs

Options:
  --out <dir>  output directory (default: "docs/schemas")
  -h, --help   display help for command
`;

describe('the catalog command line', () => {
  it('reads --name=value, --name value, -- and --no-x', () => {
    expect(parsedFor(['render', '--project-path=group/name', 'p.yml', '--sha', 'v1', '--repo=', '--server-fqdn', 'h'])).toEqual({
      name: 'render',
      args: ['p.yml'],
      options: { projectPath: 'group/name', sha: 'v1', repo: '', serverFqdn: 'h' },
    });
    // A value option takes the next word whatever it looks like, as commander did.
    expect(parsedFor(['interpolate', 't.yml', '--inputs', '-']).options).toEqual({ inputs: '-' });
    expect(parsedFor(['interpolate', 't.yml', '--inputs', '--help']).options).toEqual({ inputs: '--help' });
    expect(parsedFor(['validate', 'a.yml', '--', '--help', '-x'])).toEqual({ name: 'validate', args: [['a.yml', '--help', '-x']], options: {} });
    expect(parsedFor(['lint'])).toEqual({ name: 'lint', args: [[]], options: { format: 'text', shellcheck: true } });
    expect(parsedFor(['lint', 'a.yml', '--no-shellcheck', '--format=json', '--max-warnings', '0', 'b.yml'])).toEqual({
      name: 'lint',
      args: [['a.yml', 'b.yml']],
      options: { format: 'json', shellcheck: false, maxWarnings: '0' },
    });
    expect(parsedFor(['docs', '--check'])).toEqual({ name: 'docs', args: [], options: { check: true } });
    expect(parsedFor(['schema'])).toEqual({ name: 'schema', args: [], options: { out: 'docs/schemas' } });
  });

  it('runs the subcommand of a group: ci-schema update', () => {
    expect(parsedFor(['ci-schema', 'update'])).toEqual({ name: 'ci-schema update', args: [], options: {} });
    expect(parsedFor(['ci-schema', 'update', '--from=https://x/ci.json'])).toEqual({ name: 'ci-schema update', args: [], options: { from: 'https://x/ci.json' } });
  });

  it('answers --version and -V with the package version, as commander did', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await catalogLine([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await catalogLine(['--help'])).stdout).toContain('\n  -V, --version  ');
  });

  it('answers help [command] and --help on standard output with exit 0', async () => {
    for (const argv of [['help', 'render'], ['render', '--help'], ['render', 'p.yml', '-h']]) expect(await catalogLine(argv)).toEqual({ code: 0, stdout: RENDER_HELP, stderr: '' });
    expect(await catalogLine(['help', 'lint'])).toEqual({ code: 0, stdout: LINT_HELP, stderr: '' });
    for (const argv of [['help', 'ci-schema'], ['ci-schema', '--help'], ['ci-schema', 'help']]) expect(await catalogLine(argv)).toEqual({ code: 0, stdout: CI_SCHEMA_HELP, stderr: '' });
    for (const argv of [['help', 'ci-schema', 'update'], ['ci-schema', 'update', '--help'], ['ci-schema', 'help', 'update']]) {
      expect(await catalogLine(argv)).toEqual({ code: 0, stdout: CI_SCHEMA_UPDATE_HELP, stderr: '' });
    }
  });

  it('reports a usage mistake with the help of what was being used, exit 2', async () => {
    const usage = (message: string, help: string) => ({ code: 2, stdout: '', stderr: `${message}\n\n${help}` });
    expect(await catalogLine(['render', 'p.yml', '--bogus'])).toEqual(usage("error: unknown option '--bogus'", RENDER_HELP));
    expect(await catalogLine(['render', '-abc'])).toEqual(usage("error: unknown option '-abc'", RENDER_HELP));
    expect(await catalogLine(['render', '--=x'])).toEqual(usage("error: unknown option '--'", RENDER_HELP));
    expect(await catalogLine(['lint', '--shellcheck'])).toEqual(usage("error: unknown option '--shellcheck'", LINT_HELP));
    expect(await catalogLine(['lint', '--no-shellcheck=yes'])).toEqual(usage("error: option '--no-shellcheck' takes no value", LINT_HELP));
    expect(await catalogLine(['lint', '--output'])).toEqual(usage("error: option '--output <file>' argument missing", LINT_HELP));
    expect(await catalogLine(['render'])).toEqual(usage("error: missing required argument 'pipeline.yml'", RENDER_HELP));
    // After `--`, `-h` is the pipeline file, not a request for help.
    expect(await catalogLine(['render', '--', '-h'])).toEqual({ code: 2, stdout: '', stderr: 'catalog: -h: no such file\n' });
    expect(await catalogLine(['schema', 'extra'])).toEqual(usage("error: too many arguments for 'schema'. Expected 0 arguments but got 1.", SCHEMA_HELP));
    expect(await catalogLine(['ci-schema', 'update', 'x', 'y'])).toEqual(usage("error: too many arguments for 'ci-schema update'. Expected 0 arguments but got 2.", CI_SCHEMA_UPDATE_HELP));
    expect(await catalogLine(['ci-schema', 'nope'])).toEqual(usage("error: unknown command 'nope'", CI_SCHEMA_HELP));
    // A group without a subcommand: its help alone.
    expect(await catalogLine(['ci-schema'])).toEqual({ code: 2, stdout: '', stderr: CI_SCHEMA_HELP });
    const top = await catalogLine(['--help']);
    expect(await catalogLine(['help', 'nope'])).toEqual(usage("error: unknown command 'nope'", top.stdout));
    expect(await catalogLine(['-x'])).toEqual(usage("error: unknown option '-x'", top.stdout));
    // The integration harness is not part of the catalog CLI (harness/cli/main.ts).
    expect(await catalogLine(['test-integration'])).toEqual(usage("error: unknown command 'test-integration'", top.stdout));
    expect(await catalogLine([])).toEqual({ code: 2, stdout: '', stderr: top.stdout });
  });
});

describe('defineCommand', () => {
  it("hands `run` the arguments and options typed from the command's declaration", () => {
    const build = defineCommand({
      name: 'build',
      description: 'build things',
      arguments: [
        { name: 'target', description: 'what to build', required: true },
        { name: 'config', description: 'a configuration', required: false },
        { name: 'extra', description: 'more targets', required: false, variadic: true },
      ],
      options: [
        { flag: '--max-jobs', value: '<n>', description: 'parallel jobs' },
        { flag: '--out', value: '<dir>', description: 'output directory', default: 'dist' },
        { flag: '--no-color', description: 'plain output' },
        { flag: '--check', description: 'write nothing' },
      ],
      run: ({ args, options }) => {
        expectTypeOf(args).toEqualTypeOf<readonly [string, string | undefined, readonly string[]]>();
        expectTypeOf(options).toEqualTypeOf<{ readonly maxJobs: string | undefined; readonly out: string; readonly color: boolean; readonly check: true | undefined }>();
        // @ts-expect-error: an option that was not declared (here a misspelled one) does not compile
        void options.maxJob;
        return { args, options };
      },
    });
    const line = parseCommandLine({ name: 'tool', description: '', groups: [], commands: [build] }, ['build', 'a', '--check', '--max-jobs=2']);
    expect(line.kind === 'run' && line.command.run(line.parsed)).toEqual({ args: ['a', undefined, []], options: { out: 'dist', color: true, check: true, maxJobs: '2' } });
  });
});
