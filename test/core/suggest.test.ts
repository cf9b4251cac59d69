import { describe, expect, it } from 'vitest';
import { byNearness, closestNames, editDistance, quotedAlternatives } from '../../scripts/core/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    expect(editDistance('repository', 'repository')).toBe(0);
    expect(editDistance('repositry', 'repository')).toBe(1);
    expect(editDistance('stgae', 'stage')).toBe(1);
    expect(editDistance('nope', 'both')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestNames', () => {
  const inputs = ['as', 'stage', 'repository', 'registry', 'push-retries'];
  it('finds names at most a third of their length away, nearest first, case-insensitively', () => {
    // registry is 3 edits away, within a third of 9 letters: listed after the 1-edit repository.
    expect(closestNames('repositry', inputs)).toEqual(['repository', 'registry']);
    expect(closestNames('Stage', inputs)).toEqual(['stage']);
    expect(closestNames('push_retries', inputs)).toEqual(['push-retries']);
    expect(closestNames('x', inputs)).toEqual([]);
    expect(closestNames('stage', inputs)).toEqual([]);
  });

  it('takes a limit and a fixed largest distance', () => {
    expect(closestNames('acme/ci-catalgo', ['acme/ci-catalog', 'acme/other'], { maxDistance: 2 })).toEqual(['acme/ci-catalog']);
    expect(closestNames('acme/ci-templates', ['acme/ci-catalog'], { maxDistance: 2 })).toEqual([]);
    expect(closestNames('ab', ['aa', 'ac', 'ad'], { limit: 2 })).toEqual(['aa', 'ac']);
  });
});

describe('byNearness and quotedAlternatives', () => {
  it('orders every name, ties in the order given', () => {
    expect(byNearness('buildx-ecrr', ['ecr-login', 'buildx-ecr', 'manifest-merge'])).toEqual(['buildx-ecr', 'ecr-login', 'manifest-merge']);
  });

  it('quotes names for a message', () => {
    expect(quotedAlternatives([])).toBe('');
    expect(quotedAlternatives(['a'])).toBe('"a"');
    expect(quotedAlternatives(['a', 'b', 'c'])).toBe('"a", "b" or "c"');
    expect(quotedAlternatives(['a', 'b'], 'and')).toBe('"a" and "b"');
  });
});
