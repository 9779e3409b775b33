/**
 * RouterOS matcher values, parsed and compared. Pure functions; the engine combines them.
 * A leading `!` negates a whole value (`dst-port=!22,80`, `in-interface-list=!LAN`).
 */
import { addressContains, parseListAddress } from '../address';
import { type Packet, protocolNumber } from './packet';

export function negation(value: string): { negate: boolean; value: string } {
  return value.startsWith('!') ? { negate: true, value: value.slice(1) } : { negate: false, value };
}

/** `22`, `22,80`, `1000-2000,3000`: the ports listed (ranges inclusive). */
export function parsePortSpec(spec: string): { from: number; to: number }[] | null {
  const parts = spec.split(',');
  const out: { from: number; to: number }[] = [];
  for (const part of parts) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part.trim());
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > 65_535 || to > 65_535 || to < from) return null;
    out.push({ from, to });
  }
  return out;
}

export function portMatches(spec: string, port: number | undefined): boolean {
  const { negate, value } = negation(spec);
  const ranges = parsePortSpec(value);
  if (!ranges || port === undefined) return false;
  const hit = ranges.some((r) => port >= r.from && port <= r.to);
  return hit !== negate;
}

export function protocolMatches(spec: string, packet: Packet): boolean {
  const { negate, value } = negation(spec);
  const wanted = /^\d+$/.test(value) ? Number(value) : protocolNumber(value as Packet['protocol']);
  return (wanted === protocolNumber(packet.protocol)) !== negate;
}

/** `192.0.2.1`, `192.0.2.0/24`, `192.0.2.10-192.0.2.20`. */
export function addressMatches(spec: string, ip: string): boolean {
  const { negate, value } = negation(spec);
  const parsed = parseListAddress(value, 'ip');
  if (!parsed || parsed.kind === 'dns') return false;
  return addressContains(parsed, ip) !== negate;
}

/** `N` or `N-M` bytes of IP total length. */
export function packetSizeMatches(spec: string, size: number): boolean {
  const { negate, value } = negation(spec);
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (!m) return false;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return (size >= from && size <= to) !== negate;
}

/** `8`, `8:0`, `3:0-15` (type, code or code range). */
export function icmpOptionsMatch(spec: string, packet: Packet): boolean {
  const { negate, value } = negation(spec);
  if (!packet.icmp) return negate;
  const m = /^(\d{1,3})(?::(\d{1,3})(?:-(\d{1,3}))?)?$/.exec(value);
  if (!m) return false;
  const type = Number(m[1]);
  const codeFrom = m[2] === undefined ? 0 : Number(m[2]);
  const codeTo = m[2] === undefined ? 255 : m[3] === undefined ? codeFrom : Number(m[3]);
  const hit = packet.icmp.type === type && packet.icmp.code >= codeFrom && packet.icmp.code <= codeTo;
  return hit !== negate;
}

/** `syn,!ack`: every listed flag set, every `!flag` clear. */
export function tcpFlagsMatch(spec: string, packet: Packet): boolean {
  if (packet.protocol !== 'tcp' && packet.protocol !== 6) return false;
  const flags = new Set(packet.tcpFlags ?? []);
  return spec.split(',').every((f) => (f.startsWith('!') ? !flags.has(f.slice(1)) : flags.has(f)));
}

export function listOfStates(spec: string, state: string): boolean {
  const { negate, value } = negation(spec);
  return value.split(',').includes(state) !== negate;
}

/** `content=`: a byte substring of the payload (RouterOS compares bytes, case-sensitive). */
export function contentMatches(spec: string, payload: Buffer | undefined): boolean {
  if (!payload || payload.length === 0) return false;
  return payload.includes(Buffer.from(spec, 'latin1'));
}

const regexpCache = new Map<string, RegExp | null>();

/**
 * layer7-protocol regexps are POSIX extended expressions matched against the payload; l7-filter,
 * where the feature comes from, matches without regard to case. Bytes are read as latin1 so any
 * payload is a string one character per byte.
 */
export function layer7Matches(regexp: string, payload: Buffer | undefined): boolean {
  if (!payload || payload.length === 0) return false;
  let compiled = regexpCache.get(regexp);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(regexp, 'i');
    } catch {
      compiled = null;
    }
    regexpCache.set(regexp, compiled);
  }
  return compiled?.test(payload.toString('latin1')) ?? false;
}

/** `psd=21,3s,3,1` → weights and the delay in ms; null when it does not parse. */
export function parsePsd(
  spec: string,
  parseSeconds: (text: string) => number,
): { weightThreshold: number; delayMs: number; lowPortWeight: number; highPortWeight: number } | null {
  const parts = spec.split(',');
  if (parts.length !== 4) return null;
  const [w, d, low, high] = parts as [string, string, string, string];
  let delaySeconds: number;
  try {
    delaySeconds = parseSeconds(/^\d+$/.test(d) ? `${d}s` : d);
  } catch {
    return null;
  }
  const numbers = [w, low, high].map(Number);
  if (numbers.some((n) => !Number.isInteger(n) || n < 0)) return null;
  return {
    weightThreshold: numbers[0]!,
    delayMs: delaySeconds * 1000,
    lowPortWeight: numbers[1]!,
    highPortWeight: numbers[2]!,
  };
}
