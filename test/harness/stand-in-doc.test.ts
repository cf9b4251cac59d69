/**
 * docs/image-stand-ins.md's tables are the stand-in recipes' tables (one source): the doc must read
 * as stand-in-doc.ts renders it, and the integration test checks the built images against the same
 * rows. Also pins the rendering and the parts of the tool table the test relies on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedStandInDoc, standInDocPath } from '../../harness/integration/stand-in-doc.js';
import { STAND_INS } from '../../harness/integration/stand-ins.js';
import { GENERATED_BEGIN, GENERATED_END, renderStandInTables, row, same, withGeneratedTables } from '../../harness/integration/stand-in-tools.js';

describe('docs/image-stand-ins.md', () => {
  it('has the tables the stand-in recipes give (rewrite them as the doc says)', () => {
    const doc = readFileSync(standInDocPath(), 'utf8');
    expect(doc).toBe(expectedStandInDoc(doc));
  });

  it('names every image the catalog YAML uses by default, each once', () => {
    const tags = STAND_INS.flatMap((r) => r.table.tags);
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags).toEqual(
      expect.arrayContaining([
        'docker:29.5.2-cli', 'docker:29.5.2-dind', 'quay.io/podman/stable:v5.8.7', 'registry:3.0.0', 'motoserver/moto:5.2.1',
        'docker.io/tonistiigi/binfmt:qemu-v9.2.2', 'node:20.19-bookworm',
      ]),
    );
  });

  it('every row has a check and a unique tool name within its image', () => {
    for (const recipe of STAND_INS) {
      const tools = recipe.table.rows.map((r) => r.tool);
      expect(new Set(tools).size, recipe.name).toBe(tools.length);
      for (const r of recipe.table.rows) expect(r.check.trim(), `${recipe.name}: ${r.tool}`).not.toBe('');
    }
  });
});

describe('renderStandInTables', () => {
  it('renders one table per image, marking where presence differs', () => {
    const text = renderStandInTables([
      { tags: ['img:1', 'docker.io/library/img:1'], real: 'R', standIn: 'S', shell: 'sh', rows: [same('git', true, { realNote: '2.45' }), row('yarn', true, false)] },
    ]);
    expect(text).toBe(
      [
        '### `img:1`',
        '',
        'Also tagged: `docker.io/library/img:1`.',
        '- Real image: R',
        '- Stand-in: S',
        '',
        '| Tool | Real image | Stand-in | Presence matches |',
        '| --- | --- | --- | --- |',
        '| git | yes (2.45) | yes | yes |',
        '| yarn | yes | no | **no** |',
        '',
      ].join('\n'),
    );
    expect(row('jq', false, false).check).toBe('command -v jq > /dev/null');
  });

  it('replaces only the generated part of the doc', () => {
    const doc = `prose\n${GENERATED_BEGIN}\nold\n${GENERATED_END}\nafter\n`;
    expect(withGeneratedTables(doc, 'new\n')).toBe(`prose\n${GENERATED_BEGIN}\n\nnew\n\n${GENERATED_END}\nafter\n`);
    expect(() => withGeneratedTables('no markers', 'x')).toThrow(/no .* section/);
  });
});
