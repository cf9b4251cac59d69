/**
 * Hostile values (command substitution, backticks, `;`, newlines, quotes, `${IFS}`, a glob, a
 * value that looks like an option, 64 KiB, right-to-left text) as every string input of every
 * component (issue 14), in two parts:
 *
 * 1. Structural, through the real interpolation of templates/*.yml: every string input without
 *    `options` (listed from each spec) rendered with a unique marker lands only where YAML puts
 *    it (a job name, `stage`, `image`, `extends`, `id_tokens`, artifacts, …) or as the whole value
 *    of a variable, never in `script`/`before_script`/`after_script` text, where it would be shell
 *    source. Each hostile value then either is refused by the input's `regex` or renders the same
 *    document with the value, byte for byte, where the marker was: YAML structure cannot be
 *    injected through an input.
 *
 * 2. Behavioural: each component's job script (ecr-login: its hidden job's before_script followed
 *    by its check job's script, as the runner runs them in one shell) run by real shells, with one
 *    hostile value at a time in the variable that carries one string input and every other input
 *    valid. The value goes straight into the variable, whatever the input's `regex`: a regex only
 *    guards the include, and the same variable can get any value from a CI/CD variable it
 *    references (`$VAR`, expanded by the runner), a pipeline variable or an earlier job's dotenv
 *    report (both outrank a job's own `variables:`). Per case: the canary file named in the
 *    payloads never exists; the exit is 0, or 1 with the component's own `<component>: ERROR:`
 *    line naming the input, and never a shell error; a value passed on to a tool (build
 *    arguments, labels, annotations, tags, paths) reaches its argv byte for byte after its flag,
 *    and a value that starts with `-` is never where docker or podman would read an option; the
 *    known secrets (AWS keys and session token, ID token, ECR token, registry password, cosign key
 *    and password) are in no argv, not in the job output and in no file left in the project dir.
 *
 * The docker, podman, aws and cosign on PATH are probes: they record each call's argv (one file a
 * call, NUL-separated, so newlines survive) and answer just enough for the script to go on. They
 * are observation points, not stand-ins for the tools' behaviour: the real tools run in the
 * integration suites.
 *
 * Shells: `sh` (dash) runs every value in every input. `busybox sh` (the ash of the docker:*-cli
 * images, with busybox's own sed/grep/tr/awk first on PATH, as in Alpine) runs buildx-ecr and
 * ecr-login, and bash (the podman images are Fedora) runs podman-arch-build, manifest-merge and
 * ecr-login (which the podman jobs extend), each with every value in the inputs that the script
 * splits or passes on (the first input of each handling: a whole value, a word list, a line list).
 * That subset proves the rest: part 1 shows no value is ever shell source, so what a shell can do
 * differently is only how it expands `"$VAR"`, splits with `read`/`tr`/`sed` and rebuilds argv
 * with `set --`, and every input goes through one of those three handlings.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpolateComponent } from '../../scripts/gitlab/component/load.js';
import { isInterpolatable, parseComponentSource, type InterpolatableSource } from '../../scripts/gitlab/component/source.js';
import { RENDERING_STAND_INS } from '../../scripts/gitlab/component/stand-ins.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { inputType } from '../../scripts/gitlab/inputs/resolve.js';
import { fromPlain, isValueMap, toPlain, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { REPO_ROOT } from '../helpers/cli.js';

// ---- the components and their string inputs ---------------------------------------------------

interface Component {
  readonly name: string;
  readonly source: InterpolatableSource;
  /** String inputs without `options`, in spec order. */
  readonly stringInputs: readonly string[];
}

const COMPONENTS: readonly Component[] = readdirSync(path.join(REPO_ROOT, 'templates'))
  .filter((file) => file.endsWith('.yml'))
  .sort()
  .map((file) => {
    const relative = `templates/${file}`;
    const source = parseComponentSource(readFileSync(path.join(REPO_ROOT, relative), 'utf8'), relative);
    if (!isInterpolatable(source)) throw new Error(`${relative} is not a component`);
    const { spec } = validateHeader(source.header.value as ValueMap);
    const stringInputs = [...spec.inputs].filter(([, s]) => inputType(s) === 'string' && !(isValueMap(s) && s.has('options'))).map(([name]) => name);
    return { name: file.replace(/\.yml$/, ''), source, stringInputs };
  });

const SCRIPT_KEYS = new Set(['script', 'before_script', 'after_script']);

function render(component: Component, inputs: Readonly<Record<string, unknown>>) {
  return interpolateComponent(component.source, { inputs: fromPlain(inputs) as ValueMap, standIns: RENDERING_STAND_INS });
}

/** Every key and string of `value` that contains `needle`, with its path (a key's path ends in the key). */
function placesOf(value: unknown, needle: string, at: readonly string[] = []): { path: readonly string[]; text: string }[] {
  if (typeof value === 'string') return value.includes(needle) ? [{ path: at, text: value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => placesOf(item, needle, [...at, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes(needle) ? [{ path: [...at, key], text: key }] : []),
      ...placesOf(item, needle, [...at, key]),
    ]);
  }
  return [];
}

