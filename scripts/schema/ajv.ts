/**
 * The only importer of ajv. Compiles a JSON Schema (draft 2020-12, as `catalog schema` writes, or
 * draft-07, as GitLab's ci.json is) and validates plain JSON data against it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';

export interface SchemaValidator {
  (data: unknown): boolean;
  readonly errors: readonly ErrorObject[];
}

export function compileJsonSchema(schema: Record<string, unknown>): SchemaValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  const validator = ((data: unknown) => validate(data)) as SchemaValidator;
  Object.defineProperty(validator, 'errors', { get: () => validate.errors ?? [] });
  return validator;
}
