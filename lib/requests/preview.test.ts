import { describe, expect, it } from 'vitest';
import { parseHumanDuration } from '@/lib/policies/duration';
import { previewSeconds, spanParts } from './preview';

describe('previewSeconds', () => {
  it('reads durations exactly as the server does', () => {
    for (const text of ['2h', '90m', '1d12h', '00:30:00', '3600', 'PT2H', 'P1D', '1w', ' 45m ']) {
      const server = parseHumanDuration(text);
      expect(server.ok, text).toBe(true);
      expect(previewSeconds(text), text).toBe(server.ok ? server.seconds : null);
    }
  });

  it('is null for what the server refuses as not a duration', () => {
    for (const text of ['', 'soon', '0', '2 hours', 'P', 'PT', 'h2']) {
      expect(parseHumanDuration(text).ok, text).toBe(false);
      expect(previewSeconds(text), text).toBeNull();
    }
  });
});

describe('spanParts', () => {
  it('keeps the two biggest units', () => {
    expect(spanParts(3600)).toEqual([[1, 'h']]);
    expect(spanParts(5400)).toEqual([
      [1, 'h'],
      [30, 'min'],
    ]);
    expect(spanParts(2 * 86_400 + 4 * 3600 + 59)).toEqual([
      [2, 'd'],
      [4, 'h'],
    ]);
    expect(spanParts(45)).toEqual([[45, 's']]);
    expect(spanParts(0)).toEqual([[0, 's']]);
  });
});
