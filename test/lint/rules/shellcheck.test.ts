/**
 * Runs the real shellcheck. Without it the suite is skipped (saying why), unless
 * CATALOG_REQUIRE_TOOLS=1, where a missing shellcheck fails it (CI sets that).
 */
import { describe, expect, it } from 'vitest';
import { ToolkitError } from '../../../scripts/core/errors.js';
import { shellcheck, startShellcheck } from '../../../scripts/lint/rules/shellcheck.js';
import { checkScript, shellcheckVersion, startChecks } from '../../../scripts/lint/shellcheck-process.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget } from '../../../scripts/lint/target.js';
import { lintText, ruleTester } from '../../helpers/rule-tester.js';

const version = await shellcheckVersion();
const required = process.env['CATALOG_REQUIRE_TOOLS'] === '1';
const QUOTE = { code: 2086, message: 'Double quote to prevent globbing and word splitting', variant: '' };
const CD = { code: 2164, message: "Use 'cd ... || exit' or 'cd ... || return' in case cd fails", variant: '' };

if (version === undefined && required) {
  it('shellcheck is installed', () => {
    throw new Error('shellcheck is not on PATH and CATALOG_REQUIRE_TOOLS=1 requires it: install it (Debian: apt-get install shellcheck)');
  });
} else if (version === undefined) {
  it.skip('shellcheck rule: skipped because shellcheck is not installed (set CATALOG_REQUIRE_TOOLS=1 to fail instead)', () => {});
} else {
  ruleTester(shellcheck, {
    valid: [
      'spec:\n  inputs: {}\n---\nbuild:\n  script:\n    - echo "$CI_COMMIT_SHA"\n',
      {
        name: 'variables assigned in before_script (or an inherited default one) are used by script: one shell',
        pipeline: true,
        code: `default:
  before_script:
    - VERSION=$(cat VERSION)
job:
  before_script:
    - TAG="v1"
  script:
    - echo "$TAG"
other:
  script:
    - echo "$VERSION"
`,
      },
      {
        name: 'hidden jobs are fragments: what they assign may be read by the jobs that extend them',
        pipeline: true,
        code: '.setup:\n  before_script:\n    - UNUSED_HERE=1\njob:\n  extends: .setup\n  script: echo "$UNUSED_HERE"\n',
      },
      {
        name: 'bash syntax is fine for an image named bash, or after a bash shebang',
        pipeline: true,
        code: `with-image:
  image: bash:5.2
  script:
    - if [[ -n "$CI" ]]; then echo ci; fi
with-shebang:
  script:
    - |
      #!/usr/bin/env bash
      if [[ -n "$CI" ]]; then echo ci; fi
`,
      },
      {
        name: '!reference items are left out; a directive item applies to the next line',
        pipeline: true,
        code: `job:
  script:
    - !reference [.setup, script]
    - '# shellcheck disable=SC2086'
    - echo $CI_JOB_ID
`,
      },
    ],
    invalid: [
      {
        name: 'plain, quoted and flow items point at the exact column',
        pipeline: true,
        code: `job:
  script:
    - echo $CI_JOB_ID
    - "echo $CI_JOB_ID"
    - 'cd $HOME'
    - [echo $CI_JOB_NAME]
`,
        errors: [
          { messageId: 'finding', line: 3, column: 12, data: QUOTE },
          { messageId: 'finding', line: 4, column: 13, data: QUOTE },
          { messageId: 'finding', line: 5, column: 8, data: CD },
          { messageId: 'finding', line: 5, column: 11, data: QUOTE },
          { messageId: 'finding', line: 6, column: 13, data: QUOTE },
        ],
      },
      {
        name: 'a literal block maps line by line; a folded one to its start',
        pipeline: true,
        code: `job:
  script:
    - |
      for f in *.txt; do
        cat $f
      done
    - >
      echo
      $CI_JOB_ID
`,
        errors: [
          { messageId: 'finding', line: 5, column: 13, data: QUOTE },
          { messageId: 'finding', line: 7, column: 7, data: QUOTE },
        ],
      },
      {
        name: 'sh is assumed: bash syntax without a bash image or shebang',
        pipeline: true,
        code: 'job:\n  image: alpine:3.20\n  script:\n    - if [[ -n "$CI" ]]; then echo ci; fi\n',
        errors: [{ messageId: 'finding', line: 4, column: 10, data: { code: 3010, message: 'In POSIX sh, [[ ]] is undefined', variant: '' } }],
      },
      {
        name: 'default: and hidden jobs, after_script in its own shell',
        pipeline: true,
        code: `default:
  after_script:
    - rm -rf $CI_PROJECT_DIR/tmp
.template:
  script:
    - cd $CI_PROJECT_DIR
job:
  script: echo "$CI_JOB_ID"
`,
        errors: [
          { messageId: 'finding', line: 3, column: 14, data: QUOTE },
          { messageId: 'finding', line: 6, column: 7, data: CD },
          { messageId: 'finding', line: 6, column: 10, data: QUOTE },
        ],
      },
      {
        name: 'in a literal block with $[[ ]] blocks: the exact column before the block, the line after it',
        code: `spec:
  inputs:
    flags:
      default: -l
---
build:
  script:
    - |
      set -eu
      ls $CI_PROJECT_DIR $[[ inputs.flags ]]
      ls $[[ inputs.flags ]] $CI_PROJECT_DIR
`,
        errors: [
          { messageId: 'finding', line: 10, column: 10, data: QUOTE },
          { messageId: 'finding', line: 11, column: 7, data: QUOTE },
        ],
      },
      {
        name: 'text a $[[ ]] block changed points at the item',
        code: 'spec:\n  inputs:\n    dir:\n      default: /tmp\n---\nbuild:\n  script:\n    - cd $[[ inputs.dir ]]; ls $CI_PROJECT_DIR\n',
        errors: [
          { messageId: 'finding', line: 8, column: 7, data: QUOTE },
          { messageId: 'finding', line: 8, column: 7, data: CD },
        ],
      },
    ],
  });

  describe('shellcheck rule', () => {
    it('reports error-level findings as errors, the rest as warnings, with the code', async () => {
      const found = await lintText(shellcheck, 'job:\n  script:\n    - echo $((1 +\n    - echo $CI_JOB_ID\n', true);
      expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.severity} ${d.message}`)).toContain(
        "3:12 error SC1073: Couldn't parse this $((..)) expression. Fix to allow more checks",
      );
      expect(found.every((d) => d.severity === 'error' || d.severity === 'warning')).toBe(true);
    });

    it('does nothing with shellcheck turned off', async () => {
      expect(await lintText(shellcheck, 'job:\n  script: echo $CI_JOB_ID\n', true, { shellcheck: false })).toEqual([]);
    });

    it('names the example whose inputs give the finding, once across variants', async () => {
      const text = 'spec:\n  inputs:\n    flags:\n      default: "-v"\n---\nbuild:\n  script:\n    - ls $[[ inputs.flags ]]\n';
      const examples = [
        { component: 'c', label: 'examples/a.yml:3:5', inputs: new Map([['flags', '$LS_FLAGS']]) },
        { component: 'c', label: 'examples/b.yml:3:5', inputs: new Map([['flags', '$LS_FLAGS']]) },
      ];
      const target = componentTarget('templates/c.yml', 'c', text, examples);
      const found = await lintProject({ root: '.', targets: [target] }, [shellcheck], { shellcheck: true }, { rules: new Map(), ignores: [] });
      expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([
        '8:10 SC2086: Double quote to prevent globbing and word splitting (with the inputs of examples/a.yml:3:5)',
      ]);
    });

    it('fails with a clear message when shellcheck cannot be found', async () => {
      const saved = process.env['PATH'];
      process.env['PATH'] = '/nonexistent';
      try {
        expect(await shellcheckVersion()).toBeUndefined();
        const run = checkScript(`echo "not cached ${Date.now()}"`, 'sh');
        await expect(run).rejects.toBeInstanceOf(ToolkitError);
        await expect(run).rejects.toThrow(/cannot run shellcheck: it is not installed/);
      } finally {
        process.env['PATH'] = saved;
      }
    });

    it('checks a script text once, however many jobs and runs have it', async () => {
      const script = `echo "${Date.now()}"`;
      expect(checkScript(script, 'sh')).toBe(checkScript(script, 'sh'));
      expect(checkScript(script, 'bash')).not.toBe(checkScript(script, 'sh'));
    });

    it('starts a whole project at once; the rule then finds the answers under way', async () => {
      const stamp = Date.now();
      const text = `spec:\n  inputs: {}\n---\nbuild:\n  script:\n    - echo $CI_JOB_ID ${stamp}\ntest:\n  script:\n    - ls $HOME ${stamp}\n`;
      const target = componentTarget('templates/c.yml', 'c', text);
      const project = { root: '.', targets: [target] };
      await startShellcheck(project);
      const before = checkScript(`echo $CI_JOB_ID ${stamp}`, 'sh');
      const found = await lintProject(project, [shellcheck], { shellcheck: true }, { rules: new Map(), ignores: [] });
      expect(checkScript(`echo $CI_JOB_ID ${stamp}`, 'sh')).toBe(before);
      expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([
        '6:12 SC2086: Double quote to prevent globbing and word splitting',
        '9:10 SC2086: Double quote to prevent globbing and word splitting',
      ]);
    });

    it('checks many scripts asked for together, each answered with its own findings', async () => {
      const stamp = Date.now();
      const scripts = Array.from({ length: 7 }, (_, i) => ({ script: `echo ${'x'.repeat(i)} $V${i} # ${stamp}`, shell: 'sh' as const }));
      await startChecks(scripts);
      const results = await Promise.all(scripts.map(({ script, shell }) => checkScript(script, shell)));
      expect(results.map((findings) => findings.map((f) => `${f.code}@${f.column}`))).toEqual(scripts.map((_, i) => [`2086@${7 + i}`]));
    });

    it('reports its version', () => {
      expect(version).toMatch(/^\d+\.\d+/);
    });
  });
}
