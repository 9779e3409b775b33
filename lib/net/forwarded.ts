import type { IncomingHttpHeaders } from 'node:http';
import { type IpAddress, normalizeSocketAddress, parseAddress } from './ip';

export type ForwardedHeader = 'x-forwarded-for' | 'forwarded' | 'x-real-ip';

/**
 * Decides the client address of a request from the socket peer and, only when the peer is a
 * trusted proxy, from the one forwarding header the operator chose. The chain is walked from
 * the right: the right-most hop that is not a trusted proxy is the client, because everything
 * left of it was written by parties we do not trust.
 */
export function resolveClientAddress(options: {
  peer: string | undefined;
  headers: IncomingHttpHeaders;
  isTrusted: (address: IpAddress) => boolean;
  header: ForwardedHeader;
}): IpAddress | undefined {
  const peer = normalizeSocketAddress(options.peer);
  if (!peer) return undefined;
  if (!options.isTrusted(peer)) return peer;
  // From a trusted proxy the proxy's own address is never the answer: granting it would open the
  // firewall for everyone behind that proxy. No usable header means "unknown" (fail closed).
  const hops = forwardedHops(options.headers, options.header);
  if (hops === undefined || hops.length === 0) return undefined;
  // Right-most first; stop at the first untrusted hop.
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return undefined; // unparsable hop: do not guess past it
    if (!options.isTrusted(hop)) return hop;
  }
  // Every hop is a trusted address: the client itself is inside the trusted range.
  return hops[0];
}

/** Parsed hops, left to right; `undefined` entries are hops that did not parse. */
function forwardedHops(
  headers: IncomingHttpHeaders,
  header: ForwardedHeader,
): (IpAddress | undefined)[] | undefined {
  const raw = headers[header];
  if (raw === undefined) return undefined;
  const joined = (Array.isArray(raw) ? raw : [raw]).join(',');
  if (header === 'x-real-ip') {
    const parsed = parseAddress(joined.trim());
    return [parsed.ok ? parsed.value : undefined];
  }
  if (header === 'x-forwarded-for') {
    return joined
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => parseHop(s));
  }
  // RFC 7239: `for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https`
  const hops: (IpAddress | undefined)[] = [];
  for (const element of joined.split(',')) {
    const pair = element
      .split(';')
      .map((p) => p.trim())
      .find((p) => p.toLowerCase().startsWith('for='));
    if (!pair) continue;
    hops.push(parseHop(pair.slice(4).replace(/^"|"$/g, '')));
  }
  return hops;
}

function parseHop(value: string): IpAddress | undefined {
  let v = value;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  const parsed = parseAddress(v);
  return parsed.ok ? parsed.value : undefined;
}

/** Headers that only server.ts may set, or that must never reach Next from outside. */
export const ALWAYS_STRIPPED = [
  'x-middleware-subrequest',
  'x-knockgate-client-address',
  'x-knockgate-server-token',
  'x-knockgate-path',
];
export const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];
/** Kept only from a trusted proxy: Next and the auth layer use them to build URLs. */
export const PROXY_CONTEXT_HEADERS = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port'];
