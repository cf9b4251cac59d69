import { unusedInput } from '../../../scripts/lint/rules/unused-input.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester(unusedInput, {
  valid: [
    'spec:\n  inputs:\n    stage:\n      default: test\n---\njob:\n  stage: $[[ inputs.stage ]]\n  script: echo\n',
    {
      name: 'read in a key, through functions and by index',
      code: `spec:
  inputs:
    as:
      default: lint
    tags:
      type: array
      default: [docker]
---
"$[[ inputs.as | truncate(0, 20) ]]":
  tags: ['$[[ inputs.tags[0] ]]']
  script: echo
`,
    },
    {
      name: 'an input that steers another input\'s rules is used',
      code: `spec:
  inputs:
    env:
      options: [dev, prod]
      default: dev
    replicas:
      type: number
      rules:
        - if: $[[ inputs.env ]] == "prod"
          default: 3
        - default: 1
---
job:
  parallel: $[[ inputs.replicas ]]
  script: echo
`,
    },
  ],
  invalid: [
    {
      code: `spec:
  inputs:
    stage:
      default: test
    image:
      default: alpine
    debug:
---
job:
  stage: $[[ inputs.stage ]]
  script: echo
`,
      errors: [
        { messageId: 'unused', line: 5, column: 5, data: { name: '"image"' } },
        { messageId: 'unused', line: 7, column: 5, data: { name: '"debug"' } },
      ],
    },
    {
      name: 'a !reference is not interpolated, so a block there reads nothing',
      code: `spec:
  inputs:
    job:
      default: build
---
job:
  script:
    - !reference ['$[[ inputs.job ]]', script]
`,
      errors: [{ messageId: 'unused', line: 3, column: 5, data: { name: '"job"' } }],
    },
    {
      name: 'flow mapping header',
      code: 'spec: {inputs: {a: {default: x}, b: {default: y}}}\n---\njob: {script: ["echo $[[ inputs.a ]]"]}\n',
      errors: [{ messageId: 'unused', line: 1, column: 34, data: { name: '"b"' } }],
    },
  ],
});
