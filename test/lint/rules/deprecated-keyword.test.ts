import { deprecatedKeyword } from '../../../scripts/lint/rules/deprecated-keyword.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;

ruleTester(deprecatedKeyword, {
  valid: [
    component(
      `default:\n  image: docker:27.3.1-cli\n  before_script:\n    - docker info\n  cache:\n    paths: [.cache]\nbuild:\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n  script: echo $[[ inputs.stage ]]\n`,
    ),
    { name: 'only as a variable name or inside other keywords', code: component(`build:\n  variables:\n    only: "yes"\n  script: echo $[[ inputs.stage ]]\n`) },
  ],
  invalid: [
    {
      code: component(`image: docker:27.3.1-cli\nbefore_script:\n  - docker info\nbuild:\n  only:\n    - main\n  except:\n    - tags\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [
        { messageId: 'topLevel', line: 6, column: 1, data: { keyword: '"image"' } },
        { messageId: 'topLevel', line: 7, column: 1, data: { keyword: '"before_script"' } },
        { messageId: 'onlyExcept', line: 10, column: 3, data: { job: '"build"', keyword: '"only"' } },
        { messageId: 'onlyExcept', line: 12, column: 3, data: { job: '"build"', keyword: '"except"' } },
      ],
    },
    {
      name: 'job name from an input, hidden template',
      code: `spec:\n  inputs:\n    as:\n      default: docker-build\n---\n.rules-template:\n  only: [merge_requests]\n'$[[ inputs.as ]]':\n  extends: .rules-template\n  script: docker build .\n`,
      errors: [
        { messageId: 'onlyExcept', line: 7, column: 3, data: { job: '".rules-template"', keyword: '"only"' } },
      ],
    },
    {
      name: 'pipeline: services, cache and after_script at the top level',
      pipeline: true,
      code: `services:\n  - docker:27.3.1-dind\ncache:\n  paths: [vendor]\nafter_script:\n  - docker logout\ntest:\n  except: [schedules]\n  script: make\n`,
      errors: [
        { messageId: 'topLevel', line: 1, column: 1, data: { keyword: '"services"' } },
        { messageId: 'topLevel', line: 3, column: 1, data: { keyword: '"cache"' } },
        { messageId: 'topLevel', line: 5, column: 1, data: { keyword: '"after_script"' } },
        { messageId: 'onlyExcept', line: 8, column: 3, data: { job: '"test"', keyword: '"except"' } },
      ],
    },
  ],
});
