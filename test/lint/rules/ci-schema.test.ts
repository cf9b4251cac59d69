import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LintSettings } from '../../../scripts/lint/rule.js';
import { ciSchema } from '../../../scripts/lint/rules/ci-schema.js';
import { compileCiSchema } from '../../../scripts/gitlab/ci-schema/ci-schema.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget } from '../../../scripts/lint/target.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { lintText, ruleTester } from '../../helpers/rule-tester.js';

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scripts/gitlab/ci-schema/gitlab-ci.schema.json'), 'utf8')) as Record<string, unknown>;
const settings: LintSettings = { shellcheck: false, ciSchema: schema, ciSchemaSource: 'vendored' };

/** The keys ci.json allows in a job, as the message lists them. */
const definitions = schema['definitions'] as Record<string, { properties: Record<string, unknown> }>;
const keysOf = (definition: string) => Object.keys(definitions[definition]?.properties ?? {}).sort().map((k) => JSON.stringify(k)).join(', ');
const JOB_KEYS = keysOf('job_template');
const WHEN = '"on_success", "on_failure", "always", "never", "manual", "delayed"';
const v = { variant: '' };

ruleTester(
  ciSchema,
  {
    valid: [
      'spec:\n  inputs:\n    stage:\n      default: test\n---\nbuild:\n  stage: $[[ inputs.stage ]]\n  script: echo hello\n',
      {
        name: "the header is not validated: ci.json's spec allows only inputs, GitLab also description, component and include",
        code: `spec:
  description: Builds the image
  component: [name, version]
  inputs:
    stage:
      default: build
---
build:
  stage: $[[ inputs.stage ]]
  script: echo $[[ component.name ]]
`,
      },
      {
        name: 'a pipeline with a spec header: only its content is validated',
        pipeline: true,
        code: 'spec:\n  description: a pipeline with inputs\n  inputs:\n    env:\n      default: dev\n---\nstages: [test]\ntest:\n  stage: test\n  script: echo $[[ inputs.env ]]\n',
      },
      {
        name: '!reference stands for what it refers to, known only after merging',
        pipeline: true,
        code: `.vars:
  variables:
    A: "1"
.setup:
  script:
    - echo setup
job:
  variables: !reference [.vars, variables]
  script:
    - !reference [.setup, script]
    - echo job
`,
      },
      {
        name: 'a hidden key may be any YAML anchor',
        pipeline: true,
        code: '.retry: &retry\n  max: 2\n.lists:\n  - [1, 2]\n  - nested: { any: thing }\njob:\n  retry: *retry\n  script: echo\n',
      },
      {
        name: 'delayed with start_in; include forms; needs forms',
        pipeline: true,
        code: `include:
  - local: /ci/build.yml
  - component: $CI_SERVER_FQDN/group/project/build@1.0.0
    inputs:
      stage: build
  - project: group/other
    file: /templates/x.yml
later:
  script: echo
  when: delayed
  start_in: 30 minutes
  needs:
    - job: build
      artifacts: false
    - pipeline: $PARENT_PIPELINE_ID
      job: gen
`,
      },
    ],
    invalid: [
      {
        name: 'an unknown key names the job and the keys ci.json allows',
        code: 'spec:\n  inputs: {}\n---\nbuild:\n  scrpit: echo hello\n',
        errors: [{ messageId: 'unknownKey', line: 5, column: 3, data: { key: '"scrpit"', where: 'job "build"', expected: JOB_KEYS, ...v } }],
      },
      {
        name: 'no anyOf/oneOf cascade: one error naming the types, at the value',
        code: 'spec:\n  inputs: {}\n---\nbuild:\n  script: 5\n  stage: [1]\n',
        errors: [
          { messageId: 'type', line: 5, column: 11, data: { where: '"script" in job "build"', expected: 'string or array', actual: 'number', ...v } },
          { messageId: 'type', line: 6, column: 11, data: { where: '"stage:0" in job "build"', expected: 'string', actual: 'number', ...v } },
        ],
      },
      {
        name: 'an enum, deep in a rules item (the other forms of a rule are dropped)',
        pipeline: true,
        code: 'job:\n  script: echo\n  when: sometimes\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: maybe\n',
        errors: [
          { messageId: 'enum', line: 3, column: 9, data: { where: '"when" in job "job"', expected: WHEN, actual: '"sometimes"', ...v } },
          { messageId: 'enum', line: 6, column: 13, data: { where: '"rules:0:when" in job "job"', expected: WHEN, actual: '"maybe"', ...v } },
        ],
      },
      {
        name: 'the form that fits is kept: an image object with a misspelt key',
        pipeline: true,
        code: 'job:\n  script: echo\n  image:\n    name: alpine\n    entrypiont: [""]\n',
        errors: [
          {
            messageId: 'unknownKey',
            line: 5,
            column: 5,
            data: { key: '"entrypiont"', where: '"image" in job "job"', expected: '"docker", "entrypoint", "kubernetes", "name", "pull_policy"', ...v },
          },
        ],
      },
      {
        name: 'an include item: one error listing the keys of every include form',
        pipeline: true,
        code: 'include:\n  - locl: /ci/build.yml\n',
        errors: [
          {
            messageId: 'unknownKey',
            line: 2,
            column: 5,
            data: { key: '"locl"', where: '"include:0"', expected: '"component", "file", "inputs", "integrity", "local", "project", "ref", "remote", "rules", "template"', ...v },
          },
        ],
      },
      {
        name: 'a missing required key points at the job',
        pipeline: true,
        code: 'stages: [deploy]\ndeploy:\n  script: echo\n  when: delayed\n',
        errors: [{ messageId: 'missingKey', line: 2, column: 1, data: { where: 'job "deploy"', key: '"start_in"', ...v } }],
      },
      {
        name: 'a keyword section, and a job that is not a mapping',
        pipeline: true,
        code: 'stages: build\ndefault:\n  imag: alpine\nbuild: echo\n',
        errors: [
          { messageId: 'type', line: 1, column: 9, data: { where: '"stages"', expected: 'array', actual: 'string', ...v } },
          {
            messageId: 'unknownKey',
            line: 3,
            column: 3,
            data: { key: '"imag"', where: '"default"', expected: defaultKeys(), ...v },
          },
          { messageId: 'type', line: 4, column: 8, data: { where: 'job "build"', expected: 'object', actual: 'string', ...v } },
        ],
      },
      {
        name: 'a key that matches no pattern',
        pipeline: true,
        code: 'include:\n  - component: $CI_SERVER_FQDN/group/project/build@1.0.0\n    inputs:\n      image name: alpine\n',
        errors: [{ messageId: 'invalid', line: 4, column: 7, data: { where: '"include:0:inputs"', problem: 'has key "image name", which matches none of /^[a-zA-Z0-9_-]+$/', ...v } }],
      },
      {
        name: 'other keywords keep ajv words: a limit',
        pipeline: true,
        code: 'job:\n  script: echo\n  retry: 5\n',
        errors: [{ messageId: 'invalid', line: 3, column: 10, data: { where: '"retry" in job "job"', problem: 'must be <= 2', ...v } }],
      },
      {
        name: 'an interpolated value is reported where the block is written',
        code: 'spec:\n  inputs:\n    when:\n      default: sometimes\n---\nbuild:\n  script: echo\n  when: $[[ inputs.when ]]\n',
        errors: [{ messageId: 'enum', line: 8, column: 9, data: { where: '"when" in job "build"', expected: WHEN, actual: '"sometimes"', ...v } }],
      },
    ],
  },
  settings,
);

