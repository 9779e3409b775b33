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

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A fully qualified host name by RFC 1123 §2.1 (letters, digits, hyphens; labels of 1–63
 * characters that neither start nor end with a hyphen; 253 characters in all), with at least two
 * labels and a top-level label that is not all digits, so that `10.0.0.300` is not taken for a
 * name. Returned lower-case without a trailing dot, as RouterOS stores it.
 */
export function parseHostname(input: string): Result<string> {
  const value = input.trim().toLowerCase().replace(/\.$/, '');
  if (value === '') return fail('invalid_hostname', 'Enter a host name.');
  if (value.length > 253) return fail('invalid_hostname', 'A host name has at most 253 characters.');
  const labels = value.split('.');
  if (labels.length < 2) {
    return fail('invalid_hostname', 'Enter a fully qualified name, e.g. home.dyndns.example.net.');
  }
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return fail(
        'invalid_hostname',
        `"${label.slice(0, 70)}" is not a valid part of a host name (letters, digits and inner hyphens, at most 63).`,
      );
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) {
    return fail('invalid_hostname', 'That looks like an IP address, not a host name.');
  }
  return ok(value);
}

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
  // Anything that is not an IP address with a dot and a letter is taken for a host name.
  if (/[a-z]/i.test(value) && value.includes('.') && !value.includes(':') && !value.includes('/')) {
    if (!rules.allowHostnames) {
      const message = 'Your policy does not allow host names; enter an IP address.';
      return fail('hostname_not_allowed', message, { address: message });
    }
    const name = parseHostname(value);
    if (!name.ok) return fail(name.error.code, name.error.message, { address: name.error.message });
    const suffixes = rules.hostnameSuffixes;
    if (suffixes.length > 0 && !suffixes.some((s) => name.value === s || name.value.endsWith(`.${s}`))) {
      const message = `The host name must end with ${suffixes.join(' or ')}.`;
      return fail('hostname_not_allowed', message, { address: message });
    }
    return ok({ kind: 'hostname', address: name.value, family: 'ip' });
  }
  return fail(ip.error.code, ip.error.message, { address: ip.error.message });
}
