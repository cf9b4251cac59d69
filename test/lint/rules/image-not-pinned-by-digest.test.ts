import { imageNotPinnedByDigest } from '../../../scripts/lint/rules/image-not-pinned-by-digest.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const DIGEST = `sha256:${'0f'.repeat(32)}`;

ruleTester(imageNotPinnedByDigest, {
  valid: [
    component(`build:\n  image: docker:27.3.1-cli@${DIGEST}\n  services:\n    - name: docker:27.3.1-dind@${DIGEST}\n  script: echo $[[ inputs.stage ]]\n`),
    component(`build:\n  image: node@${DIGEST}\n  script: echo $[[ inputs.stage ]]\n`),
    { name: 'unpinned images are the other rule', code: component(`build:\n  image: node:20\n  services: [docker:dind, redis]\n  script: echo $[[ inputs.stage ]]\n`) },
    component(`build:\n  image: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\n  script: echo $[[ inputs.stage ]]\n`),
  ],
  invalid: [
    {
      code: component(`default:\n  image: alpine:3.20.3\nbuild:\n  image:\n    name: docker:27.3.1-cli\n  services:\n    - docker:27.3.1-dind\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [
        { messageId: 'tagOnly', line: 7, column: 10, data: { kind: 'image', image: '"alpine:3.20.3"' } },
        { messageId: 'tagOnly', line: 10, column: 11, data: { kind: 'image', image: '"docker:27.3.1-cli"' } },
        { messageId: 'tagOnly', line: 12, column: 7, data: { kind: 'service', image: '"docker:27.3.1-dind"' } },
      ],
    },
    {
      pipeline: true,
      code: `build:\n  image: registry.example.com:5000/tools/builder:1.4.2\n  script: make\n`,
      errors: [{ messageId: 'tagOnly', line: 2, column: 10, data: { kind: 'image', image: '"registry.example.com:5000/tools/builder:1.4.2"' } }],
    },
  ],
});