/** `default:` keys as listed (`!reference` is how ci.json spells a tag, not a key). */
function defaultKeys(): string {
  const properties = (schema['properties'] as Record<string, { properties?: Record<string, unknown> }>)['default']?.properties ?? {};
  return Object.keys(properties)
    .filter((k) => !k.startsWith('!'))
    .sort()
    .map((k) => JSON.stringify(k))
    .join(', ');
}

describe('ci-schema rule', () => {
  it('does nothing without a schema', async () => {
    expect(await lintText(ciSchema, 'job:\n  scrpit: echo\n', true, { shellcheck: false })).toEqual([]);
  });

  it('compiles a schema once, whatever the number of targets', () => {
    expect(compileCiSchema(schema)).toBe(compileCiSchema(schema));
  });

  it("names the example whose inputs make a variant invalid, and reports a finding once across variants", async () => {
    const text = 'spec:\n  inputs:\n    when:\n      default: manual\n    stage:\n      default: 1\n      type: number\n---\nbuild:\n  script: echo\n  stage: $[[ inputs.stage ]]\n  when: $[[ inputs.when ]]\n';
    const examples = [
      { component: 'c', label: 'examples/a.yml:3:5', inputs: new Map([['when', 'sometimes']]) },
      { component: 'c', label: 'examples/b.yml:3:5', inputs: new Map([['when', 'sometimes']]) },
    ];
    const target = componentTarget('templates/c.yml', 'c', text, examples);
    const found = await lintProject({ root: '.', targets: [target] }, [ciSchema], settings, { rules: new Map(), ignores: [] });
    expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([
      '11:10 "stage" in job "build" must be string or array, not number',
      `12:9 "when" in job "build" must be one of ${WHEN}, not "sometimes" (with the inputs of examples/a.yml:3:5)`,
    ]);
  });

  it('validates against any draft-07 schema given, not only GitLab’s', async () => {
    const tiny = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: { type: 'object', required: ['script'] } };
    const found = await lintText(ciSchema, 'job:\n  image: x\n', true, { shellcheck: false, ciSchema: tiny });
    expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual(['1:1 job "job" is missing required key "script"']);
  });
});
