/**
 * `posix_escape` makes any string one shell word: passed through a real `sh -c 'printf %s <word>'`,
 * dash (Debian's /bin/sh) and busybox ash (Alpine's, the shell of most CI images) give back the
 * string itself, for arbitrary strings: newlines, quotes, `$()`, backticks, globs, backslashes,
 * non-ASCII. The word comes from a real interpolation (`$[[ inputs.value | posix_escape ]]` as the
 * whole node, the way docs/parity.md says to use it). Only NUL is left out: no argv can carry it.
 * A shell that is missing is reported and the test skipped, or failed under CATALOG_REQUIRE_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadComponentText } from '../../scripts/gitlab/component/load.js';
import { fromPlain, isValueMap } from '../../scripts/gitlab/ruby/value.js';

const SHELLS: readonly { readonly name: string; readonly argv: readonly string[] }[] = [
  { name: 'dash', argv: ['dash', '-c'] },
  { name: 'busybox ash', argv: ['busybox', 'ash', '-c'] },
];
const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

const COMPONENT = 'spec:\n  inputs:\n    value:\n---\njob:\n  script: $[[ inputs.value | posix_escape ]]\n';

function escaped(value: string): string {
  const result = loadComponentText(COMPONENT, 't.yml', { inputs: fromPlain({ value }) });
  if (!result.ok || !isValueMap(result.content)) throw new Error(result.ok ? 'no content' : result.message);
  const job = result.content.get('job');
  const script = isValueMap(job) ? job.get('script') : undefined;
  if (typeof script !== 'string') throw new Error(`script is ${String(script)}`);
  return script;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const anyText = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\0') && !LONE_SURROGATE.test(s));
const shellish = fc
  .array(fc.constantFrom('$(id)', '`id`', '${IFS}', '$HOME', "'", '"', '\\', '\n', '\t', ' ', ';', '&&', '|', '>', '<', '*', '?', '[a]', '~', '#', '!', '%s', '%%', '-n', '--', 'é', '中', '😀', '\u202E', 'a'), { maxLength: 8 })
  .map((parts) => parts.join(''));

const available = (argv: readonly string[]): string | undefined => {
  const probe = spawnSync(argv[0] as string, [...argv.slice(1), 'exit 0'], { encoding: 'utf8' });
  return probe.error ? `${argv[0]} is not installed (Debian: apt-get install ${argv[0]})` : undefined;
};

describe.each(SHELLS)('posix_escape through $name', ({ name, argv }) => {
  const missing = available(argv);

  it('gives back the original string', (context) => {
    if (missing) {
      if (REQUIRE_TOOLS) throw new Error(`CATALOG_REQUIRE_TOOLS=1: ${missing}`);
      console.log(`[posix_escape through ${name}] skipped: ${missing}`);
      context.skip(missing);
    }
    fc.assert(
      fc.property(fc.oneof(anyText, shellish), (value) => {
        const word = escaped(value);
        const result = spawnSync(argv[0] as string, [...argv.slice(1), `printf %s ${word}`]);
        expect(result.status, `word: ${word}`).toBe(0);
        expect(result.stdout.toString('utf8'), `word: ${word}`).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});
