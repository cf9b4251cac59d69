import { describe, expect, it } from 'vitest';
import { RubyFloat, type Value } from '../../../scripts/gitlab/ruby/value.js';
import { variableValueType } from '../../../scripts/lint/rules/variable-value-type.js';
import { lintProject } from '../../../scripts/lint/run.js';
import { componentTarget } from '../../../scripts/lint/target.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const SIMPLE = '"variable definition must be either a string or a hash"';
const HASH = '"config value must be an alphanumeric string"';

const component = (body: string) =>
  `spec:\n  inputs:\n    push:\n      type: boolean\n      default: true\n    ratio:\n      type: number\n      default: 1.5\n    retries:\n      type: number\n      default: 3\n---\n${body}`;
// The body starts on line 13 of a `component(…)` text.

ruleTester(variableValueType, {
  valid: [
    {
      name: 'strings, integers, quoted booleans and floats, the hash form with a string value',
      code: component(
        `variables:\n  A: "true"\n  B: '1.5'\n  C: 3\n  D:\n    value: "false"\n    description: a string\nbuild:\n  variables:\n    RETRIES: $[[ inputs.retries ]]\n    E: ""\n  script: echo "$A $B $C $D $E $RETRIES"\n`,
      ),
    },
    {
      name: 'boolean and float inputs in a longer string or assigned in the script',
      code: component(
        `build:\n  variables:\n    PUSH_FLAG: "push=$[[ inputs.push ]]"\n    RATIO_TEXT: ratio $[[ inputs.ratio ]]\n  script:\n    - push=$[[ inputs.push ]]\n    - echo "$push $PUSH_FLAG $RATIO_TEXT"\n`,
      ),
    },
    {
      name: 'a !reference and a hash without value',
      code: component(`.base:\n  variables:\n    A: "1"\nbuild:\n  variables:\n    B: !reference [.base, variables, A]\n    C:\n      description: prefilled\n  script: echo $[[ inputs.retries ]]\n`),
    },
    { name: 'pipeline: strings only', pipeline: true, code: `variables:\n  A: "true"\njob:\n  variables:\n    B: "0.5"\n  script: echo "$A $B"\n` },
  ],
  invalid: [
    {
      name: 'literal booleans and floats at the top level, in default: and in jobs',
      code: component(`variables:\n  TOP: false\ndefault:\n  variables:\n    D: yes\nbuild:\n  variables:\n    F: 1.0\n    INT: 3\n  script: echo $[[ inputs.retries ]]\n`),
      errors: [
        { messageId: 'literal', line: 14, column: 8, data: { where: 'variable "TOP"', type: 'boolean', value: 'false', error: SIMPLE, variant: '', fix: 'TOP: "false"' } },
        { messageId: 'literal', line: 17, column: 8, data: { where: 'variable "D"', type: 'boolean', value: 'true', error: SIMPLE, variant: '', fix: 'D: "true"' } },
        { messageId: 'literal', line: 20, column: 8, data: { where: 'variable "F"', type: 'float', value: '1.0', error: SIMPLE, variant: '', fix: 'F: "1.0"' } },
      ],
    },
    {
      name: 'the value: of the hash form, and null values',
      code: component(`variables:\n  HASH:\n    value: 2.5\n    description: d\n  EMPTY:\n  NULLV:\n    value: null\nbuild:\n  script: echo $[[ inputs.retries ]]\n`),
      errors: [
        { messageId: 'literal', line: 15, column: 12, data: { where: '"value:" of variable "HASH"', type: 'float', value: '2.5', error: HASH, variant: '', fix: 'value: "2.5"' } },
        { messageId: 'nil', line: 17, column: 3, data: { where: 'variable "EMPTY"', variant: '', fix: 'EMPTY: ""' } },
        { messageId: 'nil', line: 19, column: 5, data: { where: '"value:" of variable "NULLV"', variant: '', fix: 'value: ""' } },
      ],
    },
    {
      name: 'typed inputs inserted as the whole value, quoted or not, under a job named by an input',
      code: `spec:\n  inputs:\n    as:\n      default: build\n    push:\n      type: boolean\n      default: false\n    ratio:\n      type: number\n      default: 0.5\n---\n'$[[ inputs.as ]]':\n  variables:\n    PUSH: $[[ inputs.push ]]\n    QUOTED: "$[[ inputs.push ]]"\n    RATIO: $[[ inputs.ratio ]]\n    HV:\n      value: $[[ inputs.push ]]\n  script: echo "$PUSH $QUOTED $RATIO $HV"\n`,
      errors: [
        { messageId: 'input', line: 14, column: 11, data: { where: 'variable "PUSH"', type: 'boolean', input: '"push"', error: SIMPLE, variant: '', assignment: 'PUSH=$[[ inputs.push ]]' } },
        { messageId: 'input', line: 15, column: 14, data: { where: 'variable "QUOTED"', type: 'boolean', input: '"push"', error: SIMPLE, variant: '', assignment: 'QUOTED=$[[ inputs.push ]]' } },
        { messageId: 'input', line: 16, column: 12, data: { where: 'variable "RATIO"', type: 'float', input: '"ratio"', error: SIMPLE, variant: '', assignment: 'RATIO=$[[ inputs.ratio ]]' } },
        { messageId: 'input', line: 18, column: 14, data: { where: '"value:" of variable "HV"', type: 'boolean', input: '"push"', error: HASH, variant: '', assignment: 'HV=$[[ inputs.push ]]' } },
      ],
    },
    {
      name: 'pipeline: literal boolean and float',
      pipeline: true,
      code: `variables:\n  A: true\njob:\n  variables:\n    B: 0.5\n  script: echo "$A $B"\n`,
      errors: [
        { messageId: 'literal', line: 2, column: 6, data: { where: 'variable "A"', type: 'boolean', value: 'true', error: SIMPLE, variant: '', fix: 'A: "true"' } },
        { messageId: 'literal', line: 5, column: 8, data: { where: 'variable "B"', type: 'float', value: '0.5', error: SIMPLE, variant: '', fix: 'B: "0.5"' } },
      ],
    },
  ],
});

describe('variable-value-type with example inputs', () => {
  it('names the example whose inputs give a float', async () => {
    const text = `spec:\n  inputs:\n    retries:\n      type: number\n      default: 3\n---\nbuild:\n  variables:\n    RETRIES: $[[ inputs.retries ]]\n  script: echo "$RETRIES"\n`;
    const examples = [
      { component: 'component', label: 'examples/app.yml:3:5', inputs: new Map<string, Value>([['retries', 2]]) },
      { component: 'component', label: 'examples/float.yml:3:5', inputs: new Map<string, Value>([['retries', new RubyFloat(2.5)]]) },
    ];
    const target = componentTarget('templates/component.yml', 'component', text, examples);
    const found = await lintProject({ root: '.', targets: [target] }, [variableValueType], { shellcheck: false }, { rules: new Map(), ignores: [] });
    expect(found.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([
      '9:14 variable "RETRIES" is the float input "retries" inserted as the whole value, which GitLab before 16.10 rejects ("variable definition must be either a string or a hash") (with the inputs of examples/float.yml:3:5); quoting the block does not help: put it in a longer string, or assign it in the script (RETRIES=$[[ inputs.retries ]])',
    ]);
  });
});
