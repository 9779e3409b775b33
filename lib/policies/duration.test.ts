import { describe, expect, it } from 'vitest';
import { parseHumanDuration } from './duration';

describe('parseHumanDuration', () => {
  it.each([
    ['8h', 28_800],
    ['1d12h', 129_600],
    ['35w3d13h13m56s', 21_474_836],
    ['00:30:00', 1_800],
    ['PT8H', 28_800],
    ['P1DT2H', 93_600],
    ['P2W', 1_209_600],
    ['90', 90],
    [' 30m ', 1_800],
    ['1s500ms', 1],
  ])('%j → %i s', (input, seconds) => {
    expect(parseHumanDuration(input)).toEqual({ ok: true, seconds });
  });

  it.each([
    ['', /Enter a duration/],
    ['0', /at least one second/],
    ['0s', /at least one second/],
    // Under a second rounds down to nothing: not a zero-second grant.
    ['500ms', /at least one second/],
    ['0s999ms', /at least one second/],
    ['-5m', /not a duration/],
    ['35w3d13h13m57s', /at most 35w3d13h13m56s/],
    ['P', /not a duration/],
    ['PT', /not a duration/],
    ['8 hours', /not a duration/],
    ['1e9', /not a duration/],
    ['x'.repeat(100), /too long/],
  ])('refuses %j', (input, message) => {
    const result = parseHumanDuration(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
