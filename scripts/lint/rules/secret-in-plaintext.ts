/**
 * secret-in-plaintext: credentials written into the CI configuration, where everyone who can read
 * the repository (and every fork and clone) has them: AWS access key ids and secret-shaped values,
 * private key blocks, GitLab and GitHub tokens, passwords in URLs, literal values of secret-named
 * variables, and literal passwords given to `docker login` and friends in scripts. A message shows
 * at most the first four characters of what it found.
 */
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import type { PathSegment } from '../../gitlab/yaml/psych.js';
import { variablesOf, variableValue } from '../../gitlab/jobs/located.js';
import { allScriptLines } from '../job-facts.js';
import { positionInString, q, reportOncePerPosition } from '../report.js';
import { credentialArguments, isOnlyReferences, perText, programIndex, programName, shellCommands } from '../shell-words.js';
import { defineRule } from '../rule.js';

type MessageId = 'awsKeyId' | 'awsSecret' | 'privateKey' | 'gitlabToken' | 'githubToken' | 'urlPassword' | 'secretVariable' | 'commandPassword';

interface Finding {
  readonly messageId: MessageId;
  readonly offset: number;
  readonly data: Readonly<Record<string, string>>;
}

/** At most four characters, fewer for short values: enough to find the value, not to use it. */
export const preview = (secret: string): string => q(`${secret.slice(0, Math.min(4, Math.floor(secret.length / 4)))}…`);

/** Documentation placeholders: AWS's `…EXAMPLE` keys, `xxxx`, `<token>`. */
const isPlaceholder = (value: string): boolean => /example/i.test(value) || /^(.)\1*$/.test(value) || /^<.*>$/.test(value);

/** GitLab's token prefixes (docs.gitlab.com/security/tokens/#token-prefixes) and what they are. */
const GITLAB_TOKENS: Readonly<Record<string, string>> = {
  glpat: 'personal, project or group access token',
  gloas: 'OAuth application secret',
  gldt: 'deploy token',
  glrt: 'runner authentication token',
  glrtr: 'runner authentication token',
  glcbt: 'CI/CD job token',
  glptt: 'pipeline trigger token',
  glft: 'feed token',
  glimt: 'incoming mail token',
  glagent: 'agent for Kubernetes token',
  glwt: 'workspace token',
  glsoat: 'SCIM token',
  glffct: 'feature flags client token',
};
const GITLAB_TOKEN = new RegExp(`\\b(${Object.keys(GITLAB_TOKENS).join('|')})-([0-9A-Za-z_.-]{20,})`, 'g');
const RUNNER_REGISTRATION_TOKEN = /\bGR1348941[0-9A-Za-z_-]{20}\b/g;
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b/g;
const AWS_KEY_ID = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
/** `scheme://user:password@host` with a password that is not a variable. */
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/gi;
/** Forty base64 characters: the shape of an AWS secret access key. */
const AWS_SECRET_SHAPE = /^[A-Za-z0-9/+]{40}$/;
/** Names that hold AWS-secret-shaped values worth flagging. */
const SECRETISH_NAME = /SECRET|PASSWORD|TOKEN/i;
/** Names whose value is a secret: they end with one of these words. */
const SECRET_NAME = /(?:^|_)(?:PASSWORD|PASSWD|PASS|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|ACCESS_KEY|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CLIENT_SECRET)$/i;
const NOT_A_SECRET = /^(?:true|false|yes|no|on|off|0|1|null|none)$/i;

/** Secrets recognisable by their own shape, wherever they are written. */
const shapeFindings = perText((text: string): readonly Finding[] => {
  const found: Finding[] = [];
  for (const m of text.matchAll(AWS_KEY_ID)) {
    if (!isPlaceholder(m[0])) found.push({ messageId: 'awsKeyId', offset: m.index, data: { preview: preview(m[0]) } });
  }
  for (const m of text.matchAll(PRIVATE_KEY)) found.push({ messageId: 'privateKey', offset: m.index, data: {} });
  for (const m of text.matchAll(GITLAB_TOKEN)) {
    if (!isPlaceholder(m[2] as string)) {
      found.push({ messageId: 'gitlabToken', offset: m.index, data: { kind: GITLAB_TOKENS[m[1] as string] as string, preview: preview(m[0]) } });
    }
  }
  for (const m of text.matchAll(RUNNER_REGISTRATION_TOKEN)) {
    found.push({ messageId: 'gitlabToken', offset: m.index, data: { kind: 'runner registration token', preview: preview(m[0]) } });
  }
  for (const m of text.matchAll(GITHUB_TOKEN)) {
    if (!isPlaceholder(m[0].slice(4))) found.push({ messageId: 'githubToken', offset: m.index, data: { preview: preview(m[0]) } });
  }
  for (const m of text.matchAll(URL_PASSWORD)) {
    const password = m[1] as string;
    if (isOnlyReferences(password) || isPlaceholder(password)) continue;
    found.push({ messageId: 'urlPassword', offset: m.index + m[0].lastIndexOf(password), data: { preview: preview(password) } });
  }
  return found;
});

