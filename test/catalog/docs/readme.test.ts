import { describe, expect, it } from 'vitest';
import { COMPONENTS_INTRO, findSections, updateReadme } from '../../../scripts/catalog/docs/readme.js';

const gen = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
const block = (name: string, ...body: string[]) => [`<!-- catalog-docs:begin ${name} -->`, ...body, `<!-- catalog-docs:end ${name} -->`];

describe('updateReadme', () => {
  it('creates a README with only the Components section when there is none', () => {
    const result = updateReadme(undefined, gen({ a: ['A'] }));
    expect(result.text).toBe(['## Components', '', ...COMPONENTS_INTRO, '', ...block('a', 'A'), ''].join('\n'));
    expect(result.changes).toEqual([{ name: 'a', kind: 'added' }]);
  });

  it('adds nothing and keeps the text byte for byte when everything is current (CRLF and no final newline included)', () => {
    const text = ['# T', '', ...block('a', 'A')].join('\r\n');
    const result = updateReadme(text, gen({ a: ['A'] }));
    expect(result).toEqual({ text, changes: [], problems: [] });
  });

  it('keeps CRLF line endings when it edits', () => {
    const text = ['# T', '', ...block('a', 'old'), ''].join('\r\n');
    expect(updateReadme(text, gen({ a: ['new', 'er'] })).text).toBe(['# T', '', ...block('a', 'new', 'er'), ''].join('\r\n'));
  });

  it('inserts new sections in name order inside the Components section, before the next top-level section', () => {
    const text = ['# T', '', '## Components', '', 'intro', '', ...block('b', 'B'), '', 'b note', '', '## License', '', 'MIT', ''].join('\n');
    const result = updateReadme(text, gen({ a: ['A'], b: ['B'], c: ['C'] }));
    expect(result.text).toBe(
      ['# T', '', '## Components', '', 'intro', '', ...block('a', 'A'), '', ...block('b', 'B'), '', 'b note', '', ...block('c', 'C'), '', '## License', '', 'MIT', ''].join('\n'),
    );
    expect(result.changes.map((c) => `${c.kind} ${c.name}`)).toEqual(['added a', 'added c']);
  });

  it('puts the first section right under the heading when the Components section is empty and is followed by another', () => {
    const text = ['## Components', '## Next', ''].join('\n');
    expect(updateReadme(text, gen({ a: ['A'] })).text).toBe(['## Components', '', ...block('a', 'A'), '', '## Next', ''].join('\n'));
  });

  it('ignores markers and headings inside code fences', () => {
    const fenced = ['```md', '## Components', ...block('a', 'example'), '```'];
    const text = ['# T', '', ...fenced, ''].join('\n');
    expect(findSections(text.split('\n'))).toEqual({ sections: [], problems: [] });
    const result = updateReadme(text, gen({ a: ['A'] }));
    expect(result.text).toBe(['# T', '', ...fenced, '', '## Components', '', ...COMPONENTS_INTRO, '', ...block('a', 'A'), ''].join('\n'));
  });

  it('removes sections of components that are gone, except those it was told to leave alone', () => {
    const text = ['# T', '', ...block('a', 'A'), '', ...block('gone', 'G'), '', ...block('broken', 'kept'), '', 'after', ''].join('\n');
    const result = updateReadme(text, gen({ a: ['A'] }), new Set(['broken']));
    expect(result.text).toBe(['# T', '', ...block('a', 'A'), '', ...block('broken', 'kept'), '', 'after', ''].join('\n'));
    expect(result.changes).toEqual([{ name: 'gone', kind: 'removed' }]);
  });

  it('reports markers it cannot pair up and changes nothing', () => {
    const cases: [string[], string[]][] = [
      [['<!-- catalog-docs:begin a -->', 'x'], ['1: section for "a" has no end marker']],
      [['<!-- catalog-docs:end a -->'], ['1: end marker for "a" without a begin marker']],
      [['<!-- catalog-docs:begin a -->', '<!-- catalog-docs:end b -->'], ['2: end marker for "b" closes the section for "a" (line 1)']],
      [
        ['<!-- catalog-docs:begin a -->', '<!-- catalog-docs:begin b -->', '<!-- catalog-docs:end b -->'],
        ['1: section for "a" has no end marker before the next begin marker (line 2)'],
      ],
      [[...block('a'), ...block('a')], ['3: section for "a" appears more than once']],
    ];
    for (const [lines, problems] of cases) {
      const text = `${lines.join('\n')}\n`;
      const result = updateReadme(text, gen({ a: ['A'] }));
      expect(result.problems.map((p) => `${p.line}: ${p.message}`)).toEqual(problems);
      expect(result.text).toBe(text);
      expect(result.changes).toEqual([]);
    }
  });
});
