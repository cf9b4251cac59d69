// The loader's order of checks (interpolator.rb #interpolate!) and where each error points.
import { describe, expect, it } from 'vitest';
import { fromPlain, toPlain, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { interpolateComponent, loadComponentText } from '../../../scripts/gitlab/component/load.js';
import { isInterpolatable, parseComponentSource, type InterpolatableSource } from '../../../scripts/gitlab/component/source.js';
import { CHECKING_STAND_INS, RENDERING_STAND_INS } from '../../../scripts/gitlab/component/stand-ins.js';

const TEMPLATE = 'spec:\n  inputs:\n    n:\n      type: number\n      default: x\n    s:\n---\njob:\n  script: echo $[[ inputs.s ]] $[[ inputs.t ]]\n';

describe('loadComponentText', () => {
  it('returns the content untouched when there is no header', () => {
    const result = loadComponentText('job:\n  script: echo $[[ inputs.x ]]\n', 't.yml');
    expect(result.ok && toPlain(result.content)).toEqual({ job: { script: 'echo $[[ inputs.x ]]' } });
  });

  it('checks the arguments before the header, the header before the inputs, the inputs before the template', () => {
    expect(loadComponentText(TEMPLATE, 't.yml', { inputs: fromPlain(['x']) })).toMatchObject({ ok: false, message: 'Given inputs must be a hash' });
    const badHeader = TEMPLATE.replace('type: number', 'type: date');
    expect(loadComponentText(badHeader, 't.yml', { inputs: fromPlain({ zz: 1 }) })).toMatchObject({
      ok: false,
      message: 'header:spec:inputs:n input type unknown value: date',
    });
    expect(loadComponentText(TEMPLATE, 't.yml', { inputs: fromPlain({ s: 'a' }) })).toMatchObject({
      ok: false,
      message: '`n` input: default value is not a number',
    });
  });

  it('says which input and which node each error is about', () => {
    const inputs = loadComponentText(TEMPLATE, 't.yml', { inputs: fromPlain({ s: 'a', zz: 1 }) });
    expect(inputs.ok ? [] : inputs.errors).toEqual([
      { message: 'unknown input arguments: zz', inputs: ['zz'] },
      { message: '`n` input: default value is not a number', inputs: ['n'], location: { document: 'header', path: ['spec', 'inputs', 'n', 'default'] } },
    ]);
    const template = loadComponentText(TEMPLATE.replace('default: x', 'default: 1'), 't.yml', { inputs: fromPlain({ s: 'a' }) });
    expect(template.ok ? [] : template.errors).toEqual([
      { message: 'unknown interpolation provided: `t` in `inputs.t`', location: { document: 'content', path: ['job', 'script'] } },
    ]);
  });

  it('an invalid `if` in spec:inputs rules stops the load instead of falling through to the fallback rule', () => {
    const text = 'spec:\n  inputs:\n    x:\n      rules:\n        - if: $[[ inputs.y ]] === "a"\n          options: [a]\n        - options: [b]\n    y:\n      default: a\n---\njob:\n  script: $[[ inputs.x ]]\n';
    expect(loadComponentText(text, 't.yml')).toMatchObject({ ok: false, message: 'header:spec:inputs:x:rules:rule if invalid expression syntax' });
  });

  it('joins at most three errors with ", "', () => {
    const many = 'spec:\n  inputs:\n    a:\n    b:\n    c:\n    d:\n---\nj: {script: x}\n';
    const result = loadComponentText(many, 't.yml');
    expect(result.ok ? '' : result.message).toBe(
      '`a` input: required value has not been provided, `b` input: required value has not been provided, `c` input: required value has not been provided',
    );
    expect(result.ok ? 0 : result.errors.length).toBe(4);
  });

  it('shows only the component fields listed in spec:component', () => {
    const text = 'spec:\n  component: [name, version]\n---\nj:\n  script: echo $[[ component.name ]] $[[ component.version ]]\n';
    const result = loadComponentText(text, 't.yml', { component: { name: 'build', sha: 'abc', version: '1.2.0', reference: '1' } });
    expect(result.ok && toPlain(result.content)).toEqual({ j: { script: 'echo build 1.2.0' } });
    const sha = loadComponentText(text.replace('component.version', 'component.sha'), 't.yml', { component: { sha: 'abc' } });
    expect(sha.ok ? '' : sha.message).toBe('unknown interpolation provided: `sha` in `component.sha`');
  });
});

function interpolatable(text: string): InterpolatableSource {
  const source = parseComponentSource(text, 't.yml');
  if (!isInterpolatable(source)) throw new Error('not a component with a header');
  return source;
}

describe('interpolateComponent', () => {
  const REQUIRED = 'spec:\n  inputs:\n    s:\n    n:\n      type: number\n    stage:\n      default: build\n---\njob:\n  stage: $[[ inputs.stage ]]\n  script: echo $[[ inputs.s ]] $[[ inputs.n ]]\n';

  it('without stand-ins fails at the inputs, as GitLab does', () => {
    const result = interpolateComponent(interpolatable(REQUIRED));
    expect(result).toMatchObject({ ok: false, failedAt: 'inputs' });
    expect(result.inputErrors.map((e) => e.message)).toEqual([
      '`s` input: required value has not been provided',
      '`n` input: required value has not been provided',
    ]);
  });

  it('gives the stand-ins to the required inputs the arguments leave out, and says which inputs it used', () => {
    const result = interpolateComponent(interpolatable(REQUIRED), { inputs: fromPlain({ n: 7 }) as ValueMap, standIns: RENDERING_STAND_INS });
    expect(result.ok && toPlain(result.content)).toEqual({ job: { stage: 'build', script: 'echo example 7' } });
    expect(toPlain(result.inputs)).toEqual({ n: 7, s: 'example' });
    const checked = interpolateComponent(interpolatable(REQUIRED), { standIns: CHECKING_STAND_INS });
    expect(checked.ok && toPlain(checked.content)).toEqual({ job: { stage: 'build', script: 'echo placeholder 0' } });
  });

  it('stops at the first failing stage and the first invalid block by default', () => {
    const text = 'spec:\n  inputs:\n    s:\n      regex: ^v\n---\njob:\n  script:\n    - echo $[[ inputs.a ]]\n    - echo $[[ inputs.b ]]\n';
    const result = interpolateComponent(interpolatable(text), { standIns: RENDERING_STAND_INS });
    expect(result).toMatchObject({ ok: false, failedAt: 'inputs', interpolationErrors: [] });
    expect(result.inputErrors.map((e) => e.message)).toEqual(['`s` input: provided value does not match required RegEx pattern']);
    const valid = interpolateComponent(interpolatable(text.replace('^v', 'e')), { standIns: RENDERING_STAND_INS });
    expect(valid.ok ? [] : valid.interpolationErrors.map((e) => e.message)).toEqual(['unknown interpolation provided: `a` in `inputs.a`']);
  });

  it('goes on past input errors and invalid blocks when asked, still naming the stage GitLab fails at', () => {
    const text = 'spec:\n  inputs:\n    s:\n      regex: ^v\n---\njob:\n  script:\n    - echo $[[ inputs.a ]]\n    - echo $[[ inputs.b ]]\n';
    const result = interpolateComponent(interpolatable(text), { standIns: RENDERING_STAND_INS, stopAtFirstInvalid: false });
    expect(result).toMatchObject({ ok: false, failedAt: 'inputs' });
    expect(result.interpolationErrors).toEqual([
      { message: 'unknown interpolation provided: `a` in `inputs.a`', path: ['job', 'script', 0], block: '$[[ inputs.a ]]' },
      { message: 'unknown interpolation provided: `b` in `inputs.b`', path: ['job', 'script', 1], block: '$[[ inputs.b ]]' },
    ]);
  });

  it('reports header errors with their paths and nothing after them', () => {
    const result = interpolateComponent(interpolatable('spec:\n  inputs:\n    a:\n      type: date\n---\nj: {script: x}\n'), { standIns: RENDERING_STAND_INS });
    expect(result).toMatchObject({ ok: false, failedAt: 'header', inputErrors: [], interpolationErrors: [] });
    expect(result.spec).toBeUndefined();
    expect(result.headerErrors).toEqual([{ message: 'header:spec:inputs:a input type unknown value: date', path: ['spec', 'inputs', 'a', 'type'] }]);
  });

  it('traces each rendered node to the content node it came from when asked', () => {
    const text = 'spec:\n  inputs:\n    list:\n      type: array\n---\njob:\n  script:\n    - echo first\n    - $[[ inputs.list ]]\n';
    const result = interpolateComponent(interpolatable(text), { inputs: fromPlain({ list: ['a', 'b'] }) as ValueMap, traceOrigins: true });
    expect(result.ok && toPlain(result.content)).toEqual({ job: { script: ['echo first', 'a', 'b'] } });
    expect(result.ok && result.origins.get(JSON.stringify(['job', 'script', 2]))).toEqual(['job', 'script', 1]);
  });
});
