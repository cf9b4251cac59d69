/**
 * A JSON Schema (draft-07, as GitLab's ci.json) for a consumer's `.gitlab-ci.yml`: GitLab's CI
 * schema, by its URL, plus, for every `include:` entry whose `component:` names one of this
 * catalog's components (`…/<name>@<version>`, any project path, variables allowed), that
 * component's inputs as `input-schema.ts` describes them: unknown inputs, values of the wrong type
 * and values outside the options are marked in the editor as GitLab would reject them. `catalog
 * schema` writes it next to the per-component schemas, so each release carries the schema of its
 * own inputs; an editor reads it through
 *
 *     # yaml-language-server: $schema=https://<gitlab host>/<catalog project>/-/raw/<version>/docs/schemas/consumer-pipeline.schema.json
 */
import { DEFAULT_CI_SCHEMA_URL } from '../gitlab/ci-schema/ci-schema.js';
import type { HeaderSpec } from '../gitlab/inputs/header.js';
import { componentInputsSchema, type JsonSchema } from './input-schema.js';

export const CONSUMER_SCHEMA_FILE = 'consumer-pipeline.schema.json';

/** The address of a component of that name: the part before the first `@` ends in `/<name>`. */
export const componentAddressPattern = (name: string): string => `^[^@]*/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@`;

export function consumerPipelineSchema(components: readonly { readonly name: string; readonly spec: HeaderSpec }[]): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  const checks: JsonSchema[] = [];
  for (const { name, spec } of components) {
    // The per-component schema is draft 2020-12; what it uses reads the same in draft-07.
    const { $schema: _draft, $id: _id, ...inputs } = componentInputsSchema(name, spec);
    const key = `${name}-inputs`;
    Object.defineProperty(definitions, key, { value: inputs, enumerable: true, writable: true, configurable: true });
    checks.push({
      if: { type: 'object', required: ['component'], properties: { component: { type: 'string', pattern: componentAddressPattern(name) } } },
      then: { properties: { inputs: { $ref: `#/definitions/${key}` } } },
    });
  }
  definitions['include-entry'] = { allOf: checks };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: "A pipeline that includes this catalog's components",
    description: "GitLab's CI schema, with the inputs of each include of this catalog's components checked against that component's spec:inputs",
    allOf: [{ $ref: DEFAULT_CI_SCHEMA_URL }],
    properties: {
      // One entry or a list of them (an entry that is not a hash, a string, passes: it is no component).
      include: { if: { type: 'array' }, then: { items: { $ref: '#/definitions/include-entry' } }, else: { $ref: '#/definitions/include-entry' } },
    },
    definitions,
  };
}
