import { describe, expect, it } from 'vitest';
import { onlyShellSafeMatches, unescapedInputInScript } from '../../../scripts/lint/rules/unescaped-input-in-script.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const HEADER = `spec:
  inputs:
    tag:
      default: latest
    env:
      default: dev
      options: [dev, prod]
    version:
      default: v1.2
      regex: ^v[0-9]+\\.[0-9]+$
    delay:
      type: number
      default: 5
---
`;

ruleTester(unescapedInputInScript, {
  valid: [
    HEADER + 'job:\n  script:\n    - $[[ inputs.tag | posix_escape ]]\n',
    {
      name: 'through a variable, quoted',
      code: HEADER + 'job:\n  variables:\n    TAG: $[[ inputs.tag ]]\n  script:\n    - docker build -t "app:$TAG" .\n',
    },
    {
      name: 'a closed set, a shell-safe anchored regex, a number',
      code: HEADER + 'job:\n  script:\n    - deploy --env $[[ inputs.env ]] --version $[[ inputs.version ]]\n    - sleep $[[ inputs.delay ]]\n',
    },
    {
      name: 'rules that always give options',
      code: `spec:
  inputs:
    tier:
      rules:
        - if: $[[ inputs.tier ]] == "x"
          options: [x]
        - options: [small, large]
---
job:
  script: echo $[[ inputs.tier ]]
`,
    },
    {
      name: 'not a script',
      code: HEADER + 'variables:\n  script: $[[ inputs.tag ]]\njob:\n  image: alpine:$[[ inputs.tag ]]\n  variables:\n    script: $[[ inputs.tag ]]\n  script: echo\n',
    },
  ],
  invalid: [
    {
      name: 'jobs, default:, hidden jobs and the global keys',
      code:
        HEADER +
        `before_script:
  - echo $[[ inputs.tag ]]
default:
  after_script: ["echo $[[ inputs.tag ]]"]
.base:
  before_script:
    - - echo $[[ inputs.tag ]]
job:
  script: |
    set -e
    docker push "app:$[[ inputs.tag | expand_vars ]]"
`,
      errors: [
        { messageId: 'unescaped', line: 16, column: 10, data: { name: '"tag"', key: 'before_script' } },
        { messageId: 'unescaped', line: 18, column: 24, data: { name: '"tag"', key: 'after_script' } },
        { messageId: 'unescaped', line: 21, column: 14, data: { name: '"tag"', key: 'before_script' } },
        { messageId: 'unescaped', line: 25, column: 22, data: { name: '"tag"', key: 'script' } },
      ],
    },
    {
      name: 'a regex that is not anchored at both ends or admits metacharacters',
      code: `spec:
  inputs:
    a:
      regex: '[a-z]+'
    b:
      regex: ^[a-z]+$|^x$
    c:
      regex: ^[a-z ]+$
    d:
      regex: \\A.+\\z
    e:
      rules:
        - if: $[[ inputs.e ]] == "x"
          options: [x]
---
job:
  script:
    - run $[[ inputs.a ]] $[[ inputs.b ]] $[[ inputs.c ]] $[[ inputs.d ]] $[[ inputs.e ]]
`,
      errors: [
        { messageId: 'unescaped', line: 18, column: 11, data: { name: '"a"', key: 'script' } },
        { messageId: 'unescaped', line: 18, column: 27, data: { name: '"b"', key: 'script' } },
        { messageId: 'unescaped', line: 18, column: 43, data: { name: '"c"', key: 'script' } },
        { messageId: 'unescaped', line: 18, column: 59, data: { name: '"d"', key: 'script' } },
        { messageId: 'unescaped', line: 18, column: 75, data: { name: '"e"', key: 'script' } },
      ],
    },
    {
      name: 'posix_escape not last',
      code: HEADER + 'job:\n  script:\n    - $[[ inputs.tag | posix_escape | truncate(0, 10) ]]\n',
      errors: [{ messageId: 'notLast', line: 17, column: 7, data: { name: '"tag"', after: '"truncate(0, 10)"' } }],
    },
    {
      name: 'posix_escape inside a longer string, in a script or anywhere',
      code: HEADER + 'job:\n  variables:\n    OPTS: --tag $[[ inputs.tag | posix_escape ]]\n  script:\n    - echo $[[ inputs.tag | posix_escape ]]\n',
      errors: [
        { messageId: 'insideString', line: 17, column: 17 },
        { messageId: 'insideString', line: 19, column: 12 },
      ],
    },
  ],
});

describe('onlyShellSafeMatches', () => {
  it.each([
    ['^v[0-9]+\\.[0-9]+$', true],
    ['\\A[a-z0-9_-]{1,63}\\z', true],
    ['^(?:amd64|arm64)$', true],
    ['^[\\w.-]+(/[\\w.-]+)*$', true],
    ['^$', true],
    ['[a-z]+', false],
    ['^[a-z]+', false],
    ['^a|b$', false],
    ['^[^;]+$', false],
    ['^.+$', false],
    ['^\\S+$', false],
    ['^[\\s]+$', false],
    ['^[!-~]+$', false],
    ['^(?i)[a-z]+$', false],
    ['^a\\$', false],
    ['^a\\\\$', false],
    ['^[a-z]+\\z', true],
  ])('%s → %s', (pattern, safe) => {
    expect(onlyShellSafeMatches(pattern)).toBe(safe);
  });
});
