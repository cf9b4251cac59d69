/**
 * `catalog ci-schema update [--from URL|PATH]`: downloads GitLab's CI schema (ci.json; default: the
 * `master` copy on gitlab.com) or copies the given file into the cache `catalog lint` reads
 * (`$XDG_CACHE_HOME/catalog/ci-schema.json`), after checking that it compiles. Exit 0 when written,
 * 2 when it could not be fetched, was not a schema, or could not be written (the old copy stays).
 */
import path from 'node:path';
import { isSchemaUrl, updateCiSchema } from '../../gitlab/ci-schema/ci-schema.js';
import type { ExitCode, Io } from '../io.js';

export interface CiSchemaUpdateArgs {
  readonly from?: string | undefined;
}

export async function runCiSchemaUpdate(args: CiSchemaUpdateArgs, io: Io): Promise<ExitCode> {
  const from = args.from === undefined || isSchemaUrl(args.from) ? args.from : path.resolve(io.cwd, args.from);
  const written = await updateCiSchema(from);
  io.stdout(`${written}\n`);
  return 0;
}
