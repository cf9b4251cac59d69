// The loader's order of checks (interpolator.rb #interpolate!) and where each error points.
import { describe, expect, it } from 'vitest';
import { fromPlain, toPlain } from '../../../scripts/gitlab/ruby/value.js';
import { loadComponentText } from '../../../scripts/gitlab/component/load.js';

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
