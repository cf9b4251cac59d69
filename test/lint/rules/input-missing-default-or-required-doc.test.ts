import { inputMissingDefaultOrRequiredDoc } from '../../../scripts/lint/rules/input-missing-default-or-required-doc.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester(inputMissingDefaultOrRequiredDoc, {
  valid: [
    'spec:\n  inputs:\n    image:\n      description: Image to build (required)\n---\njob:\n  script: echo $[[ inputs.image ]]\n',
    { name: 'a default, even null', code: 'spec:\n  inputs:\n    tag:\n      default: null\n---\njob:\n  script: echo $[[ inputs.tag ]]\n' },
    {
      name: 'a fallback rule gives a default',
      code: `spec:
  inputs:
    env:
      rules:
        - options: [dev, prod]
---
job:
  script: echo $[[ inputs.env ]]
`,
    },
    { name: 'any case', code: 'spec:\n  inputs:\n    image:\n      description: REQUIRED. The image\n---\njob:\n  script: echo $[[ inputs.image ]]\n' },
  ],
  invalid: [
    {
      code: `spec:
  inputs:
    image:
      description: Image to build
    registry:
    token:
      description: Token; requirements apply
---
job:
  script: echo
`,
      errors: [
        { messageId: 'undocumented', line: 3, column: 5, data: { name: '"image"' } },
        { messageId: 'undocumented', line: 5, column: 5, data: { name: '"registry"' } },
        { messageId: 'undocumented', line: 6, column: 5, data: { name: '"token"' } },
      ],
    },
    {
      name: 'rules that all have a condition and no default leave the input required',
      code: `spec:
  inputs:
    env:
      description: Target environment
      rules:
        - if: $[[ inputs.env ]] == "x"
          options: [x]
---
job:
  script: echo $[[ inputs.env ]]
`,
      errors: [{ messageId: 'undocumented', line: 3, column: 5, data: { name: '"env"' } }],
    },
  ],
});
