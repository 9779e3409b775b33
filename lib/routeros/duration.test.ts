import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatClockDuration, formatDuration, MAX_DURATION_SECONDS, parseDuration } from './duration';
import { RouterDurationError } from './errors';

describe('parseDuration', () => {
  it.each([
    ['1d2h3m4s', 93_784],
    ['1w2d', 777_600],
    ['00:05:00', 300],
    ['1d00:05:00', 86_700],
    ['2w1d 12:00:00', 1_339_200],
    ['5m', 300],
    ['90', 90],
    ['1s500ms', 1.5],
    ['0s', 0],
    ['35w3d13h13m56s', MAX_DURATION_SECONDS],
    ['1H2M', 3720],
  ])('%s → %d s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'abc', '1x', '1h1h', '5m3', '-1s', '1d 99:00', '12:61:00', '35w3d13h13m57s', '99w'])(
    'rejects %j with a typed error',
    (text) => {
      expect(() => parseDuration(text)).toThrow(RouterDurationError);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [300, '5m'],
    [93_784, '1d2h3m4s'],
    [777_600, '1w2d'],
    [1.5, '1s500ms'],
    [MAX_DURATION_SECONDS, '35w3d13h13m56s'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('refuses values beyond 35w3d13h13m56s', () => {
    expect(() => formatDuration(MAX_DURATION_SECONDS + 1)).toThrow(RouterDurationError);
    expect(() => formatDuration(-1)).toThrow(RouterDurationError);
  });

  it('round-trips every whole number of seconds in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_SECONDS }), (s) => {
        expect(parseDuration(formatDuration(s))).toBe(s);
        expect(parseDuration(formatClockDuration(s))).toBe(s);
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes the console clock form', () => {
    expect(formatClockDuration(300)).toBe('00:05:00');
    expect(formatClockDuration(86_700)).toBe('1d00:05:00');
  });
});
