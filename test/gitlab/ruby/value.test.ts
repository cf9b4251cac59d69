import { describe, expect, it } from 'vitest';
import { compareDiagnostics, formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../../scripts/core/diagnostic.js';
import { fromPlain, RubyFloat, rubyEquals, toPlain } from '../../../scripts/gitlab/ruby/value.js';

describe('value model', () => {
  it('keeps keys in insertion order, integer-like ones included (a plain object would move them first)', () => {
    const map = new Map<string, number>([['b', 1], ['2', 2], ['__proto__', 3]]);
    expect([...(fromPlain(map) as Map<string, unknown>).keys()]).toEqual(['b', '2', '__proto__']);
    expect(Object.keys({ b: 1, 2: 2 })).toEqual(['2', 'b']);
  });

  it('turns __proto__ into an ordinary own property in plain output', () => {
    const plain = toPlain(fromPlain(new Map([['__proto__', 1]]))) as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(plain)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  });

  it("compares like Ruby's ==: 1 == 1.0, hashes by content", () => {
    expect(rubyEquals(1, new RubyFloat(1))).toBe(true);
    expect(rubyEquals(fromPlain({ a: [1, 'x'] }), fromPlain({ a: [1, 'x'] }))).toBe(true);
    expect(rubyEquals(fromPlain({ a: 1 }), fromPlain({ a: 2 }))).toBe(false);
    expect(rubyEquals('1', 1)).toBe(false);
  });
});

describe('diagnostics', () => {
  const d = (file: string, line: number, column: number, message = 'm'): Diagnostic => ({ ruleId: 'r', severity: 'error', message, file, start: { line, column } });

  it('formats as file:line:col: message [rule]', () => {
    expect(formatDiagnostic(d('a.yml', 3, 7, 'bad thing'))).toBe('a.yml:3:7: bad thing [r]');
  });

  it('sorts by file, line, column and drops exact repeats', () => {
    const sorted = sortDiagnostics([d('b.yml', 1, 1), d('a.yml', 2, 1), d('a.yml', 1, 5), d('a.yml', 1, 5)]);
    expect(sorted.map(formatDiagnostic)).toEqual(['a.yml:1:5: m [r]', 'a.yml:2:1: m [r]', 'b.yml:1:1: m [r]']);
    expect(compareDiagnostics(d('a.yml', 1, 1), d('a.yml', 1, 1))).toBe(0);
  });
});
