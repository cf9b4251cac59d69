/**
 * The command line as data: each command declares its arguments and options once; from that
 * declaration come the parsing, the types its `run` sees and the `--help` texts.
 *
 * The words are read by node:util's `parseArgs` (built in, so nothing to load: `catalog render` has
 * to finish in a quarter of the time gitlab-ci-local takes). This module exists for what parseArgs
 * does not do: subcommands (one level of grouping, `ci-schema update`), `<required>`, `[optional]`
 * and `[variadic...]` arguments, `--no-x` switches (its `allowNegative` needs Node 22), `-h`/`--help`
 * and `help [command]` with help texts, and the error texts of commander, which the CLI used before
 * and which users and tests know: parseArgs runs non-strict and the mistakes are reported here.
 * `defineCommand` infers each command's `args` and `options` from its declaration, so reading an
 * option that was not declared (a misspelled name) does not compile.
 */
import { parseArgs } from 'node:util';

export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Takes every remaining argument (only the last argument can). */
  readonly variadic?: boolean | undefined;
}

export interface OptionSpec {
  /** `--inputs`. A switch named `--no-x` sets `x` to false (it defaults to true). */
  readonly flag: `--${string}`;
  /** `<file>`: the option takes a value. Without it the option is a switch. */
  readonly value?: `<${string}>` | undefined;
  readonly description: string;
  readonly default?: string | undefined;
}

/** What a command receives, untyped: what `parseCommandLine` hands over for any command. */
export interface ParsedCommand {
  /** The arguments, in the order of the command's `arguments` (a variadic one as a list). */
  readonly args: readonly (string | readonly string[] | undefined)[];
  /** Option values by camel-cased name (`--max-warnings` -> `maxWarnings`, `--no-shellcheck` -> `shellcheck`). */
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
}

export interface CommandSpec<R> {
  /** `render`, or `ci-schema update` under a group. */
  readonly name: string;
  readonly description: string;
  readonly arguments: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  readonly run: (parsed: ParsedCommand) => R;
}

export interface ProgramSpec<R> {
  readonly name: string;
  readonly description: string;
  /** Commands that only group subcommands (`ci-schema`), with their descriptions. */
  readonly groups: readonly { readonly name: string; readonly description: string }[];
  readonly commands: readonly CommandSpec<R>[];
  /** What `-V`/`--version` prints (commander's flags); without it, they are unknown options. */
  readonly version?: (() => string) | undefined;
}

// ---------------------------------------------------------------------------------------------
// What a command receives, typed from its declaration (mirrors `optionKey` and `parseCommand`).

/** `max-warnings` -> `maxWarnings`. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type OptionKey<O extends OptionSpec> = O['flag'] extends `--${infer Name}`
  ? O extends { readonly value: string }
    ? CamelCase<Name>
    : Name extends `no-${infer Negated}`
      ? CamelCase<Negated>
      : CamelCase<Name>
  : never;

/** A value option is a string (always set when it has a default); `--no-x` is true unless given; a switch is true or unset. */
type OptionValue<O extends OptionSpec> = O extends { readonly value: string }
  ? O extends { readonly default: string }
    ? string
    : string | undefined
  : O['flag'] extends `--no-${string}`
    ? boolean
    : true | undefined;

export type OptionValues<O extends readonly OptionSpec[]> = { readonly [S in O[number] as OptionKey<S>]: OptionValue<S> };

type ArgumentValue<A> = A extends { readonly variadic: true } ? readonly string[] : A extends { readonly required: true } ? string : string | undefined;

export type ArgumentValues<A extends readonly ArgumentSpec[]> = { readonly [I in keyof A]: ArgumentValue<A[I]> };

export interface TypedCommand<A extends readonly ArgumentSpec[], O extends readonly OptionSpec[]> {
  readonly args: ArgumentValues<A>;
  readonly options: OptionValues<O>;
}

/**
 * A command whose `run` sees its arguments and options typed from the declaration (`arguments`
 * and `options` are inferred as written, literal types included).
 */
export function defineCommand<const A extends readonly ArgumentSpec[], const O extends readonly OptionSpec[], R>(command: {
  readonly name: string;
  readonly description: string;
  readonly arguments: A;
  readonly options: O;
  readonly run: (parsed: TypedCommand<A, O>) => R;
}): CommandSpec<R> {
  // parseCommandLine builds `args` and `options` from these very declarations, so the typed view
  // is what it hands over; the types above follow the rules it applies.
  return { ...command, run: (parsed) => command.run(parsed as unknown as TypedCommand<A, O>) };
}

