import { describe, expect, it } from 'vitest';
import { invalidDefault } from '../../../scripts/lint/rules/invalid-default.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget } from '../../../scripts/lint/target.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const SELECTED_ONLY_BY_CONSUMERS = `spec:
  inputs:
    env:
      default: dev
      options: [dev, prod]
    replicas:
      type: number
      rules:
        - if: $[[ inputs.env ]] == "prod"
          default: many
        - options: [1, 2]
---
job:
  parallel: $[[ inputs.replicas ]]
  script: echo $[[ inputs.env ]]
`;

/** A bad default of the entry that applies with no inputs: GitLab's own check reports it. */
const APPLIES_BY_DEFAULT = `spec:
  inputs:
    replicas:
      type: number
      rules:
        - options: [1, 2]
          default: many
---
job:
  parallel: $[[ inputs.replicas ]]
  script: echo
`;

ruleTester(invalidDefault, {
  valid: [
    SELECTED_ONLY_BY_CONSUMERS.replace('many', '3'),
    { name: 'a plain default is left to the GitLab check', code: 'spec:\n  inputs:\n    level:\n      type: number\n      default: high\n---\njob:\n  script: echo $[[ inputs.level ]]\n' },
    { name: 'the entry that applies with no inputs is left to the GitLab check', code: APPLIES_BY_DEFAULT },
    {
      name: 'an entry without a default uses its first option',
      code: 'spec:\n  inputs:\n    env:\n      rules:\n        - options: [dev, prod]\n---\njob:\n  script: echo $[[ inputs.env ]]\n',
    },
  ],
  invalid: [
    {
      name: 'type',
      code: SELECTED_ONLY_BY_CONSUMERS,
      errors: [{ messageId: 'invalid', line: 10, column: 20, data: { message: '`replicas` input: default value is not a number' } }],
    },
    {
      name: 'options of the same entry, and regex',
      code: `spec:
  inputs:
    env:
      default: dev
    region:
      regex: ^[a-z]+-[a-z]+-[0-9]$
      rules:
        - if: $[[ inputs.env ]] == "prod"
          options: [eu-west-1, us-east-1]
          default: eu-central-1
        - if: $[[ inputs.env ]] == "staging"
          default: eu-central
        - options: [local-dev-1]
---
job:
  script: echo $[[ inputs.region ]] $[[ inputs.env ]]
`,
      errors: [
        { messageId: 'invalid', line: 10, column: 20, data: { message: '`region` input: `eu-central-1` cannot be used because it is not in the list of allowed options' } },
        { messageId: 'invalid', line: 12, column: 20, data: { message: '`region` input: default value does not match required RegEx pattern' } },
      ],
    },
  ],
});

describe('invalid-default and the GitLab check', () => {
  it('leaves the default GitLab validates on every include to the `inputs` finding, so it is reported once', async () => {
    const target = componentTarget('templates/c.yml', 'c', APPLIES_BY_DEFAULT);
    const found = await lintProject({ root: '.', targets: [target] }, [invalidDefault], { shellcheck: false }, { rules: new Map(), ignores: [] });
    expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message} [${d.ruleId}]`)).toEqual([
      '4:7 `replicas` input: `many` cannot be used because it is not in the list of the allowed options [inputs]',
      '4:7 `replicas` input: default value is not a number [inputs]',
    ]);
  });
});
