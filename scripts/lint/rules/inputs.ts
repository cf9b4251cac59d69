/** rules about spec:inputs and $[[ ]] blocks, sorted by id. */
import type { Rule } from '../rule.js';
import { inputMissingDefaultOrRequiredDoc } from './input-missing-default-or-required-doc.js';
import { inputMissingDescription } from './input-missing-description.js';
import { inputVocabulary } from './input-vocabulary.js';
import { invalidDefault } from './invalid-default.js';
import { undefinedInput } from './undefined-input.js';
import { unescapedInputInScript } from './unescaped-input-in-script.js';
import { unknownFunction } from './unknown-function.js';
import { unusedInput } from './unused-input.js';

export const INPUT_RULES: readonly Rule[] = [
  inputMissingDefaultOrRequiredDoc,
  inputMissingDescription,
  inputVocabulary,
  invalidDefault,
  undefinedInput,
  unescapedInputInScript,
  unknownFunction,
  unusedInput,
];