// ---------------------------------------------------------------------------------------------
// Parsing.

export type CommandLine<R> =
  | { readonly kind: 'run'; readonly command: CommandSpec<R>; readonly parsed: ParsedCommand }
  /** `--help`, `help [command]`: the text goes to standard output, exit 0. */
  | { readonly kind: 'help'; readonly text: string }
  /** A usage mistake: the message and the help of what was being used go to standard error, exit 2. */
  | { readonly kind: 'error'; readonly message: string; readonly help: string };

const HELP = { flag: '-h, --help', description: 'display help for command' } as const;
const VERSION: [string, string] = ['-V, --version', 'output the version number'];

export function parseCommandLine<R>(program: ProgramSpec<R>, argv: readonly string[]): CommandLine<R> {
  // `help [command...]` and `[group] --help` before any command word.
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'error', message: '', help: programHelp(program, undefined) };
  if (first === '-h' || first === '--help') return { kind: 'help', text: programHelp(program, undefined) };
  if (program.version && (first === '-V' || first === '--version')) return { kind: 'help', text: `${program.version()}\n` };
  if (first === 'help') return helpFor(program, rest);
  if (first.startsWith('-')) return { kind: 'error', message: `error: unknown option '${first}'`, help: programHelp(program, undefined) };

  const group = program.groups.find((g) => g.name === first);
  if (group) {
    const [sub, ...subRest] = rest;
    const groupHelp = programHelp(program, group.name);
    if (sub === undefined) return { kind: 'error', message: '', help: groupHelp };
    if (sub === '-h' || sub === '--help') return { kind: 'help', text: groupHelp };
    if (sub === 'help') return helpFor(program, [group.name, ...subRest]);
    const command = program.commands.find((c) => c.name === `${group.name} ${sub}`);
    if (!command) return { kind: 'error', message: `error: unknown command '${sub}'`, help: groupHelp };
    return parseCommand(program, command, subRest);
  }
  const command = program.commands.find((c) => c.name === first);
  if (!command) return { kind: 'error', message: `error: unknown command '${first}'`, help: programHelp(program, undefined) };
  return parseCommand(program, command, rest);
}

function helpFor<R>(program: ProgramSpec<R>, words: readonly string[]): CommandLine<R> {
  const name = words.join(' ');
  if (name === '') return { kind: 'help', text: programHelp(program, undefined) };
  if (program.groups.some((g) => g.name === name)) return { kind: 'help', text: programHelp(program, name) };
  const command = program.commands.find((c) => c.name === name);
  if (command) return { kind: 'help', text: commandHelp(program, command) };
  return { kind: 'error', message: `error: unknown command '${name}'`, help: programHelp(program, undefined) };
}

function parseCommand<R>(program: ProgramSpec<R>, command: CommandSpec<R>, argv: readonly string[]): CommandLine<R> {
  const help = commandHelp(program, command);
  const fail = (message: string): CommandLine<R> => ({ kind: 'error', message: `error: ${message}`, help });
  const options: Record<string, string | boolean | undefined> = {};
  for (const option of command.options) {
    if (isNegatedSwitch(option)) options[optionKey(option)] = true;
    else if (option.default !== undefined) options[optionKey(option)] = option.default;
  }
  // parseArgs decides which words are options, which word is an option's value and where `--`
  // ends the options; non-strict, it leaves the mistakes to be reported below, in order.
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(command.options.map((o) => [o.flag.slice(2), { type: o.value === undefined ? 'boolean' : 'string' } as const])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const byFlag = new Map<string, OptionSpec>(command.options.map((o) => [o.flag, o]));
  const positionals: string[] = [];
  let optionWord = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option' || token.index === optionWord) continue;
    // The word as typed names the option: one word can be several tokens (`-abc`), and `--x=1` is
    // reported as `--x`, as commander did.
    optionWord = token.index;
    const word = argv[token.index] as string;
    if (word === '-h' || word === '--help') return { kind: 'help', text: help };
    const equals = word.indexOf('=');
    const flag = equals > 0 ? word.slice(0, equals) : word;
    const option = byFlag.get(flag);
    if (!option) return fail(`unknown option '${flag}'`);
    if (option.value === undefined) {
      if (token.inlineValue) return fail(`option '${flag}' takes no value`);
      options[optionKey(option)] = !isNegatedSwitch(option);
    } else if (token.value === undefined) {
      return fail(`option '${option.flag} ${option.value}' argument missing`);
    } else {
      options[optionKey(option)] = token.value;
    }
  }
  const args: (string | readonly string[] | undefined)[] = [];
  let next = 0;
  for (const spec of command.arguments) {
    if (spec.variadic) {
      args.push(positionals.slice(next));
      next = positionals.length;
    } else {
      args.push(positionals[next]);
      if (next < positionals.length) next++;
      else if (spec.required) return fail(`missing required argument '${spec.name}'`);
    }
  }
  if (next < positionals.length) {
    const expected = command.arguments.length;
    return fail(`too many arguments for '${command.name}'. Expected ${expected} argument${expected === 1 ? '' : 's'} but got ${positionals.length}.`);
  }
  return { kind: 'run', command, parsed: { args, options } };
}

