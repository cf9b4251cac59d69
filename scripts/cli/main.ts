#!/usr/bin/env node
/**
 * The `catalog` command: its commands, each module loaded only when its command runs. Exit codes:
 * 0 clean, 1 findings in the user's files, 2 operational failure (one line, never a stack trace).
 */
import { defineCommand, type ProgramSpec } from './args.js';
import { processIo, reportFailure, runCommandLine, runIfExecuted, type Run } from './entry.js';
import type { ExitCode, Io } from './io.js';
import { toolVersion } from './version.js';

/**
 * Each command's module is loaded only when that command runs: `render` never loads ajv or the
 * linter. Measured 2026-12-07 (render of examples/buildx-ecr, medians of 41 runs alternating with
 * a build that imports every command module at start): 57 ms wall and 76 ms CPU saved
 * (54 / 72 ms with NODE_EXTRA_CA_CERTS unset).
 */
const CATALOG_OPTION = {
  flag: '--catalog',
  value: '<source>',
  description: 'a catalog to read components from: [<server>/<project>=]<clone or git URL> (a URL is cloned into the cache); .catalog.yml maps more',
} as const;
const REFRESH_OPTION = { flag: '--refresh', description: 'fetch the cached copies of catalog URLs again (new tags and branches)' } as const;

/** `lint`, and `check`, its shorter name. */
function lintCommand(name: string, description: string) {
  return defineCommand({
    name,
    description,
    arguments: [{ name: 'pipelines', description: 'pipeline files to lint as well (in a project without components: the pipelines to check)', required: false, variadic: true }],
    options: [
      { flag: '--format', value: '<format>', description: 'text, json, codequality, junit or sarif', default: 'text' },
      { flag: '--output', value: '<file>', description: 'write the report to a file (atomically) instead of stdout' },
      { flag: '--max-warnings', value: '<n>', description: 'fail when there are more warnings than this' },
      { flag: '--ci-schema', value: '<path-or-url>', description: "GitLab's ci.json to validate rendered configuration against" },
      { flag: '--no-shellcheck', description: 'do not run shellcheck on rendered scripts' },
      { flag: '--config', value: '<file>', description: 'lint configuration (default: .catalog-lint.yml, or "catalog.lint" in package.json)' },
      CATALOG_OPTION,
      REFRESH_OPTION,
      { flag: '--server-fqdn', value: '<host>', description: 'what $CI_SERVER_FQDN stands for (default: gitlab.com)' },
      { flag: '--project-path', value: '<group/name>', description: "what $CI_PROJECT_PATH stands for (default: from the origin remote)" },
      { flag: '--sha', value: '<rev>', description: 'what $CI_COMMIT_SHA stands for (default: HEAD)' },
      { flag: '--all', description: "also report schema findings inside the components' own code" },
    ],
    run: ({ args: [pipelines], options }) => async (io: Io) => {
      const { runLint } = await import('./commands/lint.js');
      return runLint(
        {
          pipelines,
          format: options.format,
          output: options.output,
          maxWarnings: options.maxWarnings,
          ciSchema: options.ciSchema,
          shellcheck: options.shellcheck,
          config: options.config,
          catalog: options.catalog,
          refresh: options.refresh,
          serverFqdn: options.serverFqdn,
          projectPath: options.projectPath,
          sha: options.sha,
          all: options.all,
        },
        io,
      );
    },
  });
}

