import { describe, expect, it } from 'vitest';
import { pinStatus, unpinnedImage } from '../../../scripts/lint/rules/unpinned-image.js';
import { lintText, ruleTester } from '../../helpers/rule-tester.js';

/** A component: a 5-line header, then the content document from line 6. */
const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('pinStatus', () => {
  it.each([
    ['node', 'untagged'],
    ['registry.example.com:5000/group/node', 'untagged'],
    ['node:latest', 'latest'],
    ['node:20', 'floating'],
    ['node:20-alpine', 'floating'],
    ['docker:27-dind', 'floating'],
    ['docker:dind', 'floating'],
    ['alpine:edge', 'floating'],
    ['debian:stable', 'floating'],
    ['node:lts', 'floating'],
    ['moby/buildkit:buildx-stable-1', 'floating'],
    ['node:20.11.1', 'tag'],
    ['registry.example.com:5000/node:20.11', 'tag'],
    ['docker:27.3.1-dind', 'tag'],
    ['moby/buildkit:v0.18.2', 'tag'],
    ['ubuntu:20240101', 'tag'],
    ['app:sha-3f2a9c1', 'tag'],
    [`node@${DIGEST}`, 'digest'],
    [`node:20@${DIGEST}`, 'digest'],
    ['node@sha256:abc', 'bad-digest'],
    ['$IMAGE', 'unknown'],
    ['${IMAGE}', 'unknown'],
    ['$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA', 'unknown'],
    ['registry.example.com/$NAME', 'unknown'],
  ])('%s is %s', (image, kind) => expect(pinStatus(image).kind).toBe(kind));
});

ruleTester(unpinnedImage, {
  valid: [
    component(`build:\n  image: node:20.11.1-alpine3.19\n  script: echo $[[ inputs.stage ]]\n`),
    component(`build:\n  image: node@${DIGEST}\n  services:\n    - docker:27.3.1-dind\n  script: echo $[[ inputs.stage ]]\n`),
    component(`build:\n  image:\n    name: $BUILD_IMAGE\n    entrypoint: [""]\n  services:\n    - name: \${DIND_IMAGE}\n      alias: docker\n  script: echo $[[ inputs.stage ]]\n`),
    component(`build:\n  image: $CI_REGISTRY_IMAGE/builder:$CI_COMMIT_SHA\n  script: echo $[[ inputs.stage ]]\n`),
    { name: 'pipeline', pipeline: true, code: `default:\n  image: alpine:3.20.3\nbuild:\n  script: echo hi\n` },
  ],
  invalid: [
    {
      name: 'no tag, latest, floating major',
      code: component(`build:\n  image: node\n  services:\n    - postgres:latest\n    - docker:27-dind\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [
        { messageId: 'untagged', line: 7, column: 10, data: { kind: 'image', image: '"node"' } },
        { messageId: 'latest', line: 9, column: 7, data: { kind: 'service', image: '"postgres:latest"' } },
        { messageId: 'floating', line: 10, column: 7, data: { kind: 'service', image: '"docker:27-dind"', tag: '"27-dind"' } },
      ],
    },
    {
      name: 'hash forms, default and top level',
      code: component(
        `image: alpine:edge\ndefault:\n  image:\n    name: debian:stable\n  services:\n    - name: docker:dind\n      alias: docker\nbuild:\n  script: echo $[[ inputs.stage ]]\n`,
      ),
      errors: [
        { messageId: 'floating', line: 6, column: 8, data: { kind: 'image', image: '"alpine:edge"', tag: '"edge"' } },
        { messageId: 'floating', line: 9, column: 11, data: { kind: 'image', image: '"debian:stable"', tag: '"stable"' } },
        { messageId: 'floating', line: 11, column: 13, data: { kind: 'service', image: '"docker:dind"', tag: '"dind"' } },
      ],
    },
    {
      name: 'malformed digest',
      code: component(`build:\n  image: node@sha256:1234\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'badDigest', line: 7, column: 10, data: { kind: 'image', image: '"node@sha256:1234"' } }],
    },
    {
      name: 'from an input default: reported at the interpolation, once',
      code: `spec:\n  inputs:\n    image:\n      default: node:lts\n---\nbuild:\n  image: $[[ inputs.image ]]\n  script: echo hi\ntest:\n  image: $[[ inputs.image ]]\n  script: echo hi\n`,
      errors: [
        { messageId: 'floating', line: 7, column: 10, data: { kind: 'image', image: '"node:lts"', tag: '"lts"' } },
        { messageId: 'floating', line: 10, column: 10, data: { kind: 'image', image: '"node:lts"', tag: '"lts"' } },
      ],
    },
    {
      name: 'pipeline',
      pipeline: true,
      code: `build:\n  image: golang:1\n  script: go build\n`,
      errors: [{ messageId: 'floating', line: 2, column: 10, data: { kind: 'image', image: '"golang:1"', tag: '"1"' } }],
    },
  ],
});

it('hidden jobs are checked too (templates are extended)', async () => {
  const found = await lintText(unpinnedImage, `.base:\n  image: python\n`, true);
  expect(found.map((d) => `${d.start.line}:${d.start.column}`)).toEqual(['2:10']);
});