const isNegatedSwitch = (option: OptionSpec): boolean => option.value === undefined && option.flag.startsWith('--no-');

/** `--max-warnings` -> `maxWarnings`; `--no-shellcheck` -> `shellcheck` (what `OptionKey` says of the types). */
function optionKey(option: OptionSpec): string {
  const name = isNegatedSwitch(option) ? option.flag.slice(5) : option.flag.slice(2);
  return name
    .split('-')
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Help text, laid out as commander (which the CLI used before) lays it out: 80 columns.

const WIDTH = 80;

const argumentUsage = (spec: ArgumentSpec): string => {
  const name = `${spec.name}${spec.variadic ? '...' : ''}`;
  return spec.required ? `<${name}>` : `[${name}]`;
};

function commandUsage<R>(command: CommandSpec<R>): string {
  return [command.options.length > 0 ? '[options]' : '', ...command.arguments.map(argumentUsage)].filter(Boolean).join(' ');
}

function programHelp<R>(program: ProgramSpec<R>, groupName: string | undefined): string {
  const group = program.groups.find((g) => g.name === groupName);
  const prefix = group ? `${group.name} ` : '';
  const entries: [string, string][] = [];
  for (const command of program.commands) {
    if (!command.name.startsWith(prefix)) continue;
    const word = command.name.slice(prefix.length);
    if (word.includes(' ')) continue;
    entries.push([[word, commandUsage(command)].filter(Boolean).join(' '), command.description]);
  }
  if (!group) {
    for (const g of program.groups) {
      const at = program.commands.findIndex((c) => c.name.startsWith(`${g.name} `));
      const before = program.commands.slice(0, at).filter((c) => !c.name.includes(' ')).length;
      entries.splice(before, 0, [g.name, g.description]);
    }
  }
  entries.push(['help [command]', 'display help for command']);
  const options: [string, string][] = [...(program.version && !group ? [VERSION] : []), [HELP.flag, HELP.description]];
  return [
    `Usage: ${program.name} ${prefix}[options] [command]`,
    '',
    wrap(group ? group.description : program.description, WIDTH, 0),
    '',
    section('Options:', options, entries),
    '',
    section('Commands:', entries, options),
    '',
  ].join('\n');
}

function commandHelp<R>(program: ProgramSpec<R>, command: CommandSpec<R>): string {
  const options: [string, string][] = command.options.map((o) => [
    o.value === undefined ? o.flag : `${o.flag} ${o.value}`,
    o.default === undefined ? o.description : `${o.description} (default: ${JSON.stringify(o.default)})`,
  ]);
  options.push([HELP.flag, HELP.description]);
  const args: [string, string][] = command.arguments.map((a) => [a.name, a.description]);
  const lines = [`Usage: ${program.name} ${[command.name, commandUsage(command)].filter(Boolean).join(' ')}`, '', wrap(command.description, WIDTH, 0), ''];
  if (args.length > 0) lines.push(section('Arguments:', args, options), '');
  lines.push(section('Options:', options, args), '');
  return lines.join('\n');
}

/** A titled two-column list; the first column is as wide as in `others` too (commander aligns them). */
function section(title: string, entries: readonly [string, string][], others: readonly [string, string][]): string {
  const width = Math.max(...[...entries, ...others].map(([term]) => term.length));
  const rows = entries.map(([term, description]) => `  ${term.padEnd(width)}  ${wrap(description, WIDTH, width + 4)}`.trimEnd());
  return [title, ...rows].join('\n');
}

/** Words of `text` on lines of at most `width` columns; lines after the first start at `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const room = width - indent;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}
