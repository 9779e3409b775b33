import { describe, expect, it } from 'vitest';
import { resolveRequestedAddress } from './address';

const own = { family: 4 as const, address: '203.0.113.7' };
const strict = { own, requestOtherAddresses: false, allowHostnames: false, hostnameSuffixes: [] };

describe('resolveRequestedAddress', () => {
  it("defaults to the caller's own address", () => {
    expect(resolveRequestedAddress('', strict)).toEqual({
      ok: true,
      value: { kind: 'address', address: '203.0.113.7', family: 'ip' },
    });
    expect(resolveRequestedAddress(' 203.0.113.7 ', strict).ok).toBe(true);
  });

  it('without a known own address an empty field is a field error', () => {
    const r = resolveRequestedAddress('', { ...strict, own: undefined });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'address_unknown', fields: { address: expect.any(String) } },
    });
  });

  it('another address only when the policy allows it; IPv6 is canonical and goes to the IPv6 list', () => {
    expect(resolveRequestedAddress('198.51.100.4', strict)).toMatchObject({
      ok: false,
      error: { code: 'address_not_allowed', fields: { address: expect.stringContaining('203.0.113.7') } },
    });
    const open = { ...strict, requestOtherAddresses: true };
    expect(resolveRequestedAddress('2001:DB8:0:0::1', open)).toEqual({
      ok: true,
      value: { kind: 'address', address: '2001:db8::1', family: 'ipv6' },
    });
    expect(resolveRequestedAddress('198.51.100.0/24', open)).toMatchObject({
      ok: false,
      error: { code: 'invalid_address', fields: { address: expect.stringContaining('single address') } },
    });
  });

  it('host names only when allowed, and only under the listed suffixes', () => {
    expect(resolveRequestedAddress('home.dyn.example.net', strict)).toMatchObject({
      ok: false,
      error: { code: 'hostname_not_allowed' },
    });
    const names = { ...strict, allowHostnames: true, hostnameSuffixes: ['dyn.example.net'] };
    expect(resolveRequestedAddress('Home.Dyn.Example.Net', names)).toEqual({
      ok: true,
      value: { kind: 'hostname', address: 'home.dyn.example.net', family: 'ip' },
    });
    expect(resolveRequestedAddress('evil-dyn.example.net', names)).toMatchObject({
      ok: false,
      error: {
        code: 'hostname_suffix',
        fields: { address: expect.stringContaining('dyn.example.net') },
      },
    });
    expect(resolveRequestedAddress('bad_name.dyn.example.net', names)).toMatchObject({
      ok: false,
      error: { code: 'hostname_label' },
    });
    expect(resolveRequestedAddress('not an address', names)).toMatchObject({
      ok: false,
      error: { code: 'hostname_invalid_char', fields: { address: expect.any(String) } },
    });
    expect(resolveRequestedAddress('2001:db8::zz', names)).toMatchObject({
      ok: false,
      error: { code: 'invalid_address' },
    });
    expect(resolveRequestedAddress('*.dyn.example.net', names)).toMatchObject({
      ok: false,
      error: { code: 'hostname_wildcard' },
    });
  });
});
