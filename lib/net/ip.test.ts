import { describe, expect, it } from 'vitest';
import { cidrMatcher, normalizeSocketAddress, parseAddress, parseCidr } from './ip';

describe('parseAddress', () => {
  it.each([
    ['192.0.2.1', 4, '192.0.2.1'],
    [' 192.0.2.1 ', 4, '192.0.2.1'],
    ['::ffff:192.0.2.1', 4, '192.0.2.1'],
    ['::FFFF:C000:0201', 4, '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', 6, '2001:db8::1'],
    ['[2001:db8::1]', 6, '2001:db8::1'],
    ['::1', 6, '::1'],
  ])('accepts %s', (input, family, address) => {
    expect(parseAddress(input)).toEqual({ ok: true, value: { family, address } });
  });

  it.each([
    '',
    '1.2.3',
    '256.1.1.1',
    '01.2.3.4',
    'fe80::1%eth0',
    '10.0.0.0/8',
    'example.com',
    '1.2.3.4.5',
    ':::',
  ])('rejects %j with a clear error', (input) => {
    const result = parseAddress(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_address');
      expect(result.error.message.length).toBeGreaterThan(5);
    }
  });
});

describe('parseCidr', () => {
  it('normalises to the network', () => {
    expect(parseCidr('192.168.1.7/24')).toEqual({
      ok: true,
      value: { family: 4, network: '192.168.1.0', prefix: 24 },
    });
    expect(parseCidr('2001:db8::abcd/64')).toEqual({
      ok: true,
      value: { family: 6, network: '2001:db8::', prefix: 64 },
    });
    expect(parseCidr('10.1.2.3')).toEqual({
      ok: true,
      value: { family: 4, network: '10.1.2.3', prefix: 32 },
    });
  });
  it('rejects bad prefixes', () => {
    expect(parseCidr('10.0.0.0/33').ok).toBe(false);
    expect(parseCidr('::/129').ok).toBe(false);
    expect(parseCidr('10.0.0.0/x').ok).toBe(false);
    expect(parseCidr('nonsense').ok).toBe(false);
  });
});

describe('cidrMatcher', () => {
  it('matches v4 and v6 members only', () => {
    const match = cidrMatcher(['10.0.0.0/8', '::1']);
    expect(match({ family: 4, address: '10.9.8.7' })).toBe(true);
    expect(match({ family: 4, address: '11.0.0.1' })).toBe(false);
    expect(match({ family: 6, address: '::1' })).toBe(true);
    expect(match({ family: 6, address: '::2' })).toBe(false);
  });
});

describe('normalizeSocketAddress', () => {
  it('unwraps mapped IPv4 and drops zones', () => {
    expect(normalizeSocketAddress('::ffff:127.0.0.1')).toEqual({ family: 4, address: '127.0.0.1' });
    expect(normalizeSocketAddress('fe80::1%lo')).toEqual({ family: 6, address: 'fe80::1' });
    expect(normalizeSocketAddress(undefined)).toBeUndefined();
  });
});
