import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../scripts/core/diagnostic.js';
import type { Value } from '../../../scripts/gitlab/ruby/value.js';
import type { LintTarget } from '../../../scripts/lint/rule.js';
import { jobNameCollision } from '../../../scripts/lint/rules/job-name-collision.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget, pipelineTarget } from '../../../scripts/lint/target.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const withAs = (as: string, body: string) => `spec:\n  inputs:\n    as:\n      default: ${as}\n---\n${body}`;

ruleTester(jobNameCollision, {
  valid: [
    withAs('docker-build', `'$[[ inputs.as ]]':\n  script: docker build .\ntest:\n  script: make test\n`),
    { name: 'a pipeline alone', pipeline: true, code: `build:\n  script: make\ntest:\n  script: make test\n` },
  ],
  invalid: [
    {
      name: 'a literal key dropped by a later key that renders to the same name',
      code: withAs('build', `build:\n  script: echo one\n'$[[ inputs.as ]]':\n  script: echo two\n`),
      errors: [{ messageId: 'sameKey', line: 6, column: 1, data: { job: '"build"', line: 8 } }],
    },
    {
      name: 'an interpolated key dropped by a later literal key',
      code: withAs('test', `'$[[ inputs.as ]]':\n  script: echo one\ntest:\n  script: echo two\n`),
      errors: [{ messageId: 'sameKey', line: 6, column: 1, data: { job: '"test"', line: 8 } }],
    },
  ],
});

const lint = async (targets: LintTarget[]): Promise<string[]> =>
  (await lintProject({ root: '.', targets }, [jobNameCollision], { shellcheck: false }, { rules: new Map(), ignores: [] })).map(formatDiagnostic);
const example = (label: string, inputs: Record<string, Value>) => ({ component: 'build', label, inputs: new Map(Object.entries(inputs)) });

describe('job-name-collision across files', () => {
  const fixed = `spec:\n  inputs:\n    context:\n      default: .\n---\nbuild:\n  script: docker build $[[ inputs.context ]]\n`;

  it('names both components when their defaults define the same job', async () => {
    const a = componentTarget('templates/a.yml', 'a', withAs('docker-build', `'$[[ inputs.as ]]':\n  script: docker build .\n`));
    const b = componentTarget('templates/b.yml', 'b', `spec:\n  inputs:\n    stage:\n      default: build\n---\n\ndocker-build:\n  stage: $[[ inputs.stage ]]\n  script: docker build .\n`);
    expect(await lint([a, b])).toEqual([
      'templates/a.yml:6:1: job "docker-build" is also defined by component "b" (templates/b.yml:7:1); a pipeline that includes both gets one deep-merged job [job-name-collision]',
      'templates/b.yml:7:1: job "docker-build" is also defined by component "a" (templates/a.yml:6:1); a pipeline that includes both gets one deep-merged job [job-name-collision]',
    ]);
  });

  it('lets equal hidden templates merge, not different ones', async () => {
    const text = (script: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n.login:\n  before_script: [${script}]\n`;
    expect(await lint([componentTarget('templates/a.yml', 'a', text('a')), componentTarget('templates/b.yml', 'b', text('a'))])).toEqual([]);
    expect(await lint([componentTarget('templates/a.yml', 'a', text('a')), componentTarget('templates/b.yml', 'b', text('b'))])).toHaveLength(2);
  });

  it('reports a fixed job name included twice with different inputs by one example', async () => {
    const target = componentTarget('templates/build.yml', 'build', fixed, [
      example('examples/multi.yml:3:16', { context: 'api' }),
      example('examples/multi.yml:7:16', { context: 'web' }),
    ]);
    expect(await lint([target])).toEqual([
      'templates/build.yml:6:1: job "build" comes out of both includes of this component in examples/multi.yml (at 3:16 and 7:16) with the same name, and GitLab deep-merges them into one job; name the job from an input such as "$[[ inputs.as ]]" and give each include its own value [job-name-collision]',
    ]);
  });

  it('does not report includes in different files, equal inputs, or names from an input', async () => {
    const twoFiles = componentTarget('templates/build.yml', 'build', fixed, [example('examples/a.yml:3:16', { context: 'api' }), example('examples/b.yml:3:16', { context: 'web' })]);
    const sameInputs = componentTarget('templates/build.yml', 'build', fixed, [example('examples/a.yml:3:16', { context: 'api' }), example('examples/a.yml:7:16', { context: 'api' })]);
    const named = componentTarget('templates/build.yml', 'build', withAs('build', `'$[[ inputs.as ]]':\n  script: docker build .\n`), [
      example('examples/a.yml:3:16', { as: 'build-api' }),
      example('examples/a.yml:7:16', { as: 'build-web' }),
    ]);
    expect(await lint([twoFiles, sameInputs, named])).toEqual([]);
  });

  it('reports pipeline jobs and includes that collide with what an included component produces (not repeated includes)', async () => {
    const buildx = componentTarget('templates/buildx.yml', 'buildx', withAs('buildx-build', `'$[[ inputs.as ]]':\n  script: docker buildx build .\n`));
    const pipeline = pipelineTarget(
      '.gitlab-ci.yml',
      [
        'include:',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        '    inputs:',
        '      as: build',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        '    inputs: { as: buildx-build }',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        '  - component: gitlab.com/other-group/catalog/buildx@1.0.0',
        'build:',
        '  script: make',
        '',
      ].join('\n'),
    );
    expect(await lint([buildx, pipeline])).toEqual([
      '.gitlab-ci.yml:6:16: this include of component "buildx" produces job "buildx-build", which the include at line 5 (component "buildx") also produces; GitLab deep-merges them into one job [job-name-collision]',
      '.gitlab-ci.yml:10:1: job "build" is also produced by component "buildx" included at line 2; GitLab deep-merges the two into one job [job-name-collision]',
    ]);
  });

  it('does not report a pipeline definition that could not be a job on its own (no script, run, trigger or extends): it adds keys to the included job, as GitLab documents for included jobs', async () => {
    const buildx = componentTarget('templates/buildx.yml', 'buildx', withAs('buildx-build', `'$[[ inputs.as ]]':\n  script: docker buildx build .\n`));
    const pipeline = pipelineTarget(
      '.gitlab-ci.yml',
      [
        'include:',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        '    inputs:',
        '      as: build',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx@$CI_COMMIT_SHA',
        'build:',
        '  parallel:',
        '    matrix:',
        '      - {PLATFORM: linux/amd64, RUNNER: saas-linux-small-amd64}',
        '      - {PLATFORM: linux/arm64, RUNNER: saas-linux-small-arm64}',
        '  tags: [$RUNNER]',
        'buildx-build:',
        '  extends: .other',
        '',
      ].join('\n'),
    );
    expect(await lint([buildx, pipeline])).toEqual([
      '.gitlab-ci.yml:12:1: job "buildx-build" is also produced by component "buildx" included at line 5; GitLab deep-merges the two into one job [job-name-collision]',
    ]);
  });
});
