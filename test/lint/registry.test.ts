import { describe, expect, it } from 'vitest';
import { RULES } from '../../scripts/lint/rules/index.js';

describe('the rule registry', () => {
  it('has lower-case kebab-case ids, sorted (code-unit order is then the collation order)', () => {
    const ids = RULES.map((rule) => rule.id);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
