import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDuration, formatDuration, parseDuration } from './duration';

describe('RouterOS durations', () => {
  it.each([
    ['15s', 15_000],
    ['1h30m', 5_400_000],
    ['1w2d', 777_600_000],
    ['500ms', 500],
    ['90', 90_000],
    ['00:00:15', 15_000],
    ['1d 02:00:00', 93_600_000],
    ['1w2d03:04:05', 788_645_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '1s1h', '1h1h', '10x', '00:61:00', '-5s', '1.5h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('writes the canonical v7 form', () => {
    expect(formatDuration(93_600_000)).toBe('1d2h');
    expect(formatDuration(0)).toBe('0s');
    expect(canonicalDuration('00:01:00')).toBe('1m');
    expect(canonicalDuration('nonsense')).toBe('nonsense');
  });

  it('format then parse is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 21_474_836_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
