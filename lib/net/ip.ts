import net from 'node:net';
import { fail, ok, type Result } from '../result';

export type IpFamily = 4 | 6;
export type IpAddress = { family: IpFamily; address: string };
export type Cidr = { family: IpFamily; network: string; prefix: number };

const MAX_INPUT = 100;

/**
 * Parses one IPv4 or IPv6 address as typed by a person or sent by a client.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4, because that is what the router's IPv4
 * firewall sees. IPv6 is returned in its canonical compressed lower-case form.
 */
export function parseAddress(input: string): Result<IpAddress> {
  if (typeof input !== 'string') return fail('invalid_address', 'Enter an IP address.');
  const value = input.trim();
  if (value === '') return fail('invalid_address', 'Enter an IP address.');
  if (value.length > MAX_INPUT) return fail('invalid_address', 'That is too long to be an IP address.');
  if (value.includes('%')) {
    return fail('invalid_address', 'Link-local addresses with a zone (like fe80::1%eth0) cannot be granted.');
  }
  if (value.includes('/')) return fail('invalid_address', 'Enter a single address, not a network.');
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const kind = net.isIP(bare);
  if (kind === 4) {
    // Node accepts only dotted-quad decimal; leading zeros are rejected by isIP already.
    return ok({ family: 4, address: bare });
  }
  if (kind === 6) {
    const canonical = canonicalIpv6(bare);
    const mapped = ipv4FromMapped(canonical);
    if (mapped) return ok({ family: 4, address: mapped });
    return ok({ family: 6, address: canonical });
  }
  return fail('invalid_address', `"${truncate(value)}" is not an IPv4 or IPv6 address.`);
}

/** Parses `addr` or `addr/prefix`, normalising the address to its network (192.168.1.7/24 → 192.168.1.0/24). */
export function parseCidr(input: string): Result<Cidr> {
  const value = typeof input === 'string' ? input.trim() : '';
  const slash = value.indexOf('/');
  const addrPart = slash === -1 ? value : value.slice(0, slash);
  const prefixPart = slash === -1 ? undefined : value.slice(slash + 1);
  if (addrPart.includes('%')) return fail('invalid_cidr', 'A network cannot carry a zone id.');
  const kind = net.isIP(addrPart);
  if (kind === 0) return fail('invalid_cidr', `"${truncate(value)}" is not an IP address or network.`);
  const family: IpFamily = kind === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixPart !== undefined) {
    if (!/^\d{1,3}$/.test(prefixPart) || Number(prefixPart) > max) {
      return fail('invalid_cidr', `The prefix length must be 0–${max}.`);
    }
    prefix = Number(prefixPart);
  }
  const bytes = family === 4 ? ipv4ToBytes(addrPart) : ipv6ToBytes(canonicalIpv6(addrPart));
  for (let bit = prefix; bit < max; bit++) {
    const byteIndex = bit >> 3;
    bytes[byteIndex] = (bytes[byteIndex] ?? 0) & ~(0x80 >> (bit & 7));
  }
  const network = family === 4 ? bytes.join('.') : bytesToIpv6(bytes);
  return ok({ family, network, prefix });
}

export function formatCidr(cidr: Cidr): string {
  const max = cidr.family === 4 ? 32 : 128;
  return cidr.prefix === max ? cidr.network : `${cidr.network}/${cidr.prefix}`;
}

/**
 * The address of a socket peer as Node reports it (`::ffff:127.0.0.1`, `::1`, `fe80::1%lo`)
 * turned into what Knockgate grants: mapped IPv4 unwrapped, zone removed.
 */
export function normalizeSocketAddress(raw: string | undefined): IpAddress | undefined {
  if (!raw) return undefined;
  const noZone = raw.split('%')[0] ?? raw;
  const parsed = parseAddress(noZone);
  return parsed.ok ? parsed.value : undefined;
}

/** A matcher for a list of CIDRs/addresses (e.g. TRUSTED_PROXIES). */
export function cidrMatcher(items: readonly string[]): (address: IpAddress) => boolean {
  const list = new net.BlockList();
  for (const item of items) {
    const parsed = parseCidr(item);
    if (!parsed.ok) throw new Error(`Invalid network "${item}": ${parsed.error.message}`);
    const { family, network, prefix } = parsed.value;
    list.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => list.check(address.address, address.family === 4 ? 'ipv4' : 'ipv6');
}

function canonicalIpv6(address: string): string {
  // The WHATWG URL parser serialises IPv6 hosts canonically (RFC 5952: lower case, longest
  // zero run compressed), which is what RouterOS prints back.
  const host = new URL(`http://[${address}]/`).hostname;
  return host.slice(1, -1);
}

function ipv4FromMapped(canonical: string): string | undefined {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return undefined;
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function ipv4ToBytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6ToBytes(canonical: string): number[] {
  const [head = '', tail = ''] = canonical.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = canonical.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = canonical.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  const bytes: number[] = [];
  for (const group of groups) {
    const n = Number.parseInt(group, 16);
    bytes.push(n >> 8, n & 255);
  }
  return bytes;
}

function bytesToIpv6(bytes: number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalIpv6(groups.join(':'));
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
