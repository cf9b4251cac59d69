import { describe, expect, it } from 'vitest';
import { preview, secretInPlaintext } from '../../../scripts/lint/rules/secret-in-plaintext.js';
import { lintText, ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const AWS_SECRET = 'Zq3/vR8tKp2WmX9sLd4+Hf7Gj1Bn6Yc0Ue5TaQiO';

describe('preview', () => {
  it('shows at most four characters, fewer of short values', () => {
    expect(preview('AKIAZ7Q4LV3XJ2N5W8RT')).toBe('"AKIA…"');
    expect(preview('hunter2')).toBe('"h…"');
    expect(preview('abc')).toBe('"…"');
  });
});

ruleTester(secretInPlaintext, {
  valid: [
    component(
      `build:\n  variables:\n    REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n    DEPLOY_TOKEN: \${DEPLOY_TOKEN_VALUE}\n    API_KEY:\n      value: "$VAULT_API_KEY"\n      description: from Vault\n    SECRET_DETECTION_DISABLED: "true"\n    PASSWORD_FILE: /run/secrets/registry\n  script:\n    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n    - git clone "https://gitlab-ci-token:\${CI_JOB_TOKEN}@gitlab.example.com/group/repo.git"\n    - echo $[[ inputs.stage ]]\n`,
    ),
    { name: 'AWS documentation example keys', code: component(`build:\n  variables:\n    AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n    AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n  script: echo $[[ inputs.stage ]]\n`) },
    { name: 'placeholders', code: component(`build:\n  script:\n    - echo "token looks like glpat-xxxxxxxxxxxxxxxxxxxx"\n    - docker login -u ci -p "<password>" registry.example.com\n    - echo $[[ inputs.stage ]]\n`) },
    { name: 'a password that is a variable is the argv rule, not this one', code: component(`build:\n  script:\n    - docker login -u ci -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\n    - curl -u "admin:$ADMIN_PASSWORD" https://example.com\n    - echo $[[ inputs.stage ]]\n`) },
  ],
  invalid: [
    {
      name: 'variables: literal password, AWS key id and secret',
      code: component(
        `build:\n  variables:\n    REGISTRY_PASSWORD: hunter2-literal\n    AWS_ACCESS_KEY_ID: AKIAZ7Q4LV3XJ2N5W8RT\n    AWS_SECRET_ACCESS_KEY: "${AWS_SECRET}"\n  script: echo $[[ inputs.stage ]]\n`,
      ),
      errors: [
        { messageId: 'secretVariable', line: 8, column: 24, data: { name: '"REGISTRY_PASSWORD"', preview: '"hun…"' } },
        { messageId: 'awsKeyId', line: 9, column: 24, data: { preview: '"AKIA…"' } },
        { messageId: 'awsSecret', line: 10, column: 29, data: { name: '"AWS_SECRET_ACCESS_KEY"', preview: '"Zq3/…"' } },
      ],
    },
    {
      name: 'scripts: login password, URL credentials, exported token',
      code: component(
        `build:\n  script:\n    - docker login -u ci -p s3cr3t-value registry.example.com\n    - git clone https://deploy:Sup3rS3cret@gitlab.example.com/group/repo.git\n    - export API_TOKEN=abcd1234efgh\n    - echo $[[ inputs.stage ]]\n`,
      ),
      errors: [
        { messageId: 'commandPassword', line: 8, column: 29, data: { command: '"docker login -p"', preview: '"s3c…"' } },
        { messageId: 'urlPassword', line: 9, column: 32, data: { preview: '"Su…"' } },
        { messageId: 'secretVariable', line: 10, column: 24, data: { name: '"API_TOKEN"', preview: '"abc…"' } },
      ],
    },
    {
      name: 'a private key block and a GitLab token inside block scalars',
      code: component(
        `build:\n  variables:\n    SSH_PRIVATE_KEY: |\n      -----BEGIN OPENSSH PRIVATE KEY-----\n      b3BlbnNzaC1rZXktdjEAAAAA\n      -----END OPENSSH PRIVATE KEY-----\n  script: |\n    echo $[[ inputs.stage ]]\n    curl --header "PRIVATE-TOKEN: glpat-AbCdEfGhIjKlMnOpQrSt" https://gitlab.example.com/api/v4/projects\n`,
      ),
      errors: [
        { messageId: 'privateKey', line: 9, column: 7 },
        { messageId: 'gitlabToken', line: 14, column: 35, data: { kind: 'personal, project or group access token', preview: '"glpa…"' } },
      ],
    },
    {
      name: 'podman --creds and curl -u with literal passwords',
      code: component(`push:\n  script:\n    - podman push --creds ci:pa55word-x app:1 docker://registry.example.com/app:1\n    - curl -fsSL -u admin:adm1n-pw https://nexus.example.com/\n    - echo $[[ inputs.stage ]]\n`),
      errors: [
        { messageId: 'commandPassword', line: 8, column: 30, data: { command: '"podman push --creds"', preview: '"pa…"' } },
        { messageId: 'commandPassword', line: 9, column: 27, data: { command: '"curl -u"', preview: '"ad…"' } },
      ],
    },
    {
      name: 'from an input default: at the interpolation',
      code: `spec:\n  inputs:\n    password:\n      default: hunter22\n---\nbuild:\n  variables:\n    DB_PASSWORD: $[[ inputs.password ]]\n  script: echo hi\n`,
      errors: [{ messageId: 'secretVariable', line: 8, column: 18, data: { name: '"DB_PASSWORD"', preview: '"hu…"' } }],
    },
    {
      name: 'pipeline, service variables',
      pipeline: true,
      code: `test:\n  services:\n    - name: mysql:8.4.2\n      variables:\n        MYSQL_ROOT_PASSWORD: rootpass\n  script: make test\n`,
      errors: [{ messageId: 'secretVariable', line: 5, column: 30, data: { name: '"MYSQL_ROOT_PASSWORD"', preview: '"ro…"' } }],
    },
  ],
});

it('never prints more than four characters of a secret', async () => {
  const secret = 'glpat-AbCdEfGhIjKlMnOpQrSt';
  const found = await lintText(secretInPlaintext, `build:\n  variables:\n    GITLAB_TOKEN: ${secret}\n  script: echo\n`, true);
  expect(found).toHaveLength(1);
  for (const d of found) expect(d.message).not.toContain(secret.slice(0, 5));
});
