/**
 * A small shell tokenizer for `script:` lines and what rules ask of its words: the program a
 * command runs, variable references, and credentials given as arguments.
 */

export interface ShellWord {
  /** The word with quotes removed and escapes resolved (command substitutions kept as written). */
  readonly text: string;
  /** The word as written. */
  readonly raw: string;
  /** Offset of the word's first character in the script string. */
  readonly offset: number;
}

/**
 * Splits a script string into simple commands (separated by newlines, `;`, `&&`, `||`, `|`, `&`
 * and parentheses) made of words. Enough of POSIX sh for argument checks: quotes, escapes, line
 * continuations, `$( … )`, backquotes, `${ … }`, comments and here-documents (their bodies are skipped).
 * Split once per script text: several rules read the same scripts, and a component's variants
 * mostly share them.
 */
export const shellCommands: (script: string) => readonly (readonly ShellWord[])[] = perText(splitCommands);

/**
 * `fn`, worked out once per text for the life of the process: what rules compute from a script's
 * text alone is the same for every variant and every rule that has that script.
 */
export function perText<T>(fn: (text: string) => T): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (known.has(text)) return known.get(text) as T;
    const value = fn(text);
    known.set(text, value);
    return value;
  };
}

function splitCommands(script: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let text = '';
  let start = -1;
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  let pendingHeredoc: boolean | undefined;

  const endWord = () => {
    if (start < 0) return;
    const word = { text, raw: script.slice(start, i), offset: start };
    if (pendingHeredoc !== undefined) {
      heredocs.push({ delimiter: text, strip: pendingHeredoc });
      pendingHeredoc = undefined;
    } else if (word.text === '<<' || word.text === '<<-') {
      pendingHeredoc = word.text === '<<-';
    } else if (/^<<-?\S/.test(word.raw) && !word.raw.startsWith('<<<')) {
      const strip = word.raw.startsWith('<<-');
      heredocs.push({ delimiter: word.text.slice(strip ? 3 : 2), strip });
    }
    words.push(word);
    text = '';
    start = -1;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  /** Index just past the `close` that balances the opener at `from` (quotes inside are skipped). */
  const balanced = (from: number, open: string, close: string): number => {
    let depth = 0;
    for (let j = from; j < script.length; j++) {
      const c = script[j];
      if (c === '\\') j++;
      else if (c === "'") j = script.indexOf("'", j + 1) < 0 ? script.length : script.indexOf("'", j + 1);
      else if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
    }
    return script.length;
  };

  let i = 0;
  while (i < script.length) {
    const c = script[i] as string;
    if (c === '\\' && script[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      endCommand();
      i++;
      // Here-document bodies follow the line that opened them.
      for (const doc of heredocs.splice(0)) {
        while (i < script.length) {
          const end = script.indexOf('\n', i);
          const line = script.slice(i, end < 0 ? script.length : end);
          i = end < 0 ? script.length : end + 1;
          if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) break;
        }
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
      continue;
    }
    const redirect = c === '&' && (script[i - 1] === '>' || script[i - 1] === '<' || script[i + 1] === '>');
    if (!redirect && (c === ';' || c === '&' || c === '|' || c === '(' || c === ')')) {
      endCommand();
      i += (c === '&' || c === '|') && (script[i + 1] === c || (c === '|' && script[i + 1] === '&')) ? 2 : 1;
      continue;
    }
    if (c === '#' && start < 0) {
      const end = script.indexOf('\n', i);
      i = end < 0 ? script.length : end;
      continue;
    }
    if (start < 0) start = i;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const close = end < 0 ? script.length : end;
      text += script.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && j + 1 < script.length) {
          text += '"\\$`'.includes(script[j + 1] as string) ? script[j + 1] : script.slice(j, j + 2);
          j += 2;
        } else if (script.startsWith('$(', j)) {
          const end = balanced(j + 1, '(', ')');
          text += script.slice(j, end);
          j = end;
        } else {
          text += script[j];
          j++;
        }
      }
      i = j + 1;
    } else if (c === '\\') {
      text += script[i + 1] ?? '';
      i += 2;
    } else if (script.startsWith('$(', i)) {
      const end = balanced(i + 1, '(', ')');
      text += script.slice(i, end);
      i = end;
    } else if (script.startsWith('${', i)) {
      const end = balanced(i + 1, '{', '}');
      text += script.slice(i, end);
      i = end;
    } else if (c === '`') {
      const end = script.indexOf('`', i + 1);
      const close = end < 0 ? script.length : end + 1;
      text += script.slice(i, close);
      i = close;
    } else {
      text += c;
      i++;
    }
  }
  endCommand();
  return commands;
}

