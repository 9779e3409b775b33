import { domainToASCII, domainToUnicode } from 'node:url';
import { fail, ok, type Result } from '../result';
import { parseAddress } from './ip';

/**
 * Host names as Knockgate accepts them: for host-name grants (the router resolves the name and
 * keeps the answers as dynamic list entries) and for device names (the DynDNS2 `hostname`).
 *
 * The rules are RFC 1123 §2.1 host names: letters, digits and hyphens, labels of 1–63
 * characters that neither start nor end with a hyphen, at most 253 characters in all, and a
 * top-level label that is not all-numeric (which also keeps IPv4 literals out). Wildcards and IP
 * literals are refused with their own message. Internationalised names are converted label by
 * label to their A-label (punycode) form, which is what DNS and RouterOS carry; the URL parser's
 * other conveniences (percent-decoding, dropping invisible characters, reading `0x7f.1` as an
 * address) are deliberately not used, so what is stored is what the person typed.
 */

export type HostnameOptions = {
  /** Labels the name needs at least: 2 for a fully qualified name (default), 1 for a bare label. */
  minLabels?: number;
  /** When non-empty, the name must equal one of these DNS suffixes or end with `.<suffix>`. */
  suffixes?: readonly string[];
};

export type HostnameErrorCode =
  | 'hostname_empty'
  | 'hostname_too_long'
  | 'hostname_wildcard'
  | 'hostname_ip_literal'
  | 'hostname_invalid_char'
  | 'hostname_label'
  | 'hostname_idn'
  | 'hostname_not_fqdn'
  | 'hostname_reserved'
  | 'hostname_suffix';

export const MAX_HOSTNAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Longer input is refused before any work is done on it. */
const MAX_INPUT_LENGTH = 1024;

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Ideographic and fullwidth full stops separate labels too (UTS #46 maps them to "."). */
const DOT_VARIANTS = /[\u3002\uff0e\uff61]/g;
/** Characters a URL parser would silently reinterpret or drop; never part of a host name. */
const REFUSED = /[\s%/\\@:?#[\]<>"'`|^{}~,;=+&$!()\p{C}\p{Zl}\p{Zp}]/u;

/** Names that resolve to this machine or to nothing, everywhere (RFC 6761). */
const RESERVED_SUFFIXES = ['localhost', 'invalid'];

const problem = (code: HostnameErrorCode, message: string) => fail(code, message);

/**
 * Validates and canonicalises a host name: lower-case, A-labels, no trailing dot.
 * The error message says what to fix, so forms can show it as a field error.
 */
export function parseHostname(input: unknown, options: HostnameOptions = {}): Result<string> {
  if (typeof input !== 'string') return problem('hostname_empty', 'Enter a host name.');
  const raw = input.trim();
  if (raw === '') return problem('hostname_empty', 'Enter a host name.');
  if (raw.length > MAX_INPUT_LENGTH) {
    return problem('hostname_too_long', `A host name has at most ${MAX_HOSTNAME_LENGTH} characters.`);
  }
  if (raw.includes('*')) {
    return problem('hostname_wildcard', 'Wildcards are not allowed; enter one exact host name.');
  }
  if (raw.startsWith('[') || parseAddress(raw).ok) {
    return problem(
      'hostname_ip_literal',
      'That is an IP address; enter a host name (or open access for the address instead).',
    );
  }
  if (REFUSED.test(raw)) {
    return problem(
      'hostname_invalid_char',
      'A host name has only letters, digits, hyphens and dots (no spaces, slashes or other signs).',
    );
  }
  let text = raw.replace(DOT_VARIANTS, '.');
  // An absolute name ("example.net.") means the same host.
  if (text.endsWith('.') && !text.endsWith('..')) text = text.slice(0, -1);
  const labels = text.split('.');
  const ascii: string[] = [];
  for (const label of labels) {
    if (label === '')
      return problem('hostname_label', 'A host name cannot have empty labels (".." or a leading dot).');
    let a: string;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
    if (/^[\x00-\x7f]*$/.test(label)) {
      a = label.toLowerCase();
      if (a.startsWith('xn--') && domainToASCII(a) !== a) {
        return problem('hostname_idn', `"${shorten(label)}" is not a valid internationalised label.`);
      }
    } else {
      a = domainToASCII(label);
      if (a === '' || a.includes('.')) {
        return problem('hostname_idn', `"${shorten(label)}" cannot be used in a host name.`);
      }
    }
    if (a.length > MAX_LABEL_LENGTH) {
      return problem('hostname_label', `Each part between dots has at most ${MAX_LABEL_LENGTH} characters.`);
    }
    if (!LDH_LABEL.test(a)) {
      return problem(
        'hostname_label',
        /^-|-$/.test(a)
          ? 'A part between dots cannot start or end with a hyphen.'
          : 'A host name has only letters, digits, hyphens and dots (no underscores).',
      );
    }
    ascii.push(a);
  }
  const name = ascii.join('.');
  if (name.length > MAX_HOSTNAME_LENGTH) {
    return problem('hostname_too_long', `A host name has at most ${MAX_HOSTNAME_LENGTH} characters.`);
  }
  if (/^\d+$/.test(ascii[ascii.length - 1]!)) {
    // RFC 1123 §2.1: the top-level label is alphabetic, so "10.1" or "0x7f.1"-like input never
    // passes for a name (RouterOS would not resolve it anyway).
    return problem('hostname_ip_literal', 'That looks like an IP address, not a host name.');
  }
  const minLabels = options.minLabels ?? 2;
  if (ascii.length < minLabels) {
    return problem('hostname_not_fqdn', 'Enter a fully qualified host name, e.g. home.example.net.');
  }
  if (RESERVED_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) {
    return problem('hostname_reserved', `"${name}" is a reserved name that never points at your device.`);
  }
  const suffixes = (options.suffixes ?? []).map(canonicalSuffix).filter((s): s is string => s !== null);
  if (options.suffixes && options.suffixes.length > 0 && !matchesSuffix(name, suffixes)) {
    return problem('hostname_suffix', `Your policy allows only names under ${suffixes.join(', ')}.`);
  }
  return ok(name);
}

/** Whether `name` (canonical) equals one of `suffixes` or lies under one, on a label boundary. */
export function matchesSuffix(name: string, suffixes: readonly string[]): boolean {
  return suffixes.some((s) => name === s || name.endsWith(`.${s}`));
}

/** A suffix from a policy in canonical form (leading/trailing dots removed), or null if invalid. */
export function canonicalSuffix(suffix: string): string | null {
  const parsed = parseHostname(suffix.trim().replace(/^\.+/, ''), { minLabels: 1 });
  return parsed.ok ? parsed.value : null;
}

/** The name as a person reads it (U-labels), for display only. */
export function hostnameForDisplay(name: string): string {
  if (!name.split('.').some((l) => l.startsWith('xn--'))) return name;
  return domainToUnicode(name) || name;
}

function shorten(value: string): string {
  return value.length > 30 ? `${value.slice(0, 30)}…` : value;
}