/** A literal value assigned to a name that holds a secret; offset 0 is the value's first character. */
function namedFinding(name: string, value: string): Finding | undefined {
  const literal = value.trim();
  if (literal === '' || isOnlyReferences(literal) || NOT_A_SECRET.test(literal) || isPlaceholder(literal)) return undefined;
  if (SECRETISH_NAME.test(name) && AWS_SECRET_SHAPE.test(literal)) {
    return { messageId: 'awsSecret', offset: 0, data: { name: q(name), preview: preview(literal) } };
  }
  if (SECRET_NAME.test(name)) return { messageId: 'secretVariable', offset: 0, data: { name: q(name), preview: preview(literal) } };
  return undefined;
}

/** Literal passwords in script commands: login flags, `--creds`, `curl -u`, `NAME=value` assignments. */
const scriptFindings = perText((script: string): readonly Finding[] => {
  const found: Finding[] = [];
  for (const words of shellCommands(script)) {
    for (const arg of credentialArguments(words)) {
      const colon = arg.kind === 'password' ? -1 : arg.value.indexOf(':');
      const password = arg.value.slice(colon + 1);
      if (password === '' || isOnlyReferences(password) || isPlaceholder(password)) continue;
      found.push({
        messageId: 'commandPassword',
        offset: arg.valueOffset + (colon >= 0 ? script.slice(arg.valueOffset).indexOf(password) : 0),
        data: { command: q(`${arg.command} ${arg.flag}`), preview: preview(password) },
      });
    }
    const p = programIndex(words);
    const assignments = ['export', 'local', 'readonly', 'declare', 'typeset'].includes(programName(words[p])) ? words.slice(p + 1) : words.slice(0, p);
    for (const word of assignments) {
      const eq = word.text.indexOf('=');
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(word.text.slice(0, eq))) continue;
      const finding = namedFinding(word.text.slice(0, eq), word.text.slice(eq + 1));
      if (finding) found.push({ ...finding, offset: word.offset + word.raw.indexOf('=') + 1 });
    }
    // `aws configure set aws_secret_access_key <value>`
    const aws = words.slice(p).map((w) => w.text);
    if (programName(words[p]) === 'aws' && aws[1] === 'configure' && aws[2] === 'set' && /secret_access_key$/.test(aws[3] ?? '')) {
      const value = words[p + 4];
      const finding = value ? namedFinding('AWS_SECRET_ACCESS_KEY', value.text) : undefined;
      if (value && finding) found.push({ ...finding, offset: value.offset });
    }
  }
  return found;
});

/** Every string value of a document with its path (keys are not secrets). */
function walkStrings(value: Value, path: readonly PathSegment[], visit: (text: string, path: readonly PathSegment[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, [...path, i], visit));
  else if (isValueMap(value)) for (const [key, item] of value) walkStrings(item, [...path, key], visit);
}

/** Every `variables:` mapping in a document: top level, jobs, services, `rules:`. */
function walkVariables(value: Value, path: readonly PathSegment[], visit: (name: string, entry: { value: Value; path: readonly PathSegment[] }) => void): void {
  if (Array.isArray(value)) value.forEach((item, i) => walkVariables(item, [...path, i], visit));
  else if (isValueMap(value)) {
    for (const [key, item] of value) {
      if (key === 'variables' && isValueMap(item)) {
        for (const [name, entry] of variablesOf({ value: item, path: [...path, key] })) visit(name, entry);
      } else walkVariables(item, [...path, key], visit);
    }
  }
}

export const secretInPlaintext = defineRule({
  id: 'secret-in-plaintext',
  description: 'credentials must not be written in the CI configuration',
  severity: 'error',
  messages: {
    awsKeyId: 'literal AWS access key id {{preview}}; use OIDC (id_tokens) or a masked CI/CD variable, and deactivate this key',
    awsSecret: 'variable {{name}} holds what looks like an AWS secret access key ({{preview}}); use OIDC (id_tokens) or a masked CI/CD variable, and deactivate this key',
    privateKey: 'literal private key block; store the key in a file-type CI/CD variable and replace this key',
    gitlabToken: 'literal GitLab {{kind}} {{preview}}; store it in a masked CI/CD variable and revoke this one',
    githubToken: 'literal GitHub token {{preview}}; store it in a masked CI/CD variable and revoke this one',
    urlPassword: 'literal password {{preview}} in a URL; take it from a masked CI/CD variable or a netrc file',
    secretVariable: 'variable {{name}} holds a literal secret ({{preview}}); define it as a masked CI/CD variable in the project settings instead',
    commandPassword: '{{command}} is given a literal password ({{preview}}); read it from a masked CI/CD variable',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      const emit = (finding: Finding, value: string, path: readonly PathSegment[]) =>
        report({ messageId: finding.messageId, data: finding.data, at: positionInString(ctx.target.text, variant.locate(path), value, finding.offset) });
      walkStrings(variant.content, [], (text, path) => {
        for (const finding of shapeFindings(text)) emit(finding, text, path);
      });
      walkVariables(variant.content, [], (name, entry) => {
        const value = variableValue(entry);
        const finding = value ? namedFinding(name, value.value) : undefined;
        if (value && finding) emit({ ...finding, offset: value.value.length - value.value.trimStart().length }, value.value, value.path);
      });
      for (const line of allScriptLines(variant.content)) {
        for (const finding of scriptFindings(line.value)) emit(finding, line.value, line.path);
      }
    }
  },
});
