import { undefinedInput } from '../../../scripts/lint/rules/undefined-input.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester(undefinedInput, {
  valid: [
    `spec:
  inputs:
    stage:
      default: test
---
job:
  stage: $[[ inputs.stage ]]
  script: echo "$[[ inputs.stage | truncate(0, 3) ]]"
`,
    {
      name: 'listed component field and indexed input',
      code: `spec:
  component: [version]
  inputs:
    tags:
      type: array
      default: [a]
---
job:
  tags: ['$[[ inputs.tags[0] ]]']
  script: echo "$[[ component.version ]]"
`,
    },
    {
      name: 'matrix blocks are the runner\'s',
      code: 'spec:\n  inputs: {}\n---\njob:\n  script: echo "$[[ matrix.ARCH ]]"\n',
    },
    {
      name: 'inputs from spec:include may be declared elsewhere',
      code: 'spec:\n  include:\n    - local: inputs.yml\n---\njob:\n  script: echo "$[[ inputs.elsewhere ]]"\n',
    },
  ],
  invalid: [
    {
      name: 'misspelled input, with a suggestion',
      code: `spec:
  inputs:
    stage:
      default: test
    image:
      default: alpine
---
job:
  image: $[[ inputs.image ]]
  stage: $[[ inputs.stgae ]]
`,
      errors: [{ messageId: 'inputSuggest', line: 10, column: 10, data: { name: '"stgae"', suggestion: '"stage"' } }],
    },
    {
      name: 'no declared name is close',
      code: 'spec:\n  inputs:\n    stage:\n      default: test\n---\njob:\n  stage: $[[ inputs.stage ]]\n  script: echo "$[[ inputs.registry ]]" "$[[ inputs.Stage ]]"\n',
      errors: [
        { messageId: 'input', line: 8, column: 17, data: { name: '"registry"' } },
        { messageId: 'inputSuggest', line: 8, column: 42, data: { name: '"Stage"', suggestion: '"stage"' } },
      ],
    },
    {
      name: 'component fields must be listed',
      code: `spec:
  component: [name, version]
---
job:
  script:
    - echo "$[[ component.sha ]]"
    - echo "$[[ component.versoin ]]"
    - echo "$[[ component.name ]]"
`,
      errors: [
        { messageId: 'component', line: 6, column: 13, data: { name: '"sha"' } },
        { messageId: 'componentSuggest', line: 7, column: 13, data: { name: '"versoin"', suggestion: '"version"' } },
      ],
    },
    {
      name: 'in a key',
      code: 'spec:\n  inputs:\n    as:\n      default: lint\n---\n"$[[ inputs.ass ]]":\n  script: echo\n',
      errors: [{ messageId: 'inputSuggest', line: 6, column: 2, data: { name: '"ass"', suggestion: '"as"' } }],
    },
  ],
});
