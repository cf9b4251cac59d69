import { buildxOnTlsWithoutContext } from '../../../scripts/lint/rules/buildx-on-tls-without-context.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const DIND = `  image: docker:27.3.1-cli\n  services: [docker:27.3.1-dind]\n  variables:\n    DOCKER_TLS_CERTDIR: "/certs"\n`;

ruleTester(buildxOnTlsWithoutContext, {
  valid: [
    {
      name: 'builder created from a context',
      code: component(
        `build:\n${DIND}  before_script:\n    - docker context create tls-env\n    - docker buildx create --name builder --driver docker-container --use tls-env\n  script:\n    - docker buildx build --builder builder --platform linux/amd64,linux/arm64 -t app --push .\n    - echo $[[ inputs.stage ]]\n`,
      ),
    },
    {
      name: 'context selected first',
      code: component(`build:\n${DIND}  script:\n    - docker context create tls-env && docker context use tls-env\n    - docker buildx create --use\n    - echo $[[ inputs.stage ]]\n`),
    },
    { name: 'global --context flag', code: component(`build:\n${DIND}  script:\n    - docker context create ctx\n    - docker --context ctx buildx create --use\n    - echo $[[ inputs.stage ]]\n`) },
    { name: 'DOCKER_CONTEXT', code: component(`build:\n${DIND}    DOCKER_CONTEXT: tls-env\n  script:\n    - docker buildx create --use\n    - echo $[[ inputs.stage ]]\n`) },
    { name: 'the default builder', code: component(`build:\n${DIND}  script:\n    - docker buildx build -t app .\n    - docker buildx build --builder default -t app .\n    - echo $[[ inputs.stage ]]\n`) },
    { name: 'remote driver', code: component(`build:\n${DIND}  script:\n    - docker buildx create --driver remote tcp://buildkitd:1234 --use\n    - echo $[[ inputs.stage ]]\n`) },
    {
      name: 'dind without TLS',
      code: component(`build:\n  services: [docker:27.3.1-dind]\n  variables:\n    DOCKER_HOST: tcp://docker:2375\n    DOCKER_TLS_CERTDIR: ""\n  script:\n    - docker buildx create --use\n    - echo $[[ inputs.stage ]]\n`),
    },
    { name: 'no dind service', code: component(`build:\n  script:\n    - docker buildx create --use\n    - echo $[[ inputs.stage ]]\n`) },
  ],
  invalid: [
    {
      name: 'create without a context; its builder is not reported again',
      code: component(
        `build:\n${DIND}  script:\n    - docker buildx create --name multiarch --driver docker-container --use\n    - docker buildx build --builder multiarch -t app .\n    - echo $[[ inputs.stage ]]\n`,
      ),
      errors: [{ messageId: 'create', line: 12, column: 7 }],
    },
    {
      name: 'a context created but not passed',
      code: component(`build:\n${DIND}  script:\n    - docker context create tls-env\n    - docker buildx create --use\n    - echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'create', line: 13, column: 7 }],
    },
    {
      name: 'a builder the job never creates',
      code: component(`build:\n${DIND}  script:\n    - docker buildx build --builder ci-builder --push -t app .\n    - echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'builder', line: 12, column: 7, data: { command: '"docker buildx build"', builder: '"ci-builder"', create: '"docker buildx create --name ci-builder tls-env"' } }],
    },
    {
      name: 'default before_script with TLS variables spelled out',
      pipeline: true,
      code: `default:\n  services:\n    - docker:27.3.1-dind\n  before_script:\n    - docker buildx create --use\nbuild:\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n    DOCKER_TLS_VERIFY: "1"\n    DOCKER_CERT_PATH: /certs/client\n  script: docker buildx build .\n`,
      errors: [{ messageId: 'create', line: 5, column: 7 }],
    },
  ],
});