export const PROGRAM: ProgramSpec<Run> = {
  name: 'catalog',
  description: 'GitLab CI/CD component catalog toolkit: check pipelines that include components, and validate, interpolate, render and describe components, exactly as GitLab does',
  version: toolVersion,
  groups: [{ name: 'ci-schema', description: "GitLab's CI JSON Schema (ci.json), which `catalog lint` validates rendered configuration against" }],
  commands: [
    defineCommand({
      name: 'interpolate',
      description: "print the content document GitLab makes of a component file for given inputs, as JSON; or GitLab's error text",
      arguments: [{ name: 'template.yml', description: 'component file (header, ---, content)', required: true }],
      options: [
        { flag: '--inputs', value: '<file>', description: "JSON object: the include's inputs ('-' reads standard input)" },
        { flag: '--variables', value: '<file>', description: 'JSON array of {"key","value","masked"}: the variables expand_vars may use' },
        { flag: '--component', value: '<file>', description: 'JSON object {name, sha, version, reference}: the component context' },
      ],
      run: ({ args: [template], options }) => async (io) => {
        const { runInterpolate } = await import('./commands/interpolate.js');
        return runInterpolate({ template, inputs: options.inputs, variables: options.variables, component: options.component }, io);
      },
    }),
    defineCommand({
      name: 'validate',
      description: 'validate components (default: all under templates/) and the component includes in examples/',
      arguments: [{ name: 'paths', description: 'component files to check instead of the whole catalog', required: false, variadic: true }],
      options: [],
      run: ({ args: [paths] }) => async (io) => {
        const { runValidate } = await import('./commands/validate.js');
        return runValidate({ paths }, io);
      },
    }),
    defineCommand({
      name: 'render',
      description: "expand a pipeline's include:component entries, each read from its catalog (--catalog, .catalog.yml, or this repository) at the revision its version resolves to",
      arguments: [{ name: 'pipeline.yml', description: 'consumer pipeline', required: true }],
      options: [
        { flag: '--project-path', value: '<group/name>', description: 'what $CI_PROJECT_PATH stands for (default: from the origin remote)' },
        { flag: '--server-fqdn', value: '<host>', description: 'what $CI_SERVER_FQDN stands for (default: gitlab.com)' },
        { flag: '--sha', value: '<rev>', description: 'what $CI_COMMIT_SHA stands for (default: HEAD)' },
        { flag: '--repo', value: '<dir>', description: 'the repository of the pipeline, a source of its own components (default: the current directory)' },
        CATALOG_OPTION,
        REFRESH_OPTION,
      ],
      run: ({ args: [pipeline], options }) => async (io) => {
        const { runRender } = await import('./commands/render.js');
        return runRender(
          {
            pipeline,
            projectPath: options.projectPath,
            serverFqdn: options.serverFqdn,
            sha: options.sha,
            repo: options.repo,
            catalog: options.catalog,
            refresh: options.refresh,
          },
          io,
        );
      },
    }),
    defineCommand({
      name: 'schema',
      description: 'write one JSON Schema (draft 2020-12) per component describing its inputs',
      arguments: [],
      options: [{ flag: '--out', value: '<dir>', description: 'output directory', default: 'docs/schemas' }],
      run: ({ options }) => async (io) => {
        const { runSchema } = await import('./commands/schema.js');
        return runSchema({ out: options.out }, io);
      },
    }),
    lintCommand('lint', "lint the catalog's components (rendered with defaults and each example's inputs) and the given pipelines; in a project without components, check its pipelines (default .gitlab-ci.yml) as GitLab would, includes read from the catalogs"),
    lintCommand('check', 'the same as lint'),
    defineCommand({
      name: 'ci-schema update',
      description: "download GitLab's ci.json (or copy a file) into the cache `catalog lint` uses, after checking that it compiles",
      arguments: [],
      options: [{ flag: '--from', value: '<url-or-path>', description: 'where to get it (default: ci.json on gitlab.com, master)' }],
      run: ({ options }) => async (io) => {
        const { runCiSchemaUpdate } = await import('./commands/ci-schema.js');
        return runCiSchemaUpdate({ from: options.from }, io);
      },
    }),
    defineCommand({
      name: 'release',
      description:
        'release the catalog: check it can be published to the CI/CD Catalog, compute the version, write its CHANGELOG.md section, commit it and create the annotated tag; or, as `release check-tag <tag>`, check a tag in its tag pipeline',
      arguments: [
        { name: 'version', description: 'patch, minor, major or <x.y.z> (or check-tag)', required: false },
        { name: 'tag', description: 'with check-tag: the tag to check ("$CI_COMMIT_TAG")', required: false },
      ],
      options: [
        { flag: '--from-commits', description: 'the part the conventional commits since the highest semver tag ask for (breaking: major, feat: minor, fix: patch; in 0.x breaking: minor)' },
        { flag: '--pre', value: '<id>', description: 'a pre-release of that version (rc: 1.3.0-rc.0, then 1.3.0-rc.1)' },
        { flag: '--dry-run', description: 'print what would happen; change nothing on disk or in git' },
        { flag: '--push', description: 'push the branch and the tag to origin (default: print the git push command)' },
        { flag: '--notes', value: '<file>', description: "with check-tag: write the tag's CHANGELOG section to this file (the release job's description)" },
      ],
      run: ({ args: [version, tag], options }) => async (io) => {
        const { runRelease } = await import('./commands/release.js');
        return runRelease({ version, tag, fromCommits: options.fromCommits, pre: options.pre, dryRun: options.dryRun, push: options.push, notes: options.notes }, io);
      },
    }),
    defineCommand({
      name: 'build',
      description: 'write each templates/<name>.yml from its sources: components/<name>/template.yml and the shell files it includes',
      arguments: [],
      options: [{ flag: '--check', description: 'write nothing; exit 1 when a template is missing or out of date' }],
      run: ({ options }) => async (io) => {
        const { runBuild } = await import('./commands/build.js');
        return runBuild({ check: options.check }, io);
      },
    }),
    defineCommand({
      name: 'fork',
      description:
        "move this copy of the catalog to a new address: rewrite every reference to the current one (package.json's catalog.release.project-url) in the README, docs, examples, components and settings, optionally move the components' default images to a registry mirror, regenerate what is generated, then run the catalog's checks",
      arguments: [],
      options: [
        { flag: '--project-path', value: '<group/name>', description: 'the new project path (subgroups allowed: group/sub/name)' },
        { flag: '--server', value: '<host>', description: "the new GitLab's host[:port], what $CI_SERVER_FQDN stands for (default: the current one)" },
        { flag: '--server-base-path', value: '</path>', description: 'the path that GitLab is installed under (/gitlab in https://host/gitlab/group/name); in URLs only, never in include addresses (default: "" with --server, else the current one)' },
        { flag: '--image-registry', value: '<mirror>', description: "the pull-through mirror for the components' default images: host[:port][/path]" },
        { flag: '--image-registry-layout', value: '<layout>', description: 'how the mirror names upstream images: host (<mirror>/docker.io/library/docker:tag) or ecr (<mirror>/docker-hub/library/docker:tag)' },
        { flag: '--dry-run', description: 'print what would change; write nothing' },
      ],
      run: ({ options }) => async (io) => {
        const { runFork } = await import('./commands/fork.js');
        return runFork(
          {
            projectPath: options.projectPath,
            server: options.server,
            serverBasePath: options.serverBasePath,
            imageRegistry: options.imageRegistry,
            imageRegistryLayout: options.imageRegistryLayout,
            dryRun: options.dryRun,
          },
          io,
        );
      },
    }),
    defineCommand({
      name: 'new',
      description:
        'add a component that passes validate, lint, docs --check and build --check as it is: its sources (components/<name>/), an example pipeline, its README section, its input schema and the golden render of the example',
      arguments: [{ name: 'name', description: 'the component name: letters, digits, "_" and "-"', required: true }],
      options: [{ flag: '--description', value: '<text>', description: 'one line: what the component does (README, file headers)' }],
      run: ({ args: [name], options }) => async (io) => {
        const { runNew } = await import('./commands/new.js');
        return runNew({ name, description: options.description }, io);
      },
    }),
    defineCommand({
      name: 'docs',
      description: "regenerate each component's inputs table in README.md from its spec:inputs (between catalog-docs markers)",
      arguments: [],
      options: [{ flag: '--check', description: 'write nothing; exit 1 when a section is missing or out of date' }],
      run: ({ options }) => async (io) => {
        const { runDocs } = await import('./commands/docs.js');
        return runDocs({ check: options.check }, io);
      },
    }),
  ],
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  try {
    return await runCommandLine(PROGRAM, argv, io);
  } catch (error) {
    return reportFailure('catalog', error, io);
  }
}

await runIfExecuted(import.meta.url, main);
