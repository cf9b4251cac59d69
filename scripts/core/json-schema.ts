/**
 * The only importer of ajv. Compiles a JSON Schema (draft 2020-12, as `catalog schema` writes, or
 * draft-07, as GitLab's ci.json is: chosen by its `$schema`) and validates plain JSON data against it.
 * A schema object is compiled once: compiling the same object again returns the same validator.
 */
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';

export type { ErrorObject } from 'ajv';

export interface SchemaValidator {
  (data: unknown): boolean;
  /** The errors of the last call (all of them: `allErrors`), in ajv's evaluation order. */
  readonly errors: readonly ErrorObject[];
  /**
   * A validator for a part of this schema, named by its JSON pointer (`/definitions/job/oneOf/1`) or
   * given as the object itself (what a verbose error's `schema` holds), whose `$ref`s resolve against
   * this schema; compiled once. Undefined when it is not part of this schema.
   */
  subschema(part: string | object): SchemaValidator | undefined;
}

export interface CompileOptions {
  /** Errors carry `schema`, `parentSchema` and `data` (ajv's `verbose`). */
  readonly verbose?: boolean | undefined;
  /**
   * Schemas the schema `$ref`s by URL, given here instead of downloaded (GitLab's ci.json for a
   * schema that extends it), each under the URL it is referred to by. Of the same draft.
   */
  readonly references?: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;
}

/** Formats GitLab's ci.json uses that ajv does not define without ajv-formats: accepted as is, not checked. */
const UNCHECKED_FORMATS = ['date-time', 'regex', 'uri', 'uri-reference'] as const;

/** Draft-07 (and draft-06) schemas say so in `$schema`; anything else is read as draft 2020-12. */
export function isDraft07(schema: Readonly<Record<string, unknown>>): boolean {
  const declared = schema['$schema'];
  return typeof declared === 'string' && /json-schema\.org\/draft-0[67]\/schema/.test(declared);
}

/** The key the root schema is registered under, so that subschemas can be fetched by pointer. */
const ROOT_KEY = 'catalog:root';
const compiled = { plain: new WeakMap<object, SchemaValidator>(), verbose: new WeakMap<object, SchemaValidator>() };

/** Compiles (once per schema object and options); throws ajv's error when the schema itself is invalid. */
export function compileJsonSchema(schema: Readonly<Record<string, unknown>>, options: CompileOptions = {}): SchemaValidator {
  // A schema compiled with references is compiled anew: the cache knows the schema object only.
  const cache = options.references ? undefined : options.verbose ? compiled.verbose : compiled.plain;
  const known = cache?.get(schema);
  if (known) return known;
  const verbose = options.verbose ?? false;
  // ajv's code optimisation passes cost more than half of compiling GitLab's ci.json (about 420 ms
  // against 170 ms here) and do not make validating a handful of documents measurably faster.
  const code = { optimize: false };
  const ajv = isDraft07(schema)
    ? new Ajv({ allErrors: true, strict: false, verbose, logger: false, code, formats: Object.fromEntries(UNCHECKED_FORMATS.map((f) => [f, true])) })
    : new Ajv2020({ allErrors: true, strict: false, verbose, code });
  for (const [url, referenced] of Object.entries(options.references ?? {})) ajv.addSchema(referenced as Record<string, unknown>, url);
  ajv.addSchema(schema as Record<string, unknown>, ROOT_KEY);
  const validate = ajv.getSchema(ROOT_KEY);
  if (!validate) throw new Error('ajv did not compile the schema');
  const subschemas = new Map<string, SchemaValidator | undefined>();
  let pointers: WeakMap<object, string> | undefined;
  const validator = wrap(validate, (part) => {
    const pointer = typeof part === 'string' ? part : (pointers ??= indexPointers(schema)).get(part);
    if (pointer === undefined) return undefined;
    if (!subschemas.has(pointer)) {
      let sub: SchemaValidator | undefined;
      try {
        const fn = ajv.getSchema(`${ROOT_KEY}#${pointer.split('/').map(encodeURIComponent).join('/')}`);
        sub = fn ? wrap(fn, () => undefined) : undefined;
      } catch {
        sub = undefined;
      }
      subschemas.set(pointer, sub);
    }
    return subschemas.get(pointer);
  });
  cache?.set(schema, validator);
  return validator;
}

/** The JSON pointer of every object and array inside a schema (the first one, for shared objects). */
function indexPointers(schema: object): WeakMap<object, string> {
  const index = new WeakMap<object, string>();
  const walk = (node: unknown, pointer: string) => {
    if (typeof node !== 'object' || node === null || index.has(node)) return;
    index.set(node, pointer);
    for (const [key, child] of Object.entries(node)) walk(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  };
  walk(schema, '');
  return index;
}

type AjvFunction = ((data: unknown) => boolean | Promise<unknown>) & { errors?: ErrorObject[] | null | undefined };

function wrap(validate: AjvFunction, subschema: (part: string | object) => SchemaValidator | undefined): SchemaValidator {
  const validator = ((data: unknown) => validate(data) === true) as SchemaValidator;
  Object.defineProperty(validator, 'errors', { get: () => validate.errors ?? [] });
  Object.defineProperty(validator, 'subschema', { value: subschema });
  return validator;
}

/**
 * Compiles a draft-04 JSON Schema (the SARIF 2.1.0 schema is one: `id`, draft-04 meta-schema) with its
 * `format`s checked (`uri`, `uri-reference`, `date-time`, …), not just accepted. Ajv 8 needs its separate
 * draft-04 class for that. It and ajv-formats are devDependencies used by the tests, so they are loaded on
 * the first call: the CLI never calls this and does not need them installed.
 */
export async function compileDraft04JsonSchema(schema: Readonly<Record<string, unknown>>): Promise<SchemaValidator> {
  // Both are CommonJS with `exports.default`: under NodeNext the namespace's `default` is `module.exports`.
  const [{ default: draft04 }, { default: formats }] = await Promise.all([import('ajv-draft-04'), import('ajv-formats')]);
  // `unicodeRegExp: false`: patterns as plain (non-`u`) RegExps, as draft-04 validators read them; the SARIF
  // schema's `language` pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) is not a valid `u` RegExp.
  const ajv = new draft04.default({ allErrors: true, strict: false, logger: false, unicodeRegExp: false });
  formats.default(ajv);
  return wrap(ajv.compile(schema as Record<string, unknown>), () => undefined);
}
