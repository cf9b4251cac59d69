/**
 * What GitLab checks in a merged pipeline before creating jobs. The expected texts are GitLab's:
 * gitlabhq spec/lib/gitlab/ci/yaml_processor_spec.rb ("test1 job: undefined need: undefined",
 * "build job: need test is not defined in current or prior stages", "chosen stage testx does not
 * exist; available stages are .pre, build, test, deploy, .post", "The pipeline has circular
 * dependencies"), spec/lib/gitlab/ci/pipeline/seed/build_spec.rb ("rspec: one job can only need 50
 * others, but you have listed 51. See needs keyword documentation for more details"), and
 * lib/gitlab/ci/config/entry/jobs.rb.
 */
import { describe, expect, it } from 'vitest';
import { expandExtends } from '../../../scripts/gitlab/jobs/extends.js';
import { validatePipeline } from '../../../scripts/gitlab/jobs/validate.js';
import type { ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';

const config = (text: string): ValueMap => parseYamlDocuments(text, 'p.yml').documents[0]?.value as ValueMap;
const errors = (text: string) => validatePipeline(config(text)).map((e) => `${JSON.stringify(e.path)} ${e.message}`);

describe('validatePipeline', () => {
  it('accepts a pipeline whose jobs, stages and needs agree', () => {
    const text = [
      'stages: [build, test]',
      '.base: {stage: build}',
      'build1: {extends: .base, script: x}',
      'parallel-build: {stage: build, parallel: 2, script: x}',
      'test1: {script: x, needs: [build1, {job: parallel-build}, "parallel-build 1/2", {job: gone, optional: true}], dependencies: [build1]}',
      'deploy-ish: {stage: .post, script: x, needs: [{pipeline: other, job: y}], environment: {name: prod, on_stop: stop}}',
      'stop: {stage: .post, script: x, environment: {name: prod, action: stop}, when: manual}',
      '',
    ].join('\n');
    expect(errors(text)).toEqual([]);
  });

  it('a stage that is not declared, at the job`s stage:, or at the job for the default stage', () => {
    expect(errors('stages: [test]\nbuild: {stage: build, script: x}\n')).toEqual([
      '["build","stage"] build job: chosen stage build does not exist; available stages are .pre, test, .post',
    ]);
    expect(errors('stages: [build]\nlint: {script: x}\n')).toEqual(['["lint"] lint job: chosen stage test does not exist; available stages are .pre, build, .post']);
    expect(errors('test: {stage: testx, script: x}\n')).toEqual([
      '["test","stage"] test job: chosen stage testx does not exist; available stages are .pre, build, test, deploy, .post',
    ]);
  });

  it('the stage through extends: is reported where it is written', () => {
    expect(errors('stages: [test]\n.tpl: {stage: build}\njob: {extends: .tpl, script: x}\n')).toEqual([
      '[".tpl","stage"] job job: chosen stage build does not exist; available stages are .pre, test, .post',
    ]);
  });

  it('needs and dependencies on jobs that do not exist or come later', () => {
    const text = [
      'build: {stage: build, script: x, needs: [test]}',
      'test1: {stage: test, script: x, needs: [undefined, {job: also-undefined}], dependencies: [deploy, nothing]}',
      'test: {stage: test, script: x}',
      'deploy: {stage: deploy, script: x}',
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '["build","needs",0] build job: need test is not defined in current or prior stages',
      '["test1","dependencies",0] test1 job: dependency deploy is not defined in current or prior stages',
      '["test1","dependencies",1] test1 job: undefined dependency: nothing',
      '["test1","needs",0] test1 job: undefined need: undefined',
      '["test1","needs",1,"job"] test1 job: undefined need: also-undefined',
    ]);
  });

  it('needs in rules:, needs listed twice, more than 50 needs', () => {
    const many = Array.from({ length: 51 }, (_, i) => `j${i}`);
    const text = [
      ...many.map((j) => `${j}: {stage: build, script: x}`),
      `rspec: {stage: test, script: x, needs: [${many.join(', ')}], rules: [{if: $X, needs: [nope]}]}`,
      'test1: {stage: test, script: x, needs: [j1, j1]}',
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '["rspec","needs"] rspec: one job can only need 50 others, but you have listed 51. See needs keyword documentation for more details',
      '["rspec","rules",0,"needs",0] rspec job: undefined need: nope',
      '["test1","needs"] test1 has the following needs duplicated: j1.',
    ]);
  });

  it('circular needs', () => {
    expect(errors('a: {script: x, needs: [b]}\nb: {script: x, needs: [c]}\nc: {script: x, needs: [b]}\n')).toEqual([
      '["b","needs"] The pipeline has circular dependencies',
    ]);
  });

  it('no visible job', () => {
    expect(errors('.hidden: {script: x}\nvariables: {A: b}\n')).toEqual(['[] jobs config should contain at least one visible job']);
  });

  it('environment:on_stop', () => {
    const job = (stop: string) => `deploy: {script: x, environment: {name: prod, on_stop: stop}}\n${stop}`;
    expect(errors(job(''))).toEqual(['["deploy","environment","on_stop"] deploy job: on_stop job stop is not defined']);
    expect(errors(job('stop: {script: x}\n'))).toEqual(['["deploy","environment","on_stop"] deploy job: on_stop job stop does not have environment defined']);
    expect(errors(job('stop: {script: x, environment: {name: other, action: stop}}\n'))).toEqual([
      '["deploy","environment","on_stop"] deploy job: on_stop job stop have different environment name',
    ]);
    expect(errors(job('stop: {script: x, environment: {name: prod}}\n'))).toEqual([
      '["deploy","environment","on_stop"] deploy job: on_stop job stop needs to have action stop defined',
    ]);
  });

  it('every extends: and !reference error, at the extends: (the element of a list) or the tag, and the checks after them', () => {
    const text = [
      'stages: [test]',
      'a: {extends: .ecr-logn, script: x}',
      'b: {extends: [.ok, .missing], script: x, needs: [nothing]}',
      '.ok: {image: alpine}',
      'c: {script: [!reference [.nowhere, script]]}',
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '["a","extends"] a: unknown keys in `extends` (.ecr-logn)',
      '["b","extends",1] b: unknown keys in `extends` (.missing)',
      '["c","script",0] !reference [".nowhere", "script"] could not be found',
      '["b","needs",0] b job: undefined need: nothing',
    ]);
  });
});

describe('expandExtends without a sink', () => {
  it('throws the first error, as GitLab stops at it', () => {
    expect(() => expandExtends(config('a: {extends: .x}\nb: {extends: .y}\n'))).toThrow('a: unknown keys in `extends` (.x)');
  });
});
