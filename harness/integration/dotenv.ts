/**
 * `artifacts:reports:dotenv` as GitLab parses it (gitlabhq `Ci::ParseDotenvArtifactService`):
 * the file must be smaller than the `dotenv_size` plan limit (5 KB by default) and each line must
 * match `/^(.*?)=(.*)$/`; key and value are stripped of surrounding whitespace and nothing else:
 * no `export`, no comments, no empty lines, quotes are kept as written, a later key wins. More
 * than `dotenv_variables` (20 by default) distinct keys reject the file. Keys must be valid CI
 * variable keys (`Ci::JobVariable`: `/\A[a-zA-Z0-9_]+\z/`, at most 255 characters). A rejected
 * file fails the artifact upload, and with it the job.
 */
export const DOTENV_SIZE_LIMIT = 5 * 1024;
export const DOTENV_VARIABLES_LIMIT = 20;
const KEY = /^[a-zA-Z0-9_]+$/;
const MAX_KEY_LENGTH = 255;

export interface DotenvLimits {
  readonly size?: number | undefined;
  readonly variables?: number | undefined;
}

export type DotenvResult = { readonly ok: true; readonly variables: ReadonlyMap<string, string> } | { readonly ok: false; readonly error: string };

/** Ruby `String#strip`: leading and trailing whitespace and NUL. */
const rubyStrip = (text: string): string => text.replace(/^[\s\0]+|[\s\0]+$/g, '');

export function parseDotenv(content: Buffer | string, limits: DotenvLimits = {}): DotenvResult {
  const sizeLimit = limits.size ?? DOTENV_SIZE_LIMIT;
  const countLimit = limits.variables ?? DOTENV_VARIABLES_LIMIT;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (!(bytes.length < sizeLimit)) return { ok: false, error: `Dotenv Artifact Too Big. Maximum Allowable Size: ${sizeLimit}` };
  // A UTF-8 byte order mark is stripped first, as GitLab does.
  let text = bytes.toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const variables = new Map<string, string>();
  // Ruby `each_line`: lines keep their "\n"; a trailing newline does not make an extra line.
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  for (const line of lines) {
    // `^(.*?)=(.*)$` in Ruby: `.` stops at "\n", `$` matches before it; `scan(...).last` takes the
    // last match of the line (one line, so the only one).
    const match = /^([^\n]*?)=([^\n]*)$/m.exec(line);
    if (!match) return { ok: false, error: 'Invalid Format' };
    const key = rubyStrip(match[1] as string);
    const value = rubyStrip(match[2] as string);
    if (!KEY.test(key) || key.length > MAX_KEY_LENGTH) return { ok: false, error: `Validation failed: Key can contain only letters, digits and '_'. (${JSON.stringify(key)})` };
    variables.delete(key);
    variables.set(key, value);
  }
  if (variables.size > countLimit) return { ok: false, error: `Dotenv files cannot have more than ${countLimit} variables` };
  return { ok: true, variables };
}