/** Shell words that only prefix the real command. */
const WRAPPERS = new Set(['sudo', 'exec', 'command', 'nohup', 'time', 'env', 'xargs']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The index of a command's program word: after `VAR=value` prefixes and wrappers such as `sudo`. */
export function programIndex(words: readonly ShellWord[]): number {
  let i = 0;
  while (i < words.length) {
    const word = words[i] as ShellWord;
    if (ASSIGNMENT.test(word.text)) i++;
    else if (WRAPPERS.has(word.text)) {
      i++;
      while (i < words.length && (words[i] as ShellWord).text.startsWith('-')) i++;
    } else break;
  }
  return i;
}

/** `/usr/bin/docker` → `docker`. */
export const programName = (word: ShellWord | undefined): string => (word ? word.text.slice(word.text.lastIndexOf('/') + 1) : '');

/** Every `$VAR` / `${VAR}` reference removed: what is left is literal text. */
export const withoutVariables = (text: string): string => text.replace(/\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$\d/g, '');

/** True when a value is only variable references and punctuation, with no literal word in it. */
export const isOnlyReferences = (text: string): boolean => !/[A-Za-z0-9]/.test(withoutVariables(text));

// ---------------------------------------------------------------------------------------------
// Credentials on command lines

export interface CredentialArgument {
  /** `login` (a password), `creds` (`user:password`), `user` (curl's `user:password`). */
  readonly kind: 'password' | 'creds' | 'user';
  /** The command as users know it: `docker login`, `skopeo copy`, `curl`. */
  readonly command: string;
  readonly program: string;
  /** The flag as written, without an attached value: `-p`, `--password`, `--creds`, `-u`. */
  readonly flag: string;
  readonly flagOffset: number;
  /** The value, unquoted; and where it starts in the script. */
  readonly value: string;
  readonly valueOffset: number;
}

/** Tools whose `login` takes `-p` / `--password` and also `--password-stdin`. */
const LOGIN_TOOLS: Readonly<Record<string, string>> = {
  docker: 'docker login',
  podman: 'podman login',
  buildah: 'buildah login',
  skopeo: 'skopeo login',
  nerdctl: 'nerdctl login',
  oras: 'oras login',
  helm: 'helm registry login',
  crane: 'crane auth login',
};
const CREDS_TOOLS = new Set(['podman', 'buildah', 'skopeo']);
const CREDS_FLAGS = new Set(['--creds', '--src-creds', '--dest-creds', '--from-creds']);
const WGET_PASSWORD_FLAGS = new Set(['--password', '--http-password', '--ftp-password', '--proxy-password']);

/** Passwords given as arguments in one simple command (see `shellCommands`). */
export function credentialArguments(words: readonly ShellWord[]): CredentialArgument[] {
  const p = programIndex(words);
  const program = programName(words[p]);
  const found: CredentialArgument[] = [];
  /** `--flag=value`, `--flag value`, or a short flag with its value attached. */
  const valueAfter = (j: number, flag: string): { value: string; offset: number } | undefined => {
    const word = words[j] as ShellWord;
    if (word.text === flag) {
      const next = words[j + 1];
      return next ? { value: next.text, offset: next.offset } : undefined;
    }
    const attached = word.text.slice(flag.length + (flag.startsWith('--') ? 1 : 0));
    return { value: attached, offset: word.offset + word.raw.indexOf(attached.slice(0, 1) || '\0', flag.length) };
  };
  const push = (kind: CredentialArgument['kind'], command: string, flag: string, j: number) => {
    const got = valueAfter(j, flag);
    if (!got || got.value === '') return;
    if (kind !== 'password' && !got.value.includes(':')) return;
    found.push({ kind, command, program, flag, flagOffset: (words[j] as ShellWord).offset, value: got.value, valueOffset: got.offset });
  };

  const login = LOGIN_TOOLS[program];
  const loginAt = login ? words.findIndex((w, j) => j > p && w.text === 'login') : -1;
  for (let j = p + 1; j < words.length; j++) {
    const text = (words[j] as ShellWord).text;
    if (text === '--') break;
    if (login && loginAt >= 0 && j > loginAt) {
      if (text === '-p' || text === '--password' || text.startsWith('--password=')) push('password', login, text.startsWith('--') ? '--password' : '-p', j);
      else if (/^-p./.test(text)) push('password', login, '-p', j);
    }
    if (CREDS_TOOLS.has(program)) {
      const flag = text.split('=')[0] as string;
      if (CREDS_FLAGS.has(flag)) push('creds', `${program} ${words[p + 1]?.text ?? ''}`.trim(), flag, j);
    }
    if (program === 'curl') {
      if (text === '-u' || text === '--user' || text === '-U' || text === '--proxy-user') push('user', 'curl', text, j);
      else if (/^-[A-Za-z]*u$/.test(text) && text !== '-u') {
        const next = words[j + 1];
        if (next && next.text.includes(':')) found.push({ kind: 'user', command: 'curl', program, flag: '-u', flagOffset: (words[j] as ShellWord).offset, value: next.text, valueOffset: next.offset });
      } else if (/^-u./.test(text)) push('user', 'curl', '-u', j);
    }
    if (program === 'wget') {
      const flag = text.split('=')[0] as string;
      if (WGET_PASSWORD_FLAGS.has(flag)) push('password', 'wget', flag, j);
    }
  }
  return found;
}

/** Builtins that never show their arguments in the process list (no new process is started). */
export const SHELL_BUILTINS: ReadonlySet<string> = new Set(['echo', 'printf', 'export', 'local', 'readonly', 'declare', 'typeset', 'set', 'test', '[', '[[', ':']);
