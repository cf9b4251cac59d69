/**
 * input-vocabulary: an input name means one thing across the catalog. When two components declare
 * the same input name, a consumer who includes both expects one type, one set of options and one
 * meaning. The meaning is the description's first sentence (a leading `Required.` aside): the part
 * a catalog keeps word for word across components, with component-specific detail after it.
 * Each later declaration (components in file order) is compared with the first one.
 */
import { rubyInspect } from '../../gitlab/ruby/inspect.js';
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { q } from '../report.js';
import { defineRule, type LintTarget } from '../rule.js';

interface Declaration {
  readonly type: string;
  /** Sorted: the order options are listed in does not change what they allow. */
  readonly options: string | undefined;
  readonly meaning: string | undefined;
}

/**
 * The first sentence: up to the first `.` followed by white space, outside backticks and not the
 * `.` of `e.g.` or `i.e.`, with white space collapsed (folded and literal scalars compare alike)
 * and the final `.` dropped.
 */
export function firstSentence(description: string): string {
  const text = description.replace(/\s+/g, ' ').trim().replace(/^Required\.\s*/, '');
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '`') inCode = !inCode;
    else if (ch === '.' && !inCode && text[i + 1] === ' ' && !/\b(e\.g|i\.e)$/.test(text.slice(0, i))) return text.slice(0, i);
  }
  return text.replace(/\.$/, '');
}

function declaration(spec: Value): Declaration {
  const get = (key: string): Value | undefined => (isValueMap(spec) ? spec.get(key) : undefined);
  const type = get('type');
  const options = get('options');
  const description = get('description');
  return {
    // GitLab's default type.
    type: typeof type === 'string' ? type : 'string',
    options: Array.isArray(options) ? options.map(rubyInspect).sort().join(', ') : undefined,
    meaning: typeof description === 'string' || typeof description === 'number' ? firstSentence(String(description)) : undefined,
  };
}

const declaring = (target: LintTarget, name: string): Value | undefined => target.spec?.inputs.get(name);

export const inputVocabulary = defineRule({
  id: 'input-vocabulary',
  description: 'an input name declared by several components of the catalog has one type, one set of options and one meaning',
  severity: 'error',
  messages: {
    type: 'input {{name}} is declared with type {{type}} here but type {{firstType}} by component {{component}} ({{where}}); one name, one type across the catalog',
    options: 'input {{name}} allows {{options}} here but {{firstOptions}} in component {{component}} ({{where}}); one name, one set of options across the catalog',
    meaning:
      'input {{name}} is described as {{meaning}} here but as {{firstMeaning}} by component {{component}} ({{where}}); start both descriptions with the same sentence, or give one of them another name',
  },
  check(ctx) {
    const { target } = ctx;
    if (target.kind !== 'component' || !target.spec) return;
    const earlier = ctx.project.targets.filter((t) => t.kind === 'component' && t.file.localeCompare(target.file) < 0).sort((a, b) => a.file.localeCompare(b.file));
    for (const [name, spec] of target.spec.inputs) {
      const first = earlier.find((t) => declaring(t, name) !== undefined);
      if (!first) continue;
      const mine = declaration(spec);
      const theirs = declaration(declaring(first, name) ?? null);
      const at = positionIn(target.source.header, ['spec', 'inputs', name], 'key');
      const firstAt = positionIn(first.source.header, ['spec', 'inputs', name], 'key');
      const about = { name: q(name), component: q(first.name ?? first.file), where: `${first.file}:${firstAt.line}:${firstAt.column}` };
      if (mine.type !== theirs.type) ctx.report({ messageId: 'type', data: { ...about, type: mine.type, firstType: theirs.type }, at });
      if (mine.options !== theirs.options) {
        const list = (options: string | undefined) => (options === undefined ? 'any value' : `[${options}]`);
        ctx.report({ messageId: 'options', data: { ...about, options: list(mine.options), firstOptions: list(theirs.options) }, at });
      }
      // A missing description is input-missing-description's finding, not a second meaning.
      if (mine.meaning !== undefined && theirs.meaning !== undefined && mine.meaning !== theirs.meaning) {
        ctx.report({ messageId: 'meaning', data: { ...about, meaning: q(mine.meaning), firstMeaning: q(theirs.meaning) }, at });
      }
    }
  },
});
