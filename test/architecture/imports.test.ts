/**
 * The layout's promises (docs/architecture.md) over the real tree, and the checker itself on planted
 * violations, so that a green run means the rules were applied and not that the checker saw nothing.
 */
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { importViolations, layerOf, readSources, type SourceFile } from './import-graph.js';

describe('import graph of scripts/ and harness/', () => {
  it('imports point down the layers, shipped code never imports the harness or tests, one importer per library, one git runner', () => {
    const files = readSources(REPO_ROOT, ['scripts', 'harness']);
    expect(files.length).toBeGreaterThan(100);
    expect(importViolations(files)).toEqual([]);
  });
});

describe('the checker', () => {
  const file = (path: string, text: string): SourceFile => ({ path, text });

  it('places modules in layers by their longest matching prefix', () => {
    expect(layerOf('scripts/core/git.ts')).toBe(0);
    expect(layerOf('scripts/gitlab/expression.ts')).toBeLessThan(layerOf('scripts/gitlab/inputs/header.ts') ?? -1);
    expect(layerOf('scripts/cli/main.ts')).toBeLessThan(layerOf('harness/integration/engine.ts') ?? -1);
    expect(layerOf('scripts/unplaced.ts')).toBeUndefined();
  });

  it('reports an upward import, a static or dynamic one, with its line', () => {
    const found = importViolations([
      file('scripts/gitlab/expression.ts', "import { header } from './inputs/header.js';\n"),
      file('scripts/core/files.ts', "\nconst m = await import('../lint/run.js');\n"),
      file('scripts/cli/main.ts', "import { run } from '../../harness/cli/main.js';\n"),
    ]);
    expect(found).toEqual([
      'scripts/gitlab/expression.ts:1: imports upward, from scripts/gitlab/variables.ts scripts/gitlab/expression.ts to scripts/gitlab/inputs/header.ts',
      'scripts/core/files.ts:2: imports upward, from scripts/core/ to scripts/lint/run.ts',
      'scripts/cli/main.ts:1: imports upward, from scripts/cli/ scripts/index.ts to harness/cli/main.ts',
    ]);
  });

  it('allows imports within a layer and downward', () => {
    expect(
      importViolations([
        file('scripts/lint/run.ts', "import { a } from './rule.js';\nimport { b } from '../gitlab/yaml/psych.js';\nimport { c } from '../core/diagnostic.js';\n"),
        file('harness/bench/bench.ts', "import { d } from '../../scripts/cli/main.js';\n"),
      ]),
    ).toEqual([]);
  });

  it('reports imports of the tests from shipped code and from the harness', () => {
    expect(importViolations([file('harness/bench/bench.ts', "import { makeRepo } from '../../test/parity/gitlab-ci-local.js';\n")])).toEqual([
      'harness/bench/bench.ts:1: imports the tests (test/parity/gitlab-ci-local.ts)',
    ]);
  });

  it('reports a second importer of a library, however it is loaded', () => {
    expect(
      importViolations([
        file('scripts/gitlab/yaml/psych.ts', "const yaml = createRequire(import.meta.url)('yaml');\n"),
        file('harness/integration/registry.ts', "import { stringify } from 'yaml';\n"),
        file('scripts/lint/rules/ci-schema.ts', "const { default: addFormats } = await import('ajv-formats');\n"),
      ]),
    ).toEqual([
      'harness/integration/registry.ts:1: imports yaml, which only scripts/gitlab/yaml/psych.ts may import',
      'scripts/lint/rules/ci-schema.ts:1: imports ajv-formats, which only scripts/core/json-schema.ts may import',
    ]);
  });

  it('reports git run anywhere but the git module, and a module in no layer', () => {
    expect(
      importViolations([
        file('scripts/core/git.ts', "spawn('git', ['cat-file', '--batch']);\n"),
        file('harness/integration/environment.ts', "await run('git', ['clone', repo, dest]);\n"),
        file('scripts/stray.ts', ''),
      ]),
    ).toEqual([
      "harness/integration/environment.ts:1: runs git, which only scripts/core/git.ts may do",
      'scripts/stray.ts:1: belongs to no layer (add it to LAYERS or move it)',
    ]);
  });
});
