import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../scripts/core/diagnostic.js';
import { firstSentence, inputVocabulary } from '../../../scripts/lint/rules/input-vocabulary.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget } from '../../../scripts/lint/target.js';

const component = (name: string, inputs: string) => componentTarget(`templates/${name}.yml`, name, `spec:\n  inputs:\n${inputs}---\n${name}:\n  script: echo\n`);
const lint = async (...targets: ReturnType<typeof component>[]): Promise<string[]> =>
  (await lintProject({ root: '.', targets }, [inputVocabulary], { shellcheck: false }, { rules: new Map(), ignores: [] })).map(formatDiagnostic);

describe('input-vocabulary', () => {
  it('accepts the same name with one type, the same options in another order and the same first sentence', async () => {
    const a = component('a', '    retries:\n      type: number\n      default: 3\n      description: Extra attempts after a failure. Registry calls only.\n    mode:\n      options: [x, y]\n      default: x\n');
    const b = component('b', '    retries:\n      type: number\n      default: 2\n      description: >-\n        Extra attempts\n        after a failure. Pushes too.\n    mode:\n      options: [y, x]\n      default: y\n');
    expect(await lint(a, b)).toEqual([]);
  });

  it('reports type, options and meaning at the later declaration, naming the first', async () => {
    const a = component('a', '    retries:\n      type: number\n      default: 4\n      description: Attempts for each network operation.\n    latest:\n      options: [auto, never]\n      default: auto\n');
    const b = component('b', '    latest:\n      options: [release, never]\n      default: never\n    retries:\n      default: "3"\n      description: Extra attempts for every registry call.\n');
    expect(await lint(b, a)).toEqual([
      'templates/b.yml:3:5: input "latest" allows ["never", "release"] here but ["auto", "never"] in component "a" (templates/a.yml:7:5); one name, one set of options across the catalog [input-vocabulary]',
      'templates/b.yml:6:5: input "retries" is declared with type string here but type number by component "a" (templates/a.yml:3:5); one name, one type across the catalog [input-vocabulary]',
      'templates/b.yml:6:5: input "retries" is described as "Extra attempts for every registry call" here but as "Attempts for each network operation" by component "a" (templates/a.yml:3:5); start both descriptions with the same sentence, or give one of them another name [input-vocabulary]',
    ]);
  });

  it('compares a third component with the first declaration, and names without options with a list', async () => {
    const a = component('a', '    pull:\n      type: boolean\n      default: false\n');
    const b = component('b', '    pull:\n      type: boolean\n      default: true\n');
    const c = component('c', '    pull:\n      options: [missing, always]\n      default: missing\n');
    expect(await lint(a, b, c)).toEqual([
      'templates/c.yml:3:5: input "pull" allows ["always", "missing"] here but any value in component "a" (templates/a.yml:3:5); one name, one set of options across the catalog [input-vocabulary]',
      'templates/c.yml:3:5: input "pull" is declared with type string here but type boolean by component "a" (templates/a.yml:3:5); one name, one type across the catalog [input-vocabulary]',
    ]);
  });
});

describe('firstSentence', () => {
  it.each([
    ['Name of the job. The job is named `<as>-<arch>`.', 'Name of the job'],
    ['Required. Repository to push to, without tag or digest.', 'Repository to push to, without tag or digest'],
    ['Platforms, e.g. `linux/amd64`. Emulated otherwise.', 'Platforms, e.g. `linux/amd64`'],
    ['Tags (`a. B`) to push. More.', 'Tags (`a. B`) to push'],
    ['Stage of the job. `needs` works within a stage.', 'Stage of the job'],
    ['Images, i.e. indexes. More.', 'Images, i.e. indexes'],
    ['Stage of the job', 'Stage of the job'],
  ])('%s', (description, sentence) => {
    expect(firstSentence(description)).toBe(sentence);
  });
});
