import { describe, expect, it } from 'vitest';
import { addressContains, parseListAddress } from './address';

describe('address-list values', () => {
  it.each([
    ['192.168.1.7/24', '192.168.1.0/24'],
    ['192.168.1.7/32', '192.168.1.7'],
    ['192.168.1.7', '192.168.1.7'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.0.0.9-10.0.0.1', '10.0.0.1-10.0.0.9'],
  ])('IPv4 %s → %s', (input, text) => {
    expect(parseListAddress(input, 'ip')?.text).toBe(text);
  });

  it.each([
    ['2001:db8::1', '2001:db8::1/128'],
    ['2001:DB8:0:0:0:0:0:1/64', '2001:db8::/64'],
    ['2001:db8:1:2:3:4:5:6/48', '2001:db8:1::/48'],
    ['::ffff:192.0.2.1', '::ffff:c000:201/128'],
    ['fe80::/10', 'fe80::/10'],
  ])('IPv6 %s → %s', (input, text) => {
    expect(parseListAddress(input, 'ipv6')?.text).toBe(text);
  });

  it('takes other words as DNS names', () => {
    expect(parseListAddress('Home.Example.net.', 'ip')).toEqual({ kind: 'dns', text: 'home.example.net' });
    expect(parseListAddress('gw-1.dyn.example', 'ipv6')?.kind).toBe('dns');
  });

  it.each(['300.1.1.1', '1.2.3.4/33', 'bad name!', '1.2.3', '-x.example', ''])('refuses %j', (input) => {
    expect(parseListAddress(input, 'ip')).toBeNull();
  });

  it('refuses IPv6 in the IPv4 table', () => {
    expect(parseListAddress('2001:db8::1', 'ip')).toBeNull();
    expect(parseListAddress('2001:db8::zz', 'ipv6')).toBeNull();
  });

  it('tells whether an address falls in an entry', () => {
    const net = parseListAddress('192.168.1.0/24', 'ip');
    const range = parseListAddress('10.0.0.1-10.0.0.9', 'ip');
    const v6 = parseListAddress('2001:db8::/32', 'ipv6');
    if (!net || !range || !v6) throw new Error('parse failed');
    expect(addressContains(net, '192.168.1.200')).toBe(true);
    expect(addressContains(net, '192.168.2.1')).toBe(false);
    expect(addressContains(range, '10.0.0.5')).toBe(true);
    expect(addressContains(range, '10.0.0.10')).toBe(false);
    expect(addressContains(v6, '2001:db8:ffff::1')).toBe(true);
    expect(addressContains(v6, '2001:db9::1')).toBe(false);
  });
});
