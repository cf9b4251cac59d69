#!/usr/bin/env node
/**
 * The `catalog` command. The only module that touches process streams and the exit code:
 * 0 clean, 1 findings in the user's files, 2 operational failure (never a stack trace).
 */
import { Command, CommanderError } from 'commander';
import { ToolkitError } from '../core/errors.js';
import type { ExitCode, Io } from './io.js';

const processIo: Io = {
  cwd: process.cwd(),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export function buildProgram(io: Io, setExit: (code: ExitCode) => void): Command {
  const program = new Command('catalog')
    .description('GitLab CI/CD component catalog toolkit: validate, interpolate, render and describe components exactly as GitLab does')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const run = (load: () => Promise<ExitCode>) => async () => setExit(await load());

  program
    .command('interpolate')
    .description("print the content document GitLab makes of a component file for given inputs, as JSON; or GitLab's error text")
    .argument('<template.yml>', 'component file (header, ---, content)')
    .option('--inputs <file>', "JSON object: the include's inputs ('-' reads standard input)")
    .option('--variables <file>', 'JSON array of {"key","value","masked"}: the variables expand_vars may use')
    .option('--component <file>', 'JSON object {name, sha, version, reference}: the component context')
    .action(async (template: string, options: { inputs?: string; variables?: string; component?: string }) => {
      const { runInterpolate } = await import('./commands/interpolate.js');
      await run(() => runInterpolate({ template, ...options }, io))();
    });

  program
    .command('validate')
    .description('validate components (default: all under templates/) and the component includes in examples/')
    .argument('[paths...]', 'component files to check instead of the whole catalog')
    .action(async (paths: string[]) => {
      const { runValidate } = await import('./commands/validate.js');
      await run(() => runValidate({ paths }, io))();
    });

  program
    .command('render')
    .description("expand a pipeline's include:component entries that point at this catalog, read at the resolved git revision")
    .argument('<pipeline.yml>', 'consumer pipeline')
    .option('--project-path <group/name>', 'project path of this catalog (default: from the origin remote)')
    .option('--server-fqdn <host>', 'what $CI_SERVER_FQDN stands for (default: gitlab.com)')
    .option('--sha <rev>', 'what $CI_COMMIT_SHA stands for (default: HEAD)')
    .option('--repo <dir>', 'the catalog repository (default: the current directory)')
    .action(async (pipeline: string, options: { projectPath?: string; serverFqdn?: string; sha?: string; repo?: string }) => {
      const { runRender } = await import('./commands/render.js');
      await run(() => runRender({ pipeline, ...options }, io))();
    });

  program
    .command('schema')
    .description('write one JSON Schema (draft 2020-12) per component describing its inputs')
    .option('--out <dir>', 'output directory', 'docs/schemas')
    .action(async (options: { out?: string }) => {
      const { runSchema } = await import('./commands/schema.js');
      await run(() => runSchema(options, io))();
    });

  program
    .command('lint')
    .description("lint the catalog's components (rendered with defaults and each example's inputs) and the given pipelines")
    .argument('[pipelines...]', 'pipeline files to lint as well')
    .option('--format <format>', 'text, json, codequality, junit or sarif', 'text')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--max-warnings <n>', 'fail when there are more warnings than this')
    .option('--ci-schema <path-or-url>', "GitLab's ci.json to validate rendered configuration against")
    .option('--no-shellcheck', 'do not run shellcheck on rendered scripts')
    .option('--config <file>', 'lint configuration (default: .catalog-lint.yml, or "catalog.lint" in package.json)')
    .action(async (pipelines: string[], options: Omit<import('./commands/lint.js').LintArgs, 'pipelines'>) => {
      const { runLint } = await import('./commands/lint.js');
      await run(() => runLint({ pipelines, ...options }, io))();
    });

  const ciSchema = program.command('ci-schema').description("GitLab's CI JSON Schema (ci.json), which `catalog lint` validates rendered configuration against");
  ciSchema
    .command('update')
    .description("download GitLab's ci.json (or copy a file) into the cache `catalog lint` uses, after checking that it compiles")
    .option('--from <url-or-path>', 'where to get it (default: ci.json on gitlab.com, master)')
    .action(async (options: { from?: string }) => {
      const { runCiSchemaUpdate } = await import('./commands/ci-schema.js');
      await run(() => runCiSchemaUpdate(options, io))();
    });

  program
    .command('docs')
    .description("regenerate each component's inputs table in README.md from its spec:inputs (between catalog-docs markers)")
    .option('--check', 'write nothing; exit 1 when a section is missing or out of date')
    .action(async (options: { check?: boolean }) => {
      const { runDocs } = await import('./commands/docs.js');
      await run(() => runDocs(options, io))();
    });

  program
    .command('test-integration')
    .description('run an example pipeline end to end on a local Docker engine with a TLS registry and moto standing in for ECR (root)')
    .option('--scenario <name>', 'buildx-ecr', 'buildx-ecr')
    .option('--keep', 'keep the work directory (job logs) afterwards')
    .option('--verbose', 'show job logs live')
    .action(async (options: { scenario?: string; keep?: boolean; verbose?: boolean }) => {
      const { runTestIntegration } = await import('./commands/test-integration.js');
      await run(() => runTestIntegration(options, io))();
    });

  return program;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  let exitCode: ExitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes are operational errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ToolkitError) {
      io.stderr(`catalog: ${error.message}\n`);
      return 2;
    }
    io.stderr(`catalog: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

// Run only when executed as the bin, not when imported by tests.
const invokedPath = process.argv[1] ? await import('node:fs').then((fs) => fs.realpathSync(process.argv[1] as string)) : '';
if (invokedPath === (await import('node:url')).fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
