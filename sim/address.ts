/**
 * Address values of `/ip/firewall/address-list` and `/ipv6/firewall/address-list` as RouterOS stores
 * them: networks are masked (192.168.1.7/24 → 192.168.1.0/24), a /32 prints as a bare address, and a
 * value that is not an address is a DNS name that the router resolves.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type ParsedAddress =
  | { kind: 'ipv4'; text: string; network: number; prefix: number }
  | { kind: 'ipv4-range'; text: string; from: number; to: number }
  | { kind: 'ipv6'; text: string; network: bigint; prefix: number }
  | { kind: 'dns'; text: string };

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function maskIpv4(n: number, prefix: number): number {
  if (prefix === 0) return 0;
  const size = 2 ** (32 - prefix);
  return Math.floor(n / size) * size;
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = ipv4ToInt(v4[1]);
    text = `${text.slice(0, v4.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

export function bigIntToIpv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i -= 1) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups, leftmost on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

function maskIpv6(n: bigint, prefix: number): bigint {
  if (prefix === 0) return 0n;
  const hostBits = BigInt(128 - prefix);
  return (n >> hostBits) << hostBits;
}

export type AddressFamily = 'ip' | 'ipv6';

/**
 * Parses an address-list value for one family. Returns null for a value that is neither an
 * address of that family nor a plausible DNS name (the router answers with a trap then).
 */
export function parseListAddress(value: string, family: AddressFamily): ParsedAddress | null {
  const text = value.trim();
  if (text === '') return null;
  if (family === 'ip') {
    const range = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (range) {
      const [a, b] = [range[1] as string, range[2] as string];
      if (!isIPv4(a) || !isIPv4(b)) return null;
      const [from, to] = [ipv4ToInt(a), ipv4ToInt(b)].sort((x, y) => x - y) as [number, number];
      return { kind: 'ipv4-range', text: `${intToIpv4(from)}-${intToIpv4(to)}`, from, to };
    }
    const cidr = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d{1,2}))?$/.exec(text);
    if (cidr) {
      const ip = cidr[1] as string;
      const prefix = cidr[2] === undefined ? 32 : Number(cidr[2]);
      if (!isIPv4(ip) || prefix > 32) return null;
      const network = maskIpv4(ipv4ToInt(ip), prefix);
      // RouterOS prints a single host without "/32".
      const shown = prefix === 32 ? intToIpv4(network) : `${intToIpv4(network)}/${prefix}`;
      return { kind: 'ipv4', text: shown, network, prefix };
    }
    if (/^[\d./-]+$/.test(text)) return null;
  } else {
    const cidr = /^([0-9a-f:.]+)(?:\/(\d{1,3}))?$/i.exec(text);
    if (cidr && (cidr[1] as string).includes(':')) {
      const ip = cidr[1] as string;
      const prefix = cidr[2] === undefined ? 128 : Number(cidr[2]);
      if (!isIPv6(ip) || prefix > 128) return null;
      const network = maskIpv6(ipv6ToBigInt(ip), prefix);
      // IPv6 lists always print the prefix length, /128 included.
      return { kind: 'ipv6', text: `${bigIntToIpv6(network)}/${prefix}`, network, prefix };
    }
    if (/^[0-9a-f:./]+$/i.test(text) && text.includes(':')) return null;
  }
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) return null;
  if (/^\d+$/.test(name)) return null;
  return { kind: 'dns', text: name.toLowerCase() };
}

/** Whether `ip` (a bare address) falls inside a parsed list value. DNS parents never match themselves. */
export function addressContains(entry: ParsedAddress, ip: string): boolean {
  if (entry.kind === 'ipv4' || entry.kind === 'ipv4-range') {
    if (!isIPv4(ip)) return false;
    const n = ipv4ToInt(ip);
    if (entry.kind === 'ipv4-range') return n >= entry.from && n <= entry.to;
    return maskIpv4(n, entry.prefix) === entry.network;
  }
  if (entry.kind === 'ipv6') {
    if (!isIPv6(ip)) return false;
    return maskIpv6(ipv6ToBigInt(ip), entry.prefix) === entry.network;
  }
  return false;
}
