import { dindTlsMismatch } from '../../../scripts/lint/rules/dind-tls-mismatch.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const SERVICE = '"docker:27.3.1-dind"';
const UNSET = 'the image default DOCKER_TLS_CERTDIR "/certs" (it is not set)';

ruleTester(dindTlsMismatch, {
  valid: [
    {
      name: "GitLab's TLS setup with the Docker executor",
      code: component(`build:\n  image: docker:27.3.1-cli\n  services:\n    - docker:27.3.1-dind\n  variables:\n    DOCKER_TLS_CERTDIR: "/certs"\n  script: echo $[[ inputs.stage ]]\n`),
    },
    {
      name: 'TLS spelled out, as the Kubernetes executor needs',
      code: component(
        `build:\n  services:\n    - docker:27.3.1-dind\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n    DOCKER_TLS_CERTDIR: "/certs"\n    DOCKER_TLS_VERIFY: 1\n    DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"\n  script: echo $[[ inputs.stage ]]\n`,
      ),
    },
    { name: 'TLS off on both sides', code: component(`build:\n  services: [docker:27.3.1-dind]\n  variables:\n    DOCKER_HOST: tcp://docker:2375\n    DOCKER_TLS_CERTDIR: ""\n  script: echo $[[ inputs.stage ]]\n`) },
    {
      name: 'TLS off through the service variables',
      code: component(`build:\n  services:\n    - name: docker:27.3.1-dind\n      variables:\n        DOCKER_TLS_CERTDIR: ""\n  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script: echo $[[ inputs.stage ]]\n`),
    },
    { name: 'no dind service: a remote daemon', code: component(`build:\n  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script: echo $[[ inputs.stage ]]\n`) },
    { name: 'another host', code: component(`build:\n  services: [docker:27.3.1-dind]\n  variables:\n    DOCKER_HOST: tcp://builder.example.com:2375\n  script: echo $[[ inputs.stage ]]\n`) },
    {
      name: 'top-level variables not inherited',
      code: component(`variables:\n  DOCKER_HOST: tcp://docker:2375\nbuild:\n  inherit:\n    variables: false\n  services: [docker:27.3.1-dind]\n  script: echo $[[ inputs.stage ]]\n`),
    },
    { name: 'certificate directory from a variable', code: component(`build:\n  services: [docker:27.3.1-dind]\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n    DOCKER_TLS_CERTDIR: $CERTS\n  script: echo $[[ inputs.stage ]]\n`) },
  ],
  invalid: [
    {
      name: 'TLS port with TLS off',
      code: component(`build:\n  image: docker:27.3.1-cli\n  services:\n    - docker:27.3.1-dind\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n    DOCKER_TLS_CERTDIR: ""\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'tlsPortWithoutTls', line: 11, column: 18, data: { host: '"tcp://docker:2376"', service: SERVICE } }],
    },
    {
      name: 'plain port with TLS left at the image default (top-level variables)',
      code: component(`variables:\n  DOCKER_HOST: tcp://docker:2375\nbuild:\n  image: docker:27.3.1-cli\n  services: [docker:27.3.1-dind]\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'plainPortWithTls', line: 7, column: 16, data: { host: '"tcp://docker:2375"', certdir: UNSET, service: SERVICE } }],
    },
    {
      name: 'DOCKER_TLS_VERIFY "0" still turns verification on',
      code: component(
        `build:\n  services:\n    - docker:27.3.1-dind\n  variables:\n    DOCKER_HOST: tcp://docker:2375\n    DOCKER_TLS_CERTDIR: ""\n    DOCKER_TLS_VERIFY: "0"\n  script: echo $[[ inputs.stage ]]\n`,
      ),
      errors: [{ messageId: 'verifyWithoutTls', line: 12, column: 24, data: { value: '"0"', service: SERVICE } }],
    },
    {
      name: 'certificates looked for elsewhere',
      code: component(
        `build:\n  services:\n    - docker:27.3.1-dind\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n    DOCKER_TLS_CERTDIR: /docker-certs\n    DOCKER_TLS_VERIFY: 1\n    DOCKER_CERT_PATH: /certs/client\n  script: echo $[[ inputs.stage ]]\n`,
      ),
      errors: [{ messageId: 'certPathMismatch', line: 13, column: 23, data: { path: '"/certs/client"', service: SERVICE, expected: '"/docker-certs/client"', certdir: '"/docker-certs"' } }],
    },
    {
      name: 'service and certificate directory from an extended template',
      pipeline: true,
      code: `.dind:\n  services:\n    - name: docker:27.3.1-dind\n      alias: docker\n  variables:\n    DOCKER_TLS_CERTDIR: ""\nbuild:\n  extends: .dind\n  variables:\n    DOCKER_HOST: tcp://docker:2376\n  script: docker build .\n`,
      errors: [{ messageId: 'tlsPortWithoutTls', line: 10, column: 18, data: { host: '"tcp://docker:2376"', service: SERVICE } }],
    },
    {
      name: 'service from default: with an alias',
      pipeline: true,
      code: `default:\n  services:\n    - name: docker:27.3.1-dind\n      alias: dind-daemon\nbuild:\n  variables:\n    DOCKER_HOST: tcp://dind-daemon:2375\n  script: docker build .\n`,
      errors: [{ messageId: 'plainPortWithTls', line: 7, column: 18, data: { host: '"tcp://dind-daemon:2375"', certdir: UNSET, service: SERVICE } }],
    },
  ],
});
