/**
 * The editor schema of a consumer's `.gitlab-ci.yml` (docs/schemas/consumer-pipeline.schema.json,
 * as `catalog schema` writes it) validated with ajv, GitLab's ci.json (the vendored copy) standing
 * in for the URL it refers to: good pipelines pass; an include of one of our components with an
 * unknown input, a value of the wrong type or outside the options fails at that input, and what
 * ci.json rejects still fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from '../../scripts/core/json-schema.js';
import { DEFAULT_CI_SCHEMA_URL } from '../../scripts/gitlab/ci-schema/ci-schema.js';
import { toPlain } from '../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments } from '../../scripts/gitlab/yaml/psych.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { CLEAN_PIPELINE } from '../helpers/consumer-fixture.js';

const read = (file: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Record<string, unknown>;
const validate = compileJsonSchema(read('docs/schemas/consumer-pipeline.schema.json'), {
  references: { [DEFAULT_CI_SCHEMA_URL]: read('scripts/gitlab/ci-schema/gitlab-ci.schema.json') },
});

/**
 * The ajv errors of a pipeline, as `<instance path> <keyword>`; [] when valid. An input with a
 * default also takes null (GitLab uses the default), so its `anyOf` always has a `{type: 'null'}`
 * branch whose "must be null" says nothing about the value: those errors are left out.
 */
function problems(text: string): string[] {
  const data = toPlain(parseYamlDocuments(text, 'p.yml').documents[0]?.value ?? null);
  if (validate(data)) return [];
  const notNull = (e: (typeof validate.errors)[number]) => e.keyword === 'type' && e.params['type'] === 'null';
  return validate.errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'allOf' && !notNull(e)).map((e) => `${e.instancePath} ${e.keyword}`);
}

const buildx = (inputs: string) => `include:\n  - component: $CI_SERVER_FQDN/acme/ci-catalog/buildx-ecr@1\n    inputs: ${inputs}\n`;

describe('the consumer pipeline schema', () => {
  it('accepts the consumer fixture and the examples (components at any project path, with variables)', () => {
    expect(problems(CLEAN_PIPELINE)).toEqual([]);
    for (const example of ['examples/buildx-ecr/.gitlab-ci.yml', 'examples/podman-native/.gitlab-ci.yml']) {
      expect(problems(readFileSync(path.join(REPO_ROOT, example), 'utf8')), example).toEqual([]);
    }
  });

  it('accepts what GitLab coerces: a number as JSON text, a string input given a number, null for an input with a default; and leaves other components alone', () => {
    expect(problems(buildx("{image-name: my-app, retries: '5', tag-strategy: sha, context: 1}"))).toEqual([]);
    expect(problems(buildx('{image-name: my-app, retries: null, tag-strategy: null}'))).toEqual([]);
    expect(problems('include:\n  - component: gitlab.com/other/project/unknown@1\n    inputs: {anything: goes}\n')).toEqual([]);
  });

  it('rejects an unknown input, a required input left out, a value of the wrong type or outside the options', () => {
    expect(problems(buildx('{image-nme: my-app}'))).toEqual(['/include/0/inputs required', '/include/0/inputs additionalProperties']);
    expect(problems(buildx('{image-name: my-app, retries: three}'))).toEqual([
      '/include/0/inputs/retries type',
      '/include/0/inputs/retries pattern',
      '/include/0/inputs/retries anyOf',
    ]);
    expect(problems(buildx('{image-name: my-app, tag-strategy: always}'))).toEqual(['/include/0/inputs/tag-strategy enum', '/include/0/inputs/tag-strategy anyOf']);
  });

  it('checks a single include hash too, and still everything ci.json checks', () => {
    expect(problems('include:\n  component: x/y/ecr-login@1\n  inputs: {registry-type: both}\n')).toEqual(['/include/inputs/registry-type enum', '/include/inputs/registry-type anyOf']);
    expect(problems('job:\n  scrpit: echo\n').length).toBeGreaterThan(0);
  });
});
