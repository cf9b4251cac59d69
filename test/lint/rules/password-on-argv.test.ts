import { describe, expect, it } from 'vitest';
import { credentialArguments, shellCommands } from '../../../scripts/lint/shell-words.js';
import { passwordOnArgv } from '../../../scripts/lint/rules/password-on-argv.js';
import { lintText, ruleTester } from '../../helpers/rule-tester.js';

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: build\n---\n${body}`;
const STDIN = (command: string) => `pipe it to "${command} --password-stdin"`;

describe('shellCommands', () => {
  it('splits commands and keeps quoted words whole', () => {
    const commands = shellCommands(`echo "a b" 'c d' && docker login -p "$(cat f)" reg; x=1 y\\\n z # comment -p\ncat <<EOF\nlogin -p x\nEOF\nls 2>&1`);
    expect(commands.map((c) => c.map((w) => w.text))).toEqual([
      ['echo', 'a b', 'c d'],
      ['docker', 'login', '-p', '$(cat f)', 'reg'],
      ['x=1', 'y', 'z'],
      ['cat', '<<EOF'],
      ['ls', '2>&1'],
    ]);
  });
  it('finds credential arguments with their offsets', () => {
    const script = 'sudo docker --config /tmp/d login -u me --password=$PW reg';
    const [arg] = shellCommands(script).flatMap(credentialArguments);
    expect(arg).toMatchObject({ kind: 'password', command: 'docker login', flag: '--password', value: '$PW' });
    expect(script.slice(arg?.flagOffset, (arg?.flagOffset ?? 0) + 10)).toBe('--password');
    expect(script.slice(arg?.valueOffset)).toBe('$PW reg');
  });
});

ruleTester(passwordOnArgv, {
  valid: [
    component(
      `build:\n  script:\n    - aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n    - echo "$CI_REGISTRY_PASSWORD" | podman login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n    - skopeo login --username AWS --password-stdin registry.example.com <<< "$(aws ecr get-login-password)"\n    - export ECR_PASSWORD="$(aws ecr get-login-password)"\n    - docker run -p 8080:80 nginx:1.27.2\n    - podman push --creds "$REGISTRY_CREDS" app:1 docker://registry.example.com/app:1\n    - echo $[[ inputs.stage ]]\n`,
    ),
    {
      name: 'here-document bodies are not commands',
      code: component(`build:\n  script:\n    - |\n      cat <<EOF > ~/.netrc\n      machine nexus.example.com login ci password $NEXUS_PW\n      docker login -p nothing\n      EOF\n    - echo $[[ inputs.stage ]]\n`),
    },
  ],
  invalid: [
    {
      name: 'login flags, --creds and curl --user',
      code: component(
        `build:\n  script:\n    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\n    - podman login --password=$REG_PW registry.example.com\n    - skopeo copy --src-creds "$SRC_USER:$SRC_PW" docker://a/b:1 docker://c/d:1\n    - curl -fsSL --user "$NEXUS_USER:$NEXUS_PW" https://nexus.example.com/\n    - echo $[[ inputs.stage ]]\n`,
      ),
      errors: [
        { messageId: 'argument', line: 8, column: 43, data: { command: '"docker login -p"', remedy: STDIN('docker login') } },
        { messageId: 'argument', line: 9, column: 20, data: { command: '"podman login --password"', remedy: STDIN('podman login') } },
        { messageId: 'argument', line: 10, column: 19, data: { command: '"skopeo copy --src-creds"', remedy: 'log in first with "skopeo login --password-stdin" and drop the flag' } },
        { messageId: 'argument', line: 11, column: 18, data: { command: '"curl --user"', remedy: 'read it from a file with "--netrc-file" or from stdin with "--config -"' } },
      ],
    },
    {
      name: 'ECR passwords as arguments',
      code: component(
        `push:\n  script:\n    - docker login --username AWS --password "$(aws ecr get-login-password --region eu-west-1)" 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n    - release-tool --token "$(aws ecr get-login-password)" publish\n    - eval $(aws ecr get-login --no-include-email)\n    - echo $[[ inputs.stage ]]\n`,
      ),
      errors: [
        { messageId: 'argument', line: 8, column: 35, data: { command: '"docker login --password"', remedy: STDIN('docker login') } },
        { messageId: 'ecrPassword', line: 9, column: 29, data: { command: '"release-tool"' } },
        { messageId: 'ecrGetLogin', line: 10, column: 14 },
      ],
    },
    {
      name: 'in a block scalar, found on its own line',
      code: component(`push:\n  before_script:\n    - |\n      set -eu\n      helm registry login -u ci -p "$HELM_PW" registry.example.com\n  script: echo $[[ inputs.stage ]]\n`),
      errors: [{ messageId: 'argument', line: 10, column: 33, data: { command: '"helm registry login -p"', remedy: STDIN('helm registry login') } }],
    },
    {
      name: 'pipeline, default before_script',
      pipeline: true,
      code: `default:\n  before_script:\n    - buildah login -u ci -p $PW quay.io\nbuild:\n  script: buildah bud .\n`,
      errors: [{ messageId: 'argument', line: 3, column: 27, data: { command: '"buildah login -p"', remedy: STDIN('buildah login') } }],
    },
  ],
});

it('a finding points at the flag, not the whole string', async () => {
  const found = await lintText(passwordOnArgv, `a:\n  script: ["echo hi", "docker login -p x r"]\n`, true);
  expect(found.map((d) => `${d.start.line}:${d.start.column}`)).toEqual(['2:37']);
});
