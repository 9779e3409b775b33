import { expect, it } from 'vitest';
import { addressKey, throttleNetwork } from './throttle';

it('keys IPv4 clients by address and IPv6 clients by their /64, whatever way the address is written', () => {
  expect(addressKey('198.51.100.7')).toBe('address:198.51.100.7');
  expect(throttleNetwork('2001:db8:7:1::1')).toBe('2001:db8:7:1::/64');
  expect(throttleNetwork('2001:0DB8:0007:0001:ffff:0:0:1')).toBe('2001:db8:7:1::/64');
  expect(throttleNetwork('2001:db8:7:1:dead:beef:0:99')).toBe('2001:db8:7:1::/64');
  expect(throttleNetwork('2001:db8:7:2::1')).toBe('2001:db8:7:2::/64');
  expect(throttleNetwork('::1')).toBe('::/64');
  // Not an address at all (never reaches here from the socket): kept as it is, never thrown on.
  expect(throttleNetwork('not:an:address')).toBe('not:an:address');
});
