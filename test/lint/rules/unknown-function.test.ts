import { unknownFunction } from '../../../scripts/lint/rules/unknown-function.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KNOWN = '"truncate", "expand_vars", "posix_escape", "split"';
const component = (script: string) => `spec:\n  inputs:\n    name:\n      default: x\n---\njob:\n  script:\n    - ${script}\n`;

ruleTester(unknownFunction, {
  valid: [
    component('echo "$[[ inputs.name | expand_vars | truncate(0, 8) ]]"'),
    { name: 'truncate without its closing parenthesis matches GitLab\'s pattern', code: component('echo "$[[ inputs.name | truncate(1,2 ]]"') },
    { name: 'split last', code: component("$[[ inputs.name | expand_vars | split(',') ]]") },
    { name: 'matrix blocks are left to the runner', code: component('echo "$[[ matrix.ARCH | shout ]]"') },
    { name: 'a pipeline is not interpolated', code: 'job:\n  script: echo "$[[ inputs.name | shout ]]"\n', pipeline: true },
  ],
  invalid: [
    {
      name: 'unknown names and malformed arguments',
      code: component('echo "$[[ inputs.name | posix_quote ]]" "$[[ inputs.name | truncate(-1, 2) | split("," ) ]]"'),
      errors: [
        { messageId: 'noMatch', line: 8, column: 13, data: { expression: '"posix_quote"', known: KNOWN } },
        // Findings at one position come sorted by message.
        { messageId: 'noMatch', line: 8, column: 48, data: { expression: '"split(\\",\\" )"', known: KNOWN } },
        { messageId: 'noMatch', line: 8, column: 48, data: { expression: '"truncate(-1, 2)"', known: KNOWN } },
      ],
    },
    {
      name: 'split not last',
      code: component("$[[ inputs.name | split(',') | posix_escape ]]"),
      errors: [{ messageId: 'splitNotLast', line: 8, column: 7 }],
    },
    {
      name: 'more than three functions, and an empty expression',
      code: component('echo "$[[ inputs.name | expand_vars | truncate(0,5) | posix_escape | posix_escape ]]" "$[[ inputs.name || posix_escape ]]"'),
      errors: [
        { messageId: 'tooMany', line: 8, column: 13, data: { max: 3, count: 4 } },
        { messageId: 'noMatch', line: 8, column: 94, data: { expression: '""', known: KNOWN } },
      ],
    },
  ],
});
