import { parseHostname } from '../net/hostname';
import { type IpAddress, parseAddress } from '../net/ip';
import { fail, ok, type Result } from '../result';

/** What a request asks to open: an address, or a host name the router resolves itself. */
export type RequestedAddress =
  | { kind: 'address'; address: string; family: 'ip' | 'ipv6' }
  | { kind: 'hostname'; address: string; family: 'ip' };

export type AddressRules = {
  /** The caller's own address (the default, always allowed). */
  own: IpAddress | undefined;
  requestOtherAddresses: boolean;
  allowHostnames: boolean;
  hostnameSuffixes: string[];
};

function familyOf(ip: IpAddress): 'ip' | 'ipv6' {
  return ip.family === 6 ? 'ipv6' : 'ip';
}

/**
 * The address a request names, checked against the requester's policy: their own address is
 * always allowed; another address only with "request other addresses"; a host name only with
 * "host names allowed" and, when the policy lists suffixes, one of them.
 */
export function resolveRequestedAddress(
  raw: string | undefined,
  rules: AddressRules,
): Result<RequestedAddress> {
  const value = (raw ?? '').trim();
  if (value === '') {
    if (!rules.own) {
      return fail('address_unknown', 'Knockgate cannot tell your address; enter it.', {
        address: 'Knockgate cannot tell your address; enter it.',
      });
    }
    return ok({ kind: 'address', address: rules.own.address, family: familyOf(rules.own) });
  }
  const ip = parseAddress(value);
  if (ip.ok) {
    const own = rules.own && rules.own.address === ip.value.address;
    if (!own && !rules.requestOtherAddresses) {
      const message = rules.own
        ? `Your policy allows requests for your own address (${rules.own.address}) only.`
        : 'Your policy allows requests for your own address only, and Knockgate cannot tell it.';
      return fail('address_not_allowed', message, { address: message });
    }
    return ok({ kind: 'address', address: ip.value.address, family: familyOf(ip.value) });
  }
  // Not an IP address: with a letter and no colon or slash in it, it is meant as a host name.
  if (/\p{L}/u.test(value) && !value.includes('/') && !value.includes(':')) {
    if (!rules.allowHostnames) {
      const message = 'Your policy does not allow host names; enter an IP address.';
      return fail('hostname_not_allowed', message, { address: message });
    }
    const name = parseHostname(value, { suffixes: rules.hostnameSuffixes });
    if (!name.ok) return fail(name.error.code, name.error.message, { address: name.error.message });
    return ok({ kind: 'hostname', address: name.value, family: 'ip' });
  }
  return fail(ip.error.code, ip.error.message, { address: ip.error.message });
}
