/**
 * The command line as data: commands with their arguments and options, parsed from argv and
 * described in `--help`. Written here rather than with a parsing library because loading one was a
 * noticeable part of a short command's start-up (`catalog render` has to finish in a quarter of the
 * time gitlab-ci-local takes), and the `catalog` command needs only this: subcommands (one level of
 * grouping), `<required>`, `[optional]` and `[variadic...]` arguments, `--name <value>` (also
 * `--name=value`) and boolean `--name` options, `--` to end options, `-h`/`--help` and `help [command]`.
 */

export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Takes every remaining argument (only the last argument can). */
  readonly variadic?: boolean | undefined;
}

export interface OptionSpec {
  /** `--inputs`. A boolean option named `--no-x` sets `x` to false (it defaults to true). */
  readonly flag: `--${string}`;
  /** `<file>`: the option takes a value. Without it the option is a switch. */
  readonly value?: `<${string}>` | undefined;
  readonly description: string;
  readonly default?: string | undefined;
}

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
}

export type CommandLine<R> =
  | { readonly kind: 'run'; readonly command: CommandSpec<R>; readonly parsed: ParsedCommand }
  /** `--help`, `help [command]`: the text goes to standard output, exit 0. */
  | { readonly kind: 'help'; readonly text: string }
  /** A usage mistake: the message and the help of what was being used go to standard error, exit 2. */
  | { readonly kind: 'error'; readonly message: string; readonly help: string };

const HELP = { flag: '-h, --help', description: 'display help for command' } as const;

export function parseCommandLine<R>(program: ProgramSpec<R>, argv: readonly string[]): CommandLine<R> {
  // `help [command...]` and `[group] --help` before any command word.
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'error', message: '', help: programHelp(program, undefined) };
  if (first === '-h' || first === '--help') return { kind: 'help', text: programHelp(program, undefined) };
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
    if (option.value === undefined && option.flag.startsWith('--no-')) options[optionKey(option)] = true;
    else if (option.default !== undefined) options[optionKey(option)] = option.default;
  }
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h' || word === '--help') return { kind: 'help', text: help };
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const equals = word.indexOf('=');
    const flag = equals > 0 ? word.slice(0, equals) : word;
    const option = command.options.find((o) => o.flag === flag);
    if (!option) return fail(`unknown option '${flag}'`);
    if (option.value === undefined) {
      if (equals > 0) return fail(`option '${flag}' takes no value`);
      options[optionKey(option)] = !option.flag.startsWith('--no-');
      continue;
    }
    const value = equals > 0 ? word.slice(equals + 1) : argv[++i];
    if (value === undefined) return fail(`option '${option.flag} ${option.value}' argument missing`);
    options[optionKey(option)] = value;
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

/** `--max-warnings` -> `maxWarnings`; `--no-shellcheck` -> `shellcheck`. */
function optionKey(option: OptionSpec): string {
  const bare = option.value === undefined && option.flag.startsWith('--no-') ? option.flag.slice(5) : option.flag.slice(2);
  return bare.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
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
  return [
    `Usage: ${program.name} ${prefix}[options] [command]`,
    '',
    wrap(group ? group.description : program.description, WIDTH, 0),
    '',
    section('Options:', [[HELP.flag, HELP.description]], entries),
    '',
    section('Commands:', entries, [[HELP.flag, HELP.description]]),
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
