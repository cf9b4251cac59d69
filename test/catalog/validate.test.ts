// `catalog validate` over a small catalog: every finding with its file:line:col, exit codes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, tempTree } from '../helpers/cli.js';
import { validateComponentSource } from '../../scripts/catalog/validate.js';
import { parseComponentSource } from '../../scripts/gitlab/component/source.js';

const GOOD = `spec:
  inputs:
    stage:
      default: build
      description: Stage of the job
---
"build-$[[ inputs.stage ]]":
  stage: $[[ inputs.stage ]]
  script: echo hello
`;

const BAD = `spec:
  inputs:
    level:
      type: number
      default: high
    name:
---
job:
  script:
    - echo $[[ inputs.nmae ]]
    - echo $[[ inputs.name | shout ]]
`;

function gitCommitAll(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
}

describe('catalog validate', () => {
  it('is clean on a good catalog and says what it checked', () => {
    const dir = tempTree({ 'templates/good.yml': GOOD });
    gitCommitAll(dir);
    const result = catalog(['validate'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('1 component(s) checked: 0 error(s), 0 warning(s)\n');
    expect(result.status).toBe(0);
  });

  it('reports every problem of a component with its position and exits 1', () => {
    const dir = tempTree({ 'templates/bad/template.yml': BAD });
    gitCommitAll(dir);
    const result = catalog(['validate'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'templates/bad/template.yml:5:16: `level` input: default value is not a number [inputs]',
      'templates/bad/template.yml:10:12: unknown interpolation provided: `nmae` in `inputs.nmae` [interpolation]',
      'templates/bad/template.yml:11:12: no function matching `shout`: check that the function name, arguments, and types are correct [interpolation]',
    ]);
  });

  it('reports header errors at the offending key', () => {
    const dir = tempTree({ 'templates/h.yml': 'spec:\n  inputs:\n    a:\n      type: datetime\n---\njob: {script: echo}\n' });
    gitCommitAll(dir);
    const result = catalog(['validate'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('templates/h.yml:4:13: header:spec:inputs:a input type unknown value: datetime [header]\n');
  });

  it('reports YAML errors and missing headers in files named on the command line', () => {
    const dir = tempTree({ 'a.yml': 'job:\n  script: [echo\n', 'b.yml': 'job:\n  script: echo\n' });
    const result = catalog(['validate', 'a.yml', 'b.yml'], { cwd: dir });
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^a\.yml:\d+:\d+: yaml: .+ \[syntax\]$/);
    expect(lines[1]).toBe('b.yml:1:1: a component needs a `spec:` header document followed by `---` and the content [header]');
  });

  it("checks the examples' component includes against the catalog and points into the example", () => {
    const dir = tempTree({
      'templates/good.yml': GOOD,
      'examples/use.yml': 'include:\n  - component: $CI_SERVER_FQDN/group/cat/good@$CI_COMMIT_SHA\n    inputs:\n      stgae: test\n',
    });
    gitCommitAll(dir);
    execFileSync('git', ['remote', 'add', 'origin', 'git@gitlab.com:group/cat.git'], { cwd: dir });
    const result = catalog(['validate'], { cwd: dir });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(result.status).toBe(1);
    // GitLab names the include by its address after variable expansion ($CI_COMMIT_SHA is HEAD here).
    // GitLab's text, then a suggestion among the inputs the component declares.
    expect(result.stderr).toBe(`examples/use.yml:4:7: \`gitlab.com/group/cat/good@${head}\`: unknown input arguments: stgae; did you mean "stage"? [include]\n`);
  });

  it("checks the examples against the components it checks, the work tree's: a new component and a new input before they are committed", () => {
    const dir = tempTree({ 'templates/good.yml': GOOD });
    gitCommitAll(dir);
    execFileSync('git', ['remote', 'add', 'origin', 'git@gitlab.com:group/cat.git'], { cwd: dir });
    // Not committed: a new input of `good`, a new component, and examples that use both.
    writeFileSync(path.join(dir, 'templates/good.yml'), GOOD.replace('  inputs:\n', '  inputs:\n    greeting:\n      default: hello\n'));
    writeFileSync(path.join(dir, 'templates/other.yml'), GOOD);
    mkdirSync(path.join(dir, 'examples'));
    writeFileSync(
      path.join(dir, 'examples/use.yml'),
      'include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/good@$CI_COMMIT_SHA\n    inputs:\n      greeting: hi\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/other@$CI_COMMIT_SHA\n',
    );
    const result = catalog(['validate'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The repository is as it was: no commit, nothing staged.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe(' M templates/good.yml\n?? examples/\n?? templates/other.yml\n');
    expect(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, encoding: 'utf8' })).toBe('1\n');
  });

  it('warns when templates/<name>/template.yml is shadowed by templates/<name>.yml', () => {
    const dir = tempTree({ 'templates/good.yml': GOOD, 'templates/good/template.yml': GOOD });
    gitCommitAll(dir);
    const result = catalog(['validate'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      'templates/good/template.yml:1:1: shadowed by templates/good.yml: GitLab fetches the simple file, so this one is never used [layout]\n',
    );
  });

  it('exits 2 for a file that does not exist', () => {
    const dir = tempTree({});
    const result = catalog(['validate', 'nope.yml'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('catalog: nope.yml: no such file\n');
  });
});

describe('validateComponentSource', () => {
  const findings = (text: string) => validateComponentSource(parseComponentSource(text, 't.yml')).map((d) => `${d.start.line}:${d.start.column}: ${d.message} [${d.ruleId}]`);

  it('evaluates the blocks with the checking stand-ins, and does not report what GitLab says of the stand-ins themselves', () => {
    // `placeholder` is not in the options and does not match the regex: that is about the stand-in, not the component.
    const text = 'spec:\n  inputs:\n    arch:\n      options: [amd64, arm64]\n    tag:\n      regex: ^v\\d+$\n---\njob:\n  script: echo $[[ inputs.arch ]] $[[ inputs.tag | truncate(0, 3) ]]\n';
    expect(findings(text)).toEqual([]);
  });

  it('evaluates a required array as [], so indexing it reports an out-of-bounds index (lint renders it as [example])', () => {
    const text = 'spec:\n  inputs:\n    targets:\n      type: array\n---\njob:\n  script: echo $[[ inputs.targets[0] ]]\n';
    expect(findings(text)).toEqual(['7:16: array index 0 out of bounds (size: 0) in `inputs.targets[0]` [interpolation]']);
  });
});

describe('header findings point at what they are about', () => {
  const at = (text: string) =>
    validateComponentSource(parseComponentSource(text, 't.yml'))
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.start.line}:${d.start.column} ${d.message}`);

  it('an unknown key of an input, of a rule, of spec: and of the header: at the key', () => {
    expect(at('spec:\n  inputs:\n    x:\n      default: a\n      bad: 1\n---\njob: {script: x}\n')).toEqual(['5:7 header:spec:inputs:x config contains unknown keys: bad']);
    expect(at('spec:\n  inputs:\n    x:\n      rules:\n        - options: [a]\n          when: never\n---\njob: {script: x}\n')).toEqual([
      '6:11 header:spec:inputs:x:rules:rule config contains unknown keys: when',
    ]);
    expect(at('spec:\n  inputs:\n    x:\n  arguments: 1\n---\njob: {script: x}\n')).toEqual(['4:3 header:spec config contains unknown keys: arguments']);
    expect(at('spec:\n  inputs:\n    x:\nname: c\n---\njob: {script: x}\n')).toEqual(['4:1 header config contains unknown keys: name']);
  });

  it('an unknown value of spec:component: at the value', () => {
    expect(at('spec:\n  component: [name, colour]\n  inputs:\n    x:\n---\njob: {script: x}\n')).toEqual(['2:21 header:spec:component config contains unknown values: colour']);
  });

  it('keys that cannot be used together: at the second of them', () => {
    expect(at('spec:\n  inputs:\n    x:\n      options: [a]\n      rules:\n        - options: [a]\n---\njob: {script: x}\n')).toEqual([
      '5:7 header:spec:inputs:x config these keys cannot be used together: options, rules',
    ]);
  });
});
