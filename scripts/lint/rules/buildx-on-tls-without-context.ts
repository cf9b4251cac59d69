/**
 * buildx-on-tls-without-context: in a job that talks to a `docker:*dind*` service over TLS, the
 * docker CLI takes its TLS settings from `DOCKER_HOST`/`DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`.
 * `docker buildx create` refuses that: with the `default` context and TLS data from the environment
 * it fails with "could not create a builder instance with TLS data loaded from environment"
 * (docker/buildx `builder/builder.go`; docker/buildx#413, #2520). A docker context created from the
 * environment (`docker context create tls-env`) carries the TLS data, and `docker buildx create
 * tls-env` builds on it. A `buildx build --builder X` for a builder the job never creates fails too.
 */
import { JobResolver } from '../../gitlab/jobs/located.js';
import { jobsOf } from '../../gitlab/jobs/model.js';
import { daemonTls, dindPort, dindSetup, scriptLines } from '../job-facts.js';
import { positionInString, q, reportOncePerPosition } from '../report.js';
import { programIndex, programName, shellCommands, type ShellWord } from '../shell-words.js';
import { defineRule } from '../rule.js';

/** docker's global flags that take a value (`docker --config dir buildx …`). */
const DOCKER_VALUE_FLAGS = new Set(['--config', '-c', '--context', '-H', '--host', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
const CONTEXT_CREATE_VALUE_FLAGS = new Set(['--description', '--docker', '--from', '--default-stack-orchestrator', '--kubernetes']);
const BUILDX_CREATE_VALUE_FLAGS = new Set(['--name', '--driver', '--driver-opt', '--platform', '--buildkitd-flags', '--buildkitd-config', '--config', '--node', '--timeout', '--annotation']);
/** Drivers that do not use the docker endpoint, so the TLS check does not apply. */
const REMOTE_DRIVERS = new Set(['remote', 'kubernetes']);

interface Parsed {
  readonly flags: Map<string, string>;
  readonly positional: string[];
}

/** Flags (`--a b`, `--a=b`, booleans) and positional arguments of a subcommand's words. */
function parseArgs(words: readonly ShellWord[], valueFlags: ReadonlySet<string>): Parsed {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const text = (words[i] as ShellWord).text;
    if (text.startsWith('--') && text.includes('=')) flags.set(text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1));
    else if (valueFlags.has(text)) flags.set(text, words[++i]?.text ?? '');
    else if (text.startsWith('-') && text !== '-') flags.set(text, '');
    else positional.push(text);
  }
  return { flags, positional };
}

export const buildxOnTlsWithoutContext = defineRule({
  id: 'buildx-on-tls-without-context',
  description: 'against dind with TLS, buildx builders must be created from a docker context',
  severity: 'warning',
  messages: {
    create:
      '"docker buildx create" without a docker context fails against dind with TLS ("could not create a builder instance with TLS data loaded from environment"); run "docker context create tls-env" first and pass the context: "docker buildx create --use tls-env"',
    builder:
      '{{command}} selects builder {{builder}}, which this job never creates; against dind with TLS, create it from a docker context first: "docker context create tls-env" then {{create}}',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      const resolver = new JobResolver(variant.content);
      for (const { name } of jobsOf(variant.content)) {
        const setup = dindSetup(resolver, name);
        if (!setup || daemonTls(setup) !== true || setup.context?.value) continue;
        if (setup.host && dindPort(setup) !== 2376) continue;

        const contexts = new Set<string>();
        const builders = new Set<string>();
        let current = 'default';
        let created = false;
        const lines = [...scriptLines(resolver.get(name, 'before_script')), ...scriptLines(resolver.get(name, 'script'))];
        for (const line of lines) {
          const at = (offset: number) => positionInString(ctx.target.text, variant.locate(line.path), line.value, offset);
          for (const words of shellCommands(line.value)) {
            const p = programIndex(words);
            const program = programName(words[p]);
            if (program === 'export') {
              for (const word of words.slice(p + 1)) if (word.text.startsWith('DOCKER_CONTEXT=')) current = word.text.slice('DOCKER_CONTEXT='.length) || 'default';
              continue;
            }
            if (program !== 'docker') continue;
            let i = p + 1;
            let globalContext: string | undefined;
            while (i < words.length && (words[i] as ShellWord).text.startsWith('-')) {
              const flag = (words[i] as ShellWord).text;
              if (flag === '--context' || flag === '-c') globalContext = words[i + 1]?.text;
              else if (flag.startsWith('--context=')) globalContext = flag.slice('--context='.length);
              i += DOCKER_VALUE_FLAGS.has(flag) ? 2 : 1;
            }
            const sub = words[i]?.text;
            if (sub === 'context') {
              const action = words[i + 1]?.text;
              const args = parseArgs(words.slice(i + 2), CONTEXT_CREATE_VALUE_FLAGS);
              if (action === 'create' && args.positional[0]) contexts.add(args.positional[0]);
              if (action === 'use' && args.positional[0]) current = args.positional[0];
              continue;
            }
            if (sub !== 'buildx') continue;
            const inContext = (globalContext !== undefined && globalContext !== 'default') || current !== 'default';
            let j = i + 1;
            let builder: string | undefined;
            while (j < words.length && (words[j] as ShellWord).text.startsWith('-')) {
              const flag = (words[j] as ShellWord).text;
              if (flag === '--builder') builder = words[++j]?.text;
              else if (flag.startsWith('--builder=')) builder = flag.slice('--builder='.length);
              j++;
            }
            const action = words[j]?.text;
            if (action === 'create') {
              const args = parseArgs(words.slice(j + 1), BUILDX_CREATE_VALUE_FLAGS);
              const driver = args.flags.get('--driver') ?? '';
              builders.add(args.flags.get('--name') ?? '');
              created = true;
              if (!inContext && args.positional.length === 0 && !REMOTE_DRIVERS.has(driver)) report({ messageId: 'create', at: at((words[p] as ShellWord).offset) });
              continue;
            }
            if (action === 'build' || action === 'bake' || action === 'use') {
              const args = parseArgs(words.slice(j + 1), new Set(['--builder', '-f', '--file', '-t', '--tag', '--platform', '--set']));
              const selected = builder ?? args.flags.get('--builder') ?? (action === 'use' ? args.positional[0] : undefined);
              if (!selected || selected === 'default' || inContext || created || contexts.has(selected) || builders.has(selected) || selected.includes('$')) continue;
              report({
                messageId: 'builder',
                data: { command: q(`docker buildx ${action}`), builder: q(selected), create: q(`docker buildx create --name ${selected} tls-env`) },
                at: at((words[p] as ShellWord).offset),
              });
            }
          }
        }
      }
    }
  },
});
