/**
 * password-on-argv: a password passed as a command-line argument (`docker login -p`, `--creds
 * user:pass`, `curl -u user:pass`, `$(aws ecr get-login-password)` as an argument). Arguments are
 * world-readable in `/proc/<pid>/cmdline` and `ps` for as long as the command runs, and shell tracing
 * (`set -x`, `CI_DEBUG_TRACE`) prints them expanded into the job log, where a value that is not a
 * masked CI/CD variable (a token fetched at run time) is not masked. Every tool here reads the
 * secret from stdin or a file instead.
 */
import { allScriptLines } from '../job-facts.js';
import { positionInString, q, reportOncePerPosition } from '../report.js';
import { credentialArguments, perText, programIndex, programName, SHELL_BUILTINS, shellCommands } from '../shell-words.js';
import { defineRule } from '../rule.js';

const ECR_LOGIN_PASSWORD = /\$\(\s*aws\s+ecr(?:-public)?\s+get-login-password\b|`\s*aws\s+ecr(?:-public)?\s+get-login-password\b/;
const ECR_GET_LOGIN = /\baws\s+ecr\s+get-login(?![\w-])/g;

/** What to do instead, per tool. */
function remedy(kind: 'password' | 'creds' | 'user', command: string, program: string): string {
  if (kind === 'user') return 'read it from a file with "--netrc-file" or from stdin with "--config -"';
  if (kind === 'creds') return `log in first with ${q(`${program} login --password-stdin`)} and drop the flag`;
  if (program === 'wget') return 'put it in a ".netrc" file instead';
  return `pipe it to ${q(`${command} --password-stdin`)}`;
}

export const passwordOnArgv = defineRule({
  id: 'password-on-argv',
  description: 'passwords must not be passed as command-line arguments',
  severity: 'error',
  messages: {
    argument: '{{command}} puts a password on the command line, where the process list and shell tracing show it; {{remedy}}',
    ecrPassword: '"$(aws ecr get-login-password)" puts the registry password on the command line of {{command}}, where the process list and shell tracing show it; pipe it: "aws ecr get-login-password | docker login --username AWS --password-stdin <registry>"',
    ecrGetLogin: '"aws ecr get-login" prints a "docker login -p <password>" command, so running it puts the password on the command line (and AWS CLI v2 removed it); use "aws ecr get-login-password | docker login --username AWS --password-stdin <registry>"',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      for (const line of allScriptLines(variant.content)) {
        const script = line.value;
        for (const { messageId, data, offset } of scriptFindings(script)) {
          report({ messageId, data, at: positionInString(ctx.target.text, variant.locate(line.path), script, offset) });
        }
      }
    }
  },
});

interface Finding {
  readonly messageId: 'argument' | 'ecrPassword' | 'ecrGetLogin';
  readonly data?: Readonly<Record<string, string>> | undefined;
  /** Where in the script string. */
  readonly offset: number;
}

/** The findings in one script string, in order. */
const scriptFindings = perText((script: string): readonly Finding[] => {
  const found: Finding[] = [];
  for (const words of shellCommands(script)) {
    const args = credentialArguments(words);
    for (const arg of args) {
      found.push({ messageId: 'argument', data: { command: q(`${arg.command} ${arg.flag}`), remedy: remedy(arg.kind, arg.command, arg.program) }, offset: arg.flagOffset });
    }
    const p = programIndex(words);
    if (p >= words.length || SHELL_BUILTINS.has(programName(words[p]))) continue;
    for (const [k, word] of words.entries()) {
      // A here-string (`<<< "$(aws ecr get-login-password)"`) feeds stdin: that is the fix, not the problem.
      if (k <= p || word.raw.startsWith('<<<') || words[k - 1]?.raw === '<<<') continue;
      if (args.some((arg) => arg.valueOffset >= word.offset && arg.valueOffset < word.offset + word.raw.length)) continue;
      const match = ECR_LOGIN_PASSWORD.exec(word.raw);
      if (match) found.push({ messageId: 'ecrPassword', data: { command: q(programName(words[p])) }, offset: word.offset + match.index });
    }
  }
  for (const match of script.matchAll(ECR_GET_LOGIN)) found.push({ messageId: 'ecrGetLogin', offset: match.index });
  return found;
});