const TOKEN = 'QHOSTILEMARKER';
/** A marker the input's `regex` accepts: the plain token, a hidden-job name, or a variable reference. */
function markerFor(component: Component, input: string): string {
  for (const candidate of [TOKEN, `.${TOKEN}`, `$${TOKEN}`]) if (render(component, { [input]: candidate }).ok) return candidate;
  throw new Error(`${component.name}: no marker form is accepted by the regex of ${input}`);
}

interface Landing {
  readonly marker: string;
  /** The rendered content with the marker, as JSON. */
  readonly json: string;
  readonly places: readonly { path: readonly string[]; text: string }[];
  /** `variables:` that hold the input as their whole value. */
  readonly variables: readonly string[];
}

function landing(component: Component, input: string): Landing {
  const marker = markerFor(component, input);
  const result = render(component, { [input]: marker });
  if (!result.ok) throw new Error(`${component.name} does not render with ${input}: ${marker}`);
  const plain = toPlain(result.content);
  const places = placesOf(plain, marker);
  const variables = places.filter((p) => p.path.at(-2) === 'variables' && p.text === marker).map((p) => p.path.at(-1) as string);
  return { marker, json: JSON.stringify(plain), places, variables: [...new Set(variables)] };
}

const LANDINGS = new Map(COMPONENTS.map((c) => [c.name, new Map(c.stringInputs.map((input) => [input, landing(c, input)]))]));
const landingOf = (component: string, input: string) => LANDINGS.get(component)?.get(input) as Landing;

// ---- the hostile values -------------------------------------------------------------------------

interface Hostile {
  readonly label: string;
  /** The value, for a case whose canary file is `canary`. */
  readonly value: (canary: string) => string;
}

const HOSTILE: readonly Hostile[] = [
  { label: 'command substitution', value: (c) => `$(touch ${c})` },
  { label: 'backticks', value: (c) => `\`touch ${c}\`` },
  { label: 'semicolon', value: (c) => `x;touch ${c}` },
  { label: 'newline', value: (c) => `x\ntouch ${c}` },
  { label: 'single quotes', value: (c) => `' ; touch ${c} '` },
  { label: 'double quotes', value: (c) => `" ; touch ${c} "` },
  { label: '${IFS}', value: (c) => `x\${IFS}touch\${IFS}${c}` },
  // The project directory holds a file (`glob-victim`) that an unquoted `*` would expand to.
  { label: 'glob', value: () => '*' },
  { label: 'option-like', value: (c) => `--output=${c}` },
  { label: '64 KiB', value: (c) => `${'x'.repeat(64 * 1024)};touch ${c}` },
  { label: 'right-to-left', value: (c) => `app\u202Ehs.exe$(touch ${c})` },
];

// ---- part 1: structural --------------------------------------------------------------------------

describe('string inputs never become script text', () => {
  const cases = COMPONENTS.flatMap((c) => c.stringInputs.map((input) => ({ component: c, input })));

  it('every component has string inputs, listed from its spec', () => {
    expect(COMPONENTS.map((c) => c.name)).toEqual(['buildx-ecr', 'ecr-login', 'manifest-merge', 'podman-arch-build']);
    for (const c of COMPONENTS) expect(c.stringInputs.length, c.name).toBeGreaterThan(0);
  });

  it.each(cases.map(({ component, input }) => [component.name, input, component] as const))('%s %s lands outside the scripts', (_, input, component) => {
    const { places, marker } = landingOf(component.name, input);
    expect(places.length, `${input} is used nowhere`).toBeGreaterThan(0);
    for (const place of places) {
      expect(place.path.filter((key) => SCRIPT_KEYS.has(key)), `${input} at ${place.path.join('.')}`).toEqual([]);
      // In a variable it is the whole value: the runner exports it as data.
      if (place.path.at(-2) === 'variables') expect(place.text, place.path.join('.')).toBe(marker);
    }
  });

  it.each(cases.map(({ component, input }) => [component.name, input, component] as const))('%s %s: a hostile value is refused or lands where the marker did', (_, input, component) => {
    const { marker, json } = landingOf(component.name, input);
    const escape = (text: string) => JSON.stringify(text).slice(1, -1);
    for (const hostile of HOSTILE) {
      const value = hostile.value('/tmp/hostile-canary');
      const result = render(component, { [input]: value });
      if (!result.ok) {
        expect(result.failedAt, hostile.label).toBe('inputs');
        expect(result.inputErrors.flatMap((e) => e.inputs), hostile.label).toEqual([input]);
        continue;
      }
      expect(JSON.stringify(toPlain(result.content)) === json.split(escape(marker)).join(escape(value)), `${input} with ${hostile.label}`).toBe(true);
    }
  });
});
