import { describe, expect, it } from 'vitest';
import { resolveClientAddress } from './forwarded';
import { cidrMatcher } from './ip';

const trusted = cidrMatcher(['10.0.0.0/8', '::1']);

describe('resolveClientAddress', () => {
  it('uses the socket when the peer is not a trusted proxy, ignoring every forwarding header', () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const) {
      expect(
        resolveClientAddress({
          peer: '::ffff:192.0.2.10',
          headers: {
            'x-forwarded-for': '203.0.113.9',
            forwarded: 'for=203.0.113.9',
            'x-real-ip': '203.0.113.9',
          },
          isTrusted: trusted,
          header,
        }),
      ).toEqual({ family: 4, address: '192.0.2.10' });
    }
  });

  it('takes the right-most untrusted hop from a trusted proxy', () => {
    expect(
      resolveClientAddress({
        peer: '10.0.0.2',
        headers: { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.5' },
        isTrusted: trusted,
        header: 'x-forwarded-for',
      }),
    ).toEqual({ family: 4, address: '203.0.113.9' });
  });

  it('reads RFC 7239 Forwarded with quoted IPv6 and ports', () => {
    expect(
      resolveClientAddress({
        peer: '::1',
        headers: { forwarded: 'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"' },
        isTrusted: trusted,
        header: 'forwarded',
      }),
    ).toEqual({ family: 6, address: '2001:db8:cafe::17' });
  });

  it('honours only the configured header', () => {
    expect(
      resolveClientAddress({
        peer: '10.0.0.2',
        headers: { 'x-forwarded-for': '203.0.113.66', 'x-real-ip': '198.51.100.1' },
        isTrusted: trusted,
        header: 'x-real-ip',
      }),
    ).toEqual({ family: 4, address: '198.51.100.1' });
  });

  it('never answers with the trusted proxy itself: a missing, empty or garbage header means unknown', () => {
    for (const headers of [
      {},
      { 'x-forwarded-for': 'garbage' },
      { 'x-forwarded-for': '' },
      { 'x-forwarded-for': '203.0.113.9, junk' },
    ]) {
      expect(
        resolveClientAddress({ peer: '10.0.0.2', headers, isTrusted: trusted, header: 'x-forwarded-for' }),
      ).toBeUndefined();
    }
    expect(
      resolveClientAddress({
        peer: '::1',
        headers: { forwarded: 'proto=https' },
        isTrusted: trusted,
        header: 'forwarded',
      }),
    ).toBeUndefined();
  });

  it('a client inside the trusted range behind a trusted proxy is itself', () => {
    expect(
      resolveClientAddress({
        peer: '10.0.0.2',
        headers: { 'x-forwarded-for': '10.1.2.3' },
        isTrusted: trusted,
        header: 'x-forwarded-for',
      }),
    ).toEqual({ family: 4, address: '10.1.2.3' });
  });
});
