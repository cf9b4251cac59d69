/**
 * Stand-ins for what a component's consumer gives: a value for each required input (one with
 * neither `default` nor `rules`) and the `$[[ component.* ]]` fields. The toolkit looks at a
 * component without a consumer, yet every `$[[ ]]` block needs a value of the input's type to be
 * evaluated. The sets are defined here, side by side, and nowhere else:
 *
 * - RENDERING_STAND_INS: `catalog lint` (every variant it renders) and the component tests (the
 *   inputs they give `catalog interpolate`). The rendered content is read by the lint rules and by
 *   shellcheck, so the values look like what a consumer would write: a string is a word shellcheck
 *   sees (`example`, not empty), a list has one item, and an input with `options` gets its first
 *   option (a list of it for an array input), which GitLab's options check is sure to accept.
 * - CHECKING_STAND_INS: `catalog validate`, which only evaluates the blocks to report GitLab's
 *   errors and never looks at the content. The plainest value of each type, whatever the options.
 *
 * The two are not merged because validate's findings depend on the values: on a required array,
 * `$[[ inputs.list[0] ]]` is an index out of bounds with `[]` and not with `['example']`; and the
 * value of a required input with options decides which `rules` of the later inputs apply. Merging
 * would change what `catalog validate` reports for such components
 * (test/catalog/validate.test.ts pins the first).
 */
import { isValueMap, type Value } from '../ruby/value.js';
import { inputType, type InputType } from '../inputs/resolve.js';
import type { ComponentContext } from './load.js';

export interface StandIns {
  /** The value of a required input of each type. */
  readonly byType: Readonly<Record<InputType, Value>>;
  /** An input with `options` takes its first option instead. */
  readonly firstOption: boolean;
  /** The `$[[ component.* ]]` fields, for a component with this name (when it is known). */
  readonly component: (name: string | undefined) => ComponentContext;
}

export const RENDERING_STAND_INS: StandIns = {
  byType: { string: 'example', number: 1, boolean: true, array: ['example'] },
  firstOption: true,
  // The component's own name where known, as GitLab would give it; the other fields say they are examples.
  component: (name) => ({ name: name || 'example-name', sha: 'example-sha', version: 'example-version', reference: 'example-reference' }),
};

export const CHECKING_STAND_INS: StandIns = {
  byType: { string: 'placeholder', number: 0, boolean: false, array: [] },
  firstOption: false,
  component: () => ({ name: 'placeholder', sha: 'placeholder', version: 'placeholder', reference: 'placeholder' }),
};

/**
 * A value the consumer must give: no `default` and no `rules`. An input of an unknown type gets
 * no stand-in: GitLab rejects its specification whatever is given. GitLab's `required?` also
 * counts an input with `rules` of which none has a `default` or is a fallback (no `if`); such an
 * input gets no stand-in either, so lint says it cannot render the component with its defaults.
 */
function needsStandIn(spec: Value): boolean {
  return !(isValueMap(spec) && (spec.has('default') || spec.has('rules')));
}

/** The stand-in of one input, or undefined when it needs none or its type is unknown. */
export function standInFor(spec: Value, standIns: StandIns): Value | undefined {
  const type = inputType(spec);
  if (!type || !needsStandIn(spec)) return undefined;
  const options = isValueMap(spec) ? spec.get('options') : undefined;
  if (standIns.firstOption && Array.isArray(options) && options.length > 0) {
    // An array input's options are its allowed items (`value - allowed_options` must be empty).
    const first = options[0] ?? null;
    return type === 'array' ? [first] : first;
  }
  return standIns.byType[type];
}

/** Every required input of `spec:inputs` with its stand-in, in declaration order. */
export function standInsFor(specs: ReadonlyMap<string, Value>, standIns: StandIns): Map<string, Value> {
  const values = new Map<string, Value>();
  for (const [name, spec] of specs) {
    const value = standInFor(spec, standIns);
    if (value !== undefined) values.set(name, value);
  }
  return values;
}
