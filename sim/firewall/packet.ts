/**
 * Packets as the firewall engine sees them: the header fields RouterOS matchers read, plus the
 * payload for `content=` and `layer7-protocol=`. Builders produce what common clients put on the
 * wire, so synthetic packets (ICMP, which a userland simulator cannot receive) look like real ones.
 */

export type ConnectionState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  'ipsec-esp': 50,
  'ipsec-ah': 51,
  icmpv6: 58,
  ospf: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  'udp-lite': 136,
};

export interface Packet {
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp' | number;
  srcPort?: number;
  dstPort?: number;
  /** IP total length, what `packet-size` compares. */
  size: number;
  /** Layer-4 payload (TCP/UDP data, ICMP echo data). */
  payload?: Buffer;
  icmp?: { type: number; code: number };
  /** TCP flags set on this segment (`syn`, `ack`, `psh`, `fin`, `rst`, `urg`, `ece`, `cwr`). */
  tcpFlags?: readonly string[];
  /** Connection-tracking state; when absent the engine's own tracking decides. */
  state?: ConnectionState;
  inInterface?: string;
}

/** IPv4 header without options. */
const IP_HEADER = 20;
/** Linux SYN: 20-byte header + MSS, SACK-permitted, timestamps, window scale (20 bytes of options). */
const TCP_SYN_HEADER = 40;
/** Data segments of an established Linux connection carry the 12-byte timestamp option. */
const TCP_DATA_HEADER = 32;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;
/** iputils ping puts a `struct timeval` (16 bytes on 64-bit Linux) first when the payload has room. */
const PING_TIMESTAMP = 16;

type Ends = { src: string; dst: string; srcPort?: number; dstPort: number };

export function tcpSyn(ends: Ends): Packet {
  return {
    ...ends,
    protocol: 'tcp',
    srcPort: ends.srcPort ?? 40_000,
    size: IP_HEADER + TCP_SYN_HEADER,
    tcpFlags: ['syn'],
  };
}

export function tcpData(ends: Ends, data: Buffer | string): Packet {
  const payload = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return {
    ...ends,
    protocol: 'tcp',
    srcPort: ends.srcPort ?? 40_000,
    size: IP_HEADER + TCP_DATA_HEADER + payload.length,
    payload,
    tcpFlags: ['ack', 'psh'],
  };
}

export function udpDatagram(ends: Ends, data: Buffer | string = Buffer.alloc(0)): Packet {
  const payload = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return {
    ...ends,
    protocol: 'udp',
    srcPort: ends.srcPort ?? 40_000,
    size: IP_HEADER + UDP_HEADER + payload.length,
    payload,
  };
}

/**
 * The echo request `ping -s <payloadSize> [-p <hex>]` sends (Linux iputils): IP total length is
 * payload + 28. iputils fills the data with the `-p` pattern from offset 0 (default: byte i = i),
 * then writes its 16-byte timestamp over the start when the payload has room for it.
 */
export function pingRequest(options: {
  src: string;
  dst: string;
  payloadSize?: number;
  /** The `ping -p` argument in hex, up to 16 bytes ("6d696b726f74696b" = "mikrotik"). */
  patternHex?: string;
}): Packet {
  const size = options.payloadSize ?? 56;
  const payload = Buffer.alloc(size);
  const pattern = options.patternHex ? Buffer.from(options.patternHex, 'hex') : null;
  for (let i = 0; i < size; i += 1) {
    payload[i] = pattern && pattern.length > 0 ? (pattern[i % pattern.length] ?? 0) : i & 0xff;
  }
  if (size >= PING_TIMESTAMP) payload.fill(0x5a, 0, PING_TIMESTAMP); // stands in for the timestamp
  return {
    src: options.src,
    dst: options.dst,
    protocol: 'icmp',
    size: IP_HEADER + ICMP_HEADER + size,
    payload,
    icmp: { type: 8, code: 0 },
  };
}

export function protocolNumber(protocol: Packet['protocol']): number {
  return typeof protocol === 'number' ? protocol : (PROTOCOL_NUMBERS[protocol] ?? -1);
}

export function describePacket(p: Packet): string {
  const proto = typeof p.protocol === 'number' ? `proto ${p.protocol}` : p.protocol;
  const ports = p.dstPort !== undefined ? `:${p.dstPort}` : '';
  const icmp = p.icmp ? ` type ${p.icmp.type}:${p.icmp.code}` : '';
  return `${proto} ${p.src} -> ${p.dst}${ports}${icmp}, size ${p.size}`;
}
