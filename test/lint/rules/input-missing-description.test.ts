import { inputMissingDescription } from '../../../scripts/lint/rules/input-missing-description.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester(inputMissingDescription, {
  valid: [
    'spec:\n  inputs:\n    stage:\n      default: test\n      description: Stage of the job\n---\njob:\n  stage: $[[ inputs.stage ]]\n  script: echo\n',
    { name: 'no inputs', code: 'spec:\n---\njob:\n  script: echo\n' },
    { name: 'an integer description is alphanumeric to GitLab', code: 'spec:\n  inputs:\n    a:\n      description: 42\n---\njob:\n  script: echo $[[ inputs.a ]]\n' },
  ],
  invalid: [
    {
      code: `spec:
  inputs:
    stage:
      default: test
    image:
    tag:
      description: "  "
    push:
      type: boolean
      default: true
      description: Push the image
---
job:
  script: echo
`,
      errors: [
        { messageId: 'missing', line: 3, column: 5, data: { name: '"stage"' } },
        { messageId: 'missing', line: 5, column: 5, data: { name: '"image"' } },
        { messageId: 'missing', line: 6, column: 5, data: { name: '"tag"' } },
      ],
    },
  ],
});
