/**
 * The simulator's packet path, in RouterOS order:
 *
 *   raw prerouting → connection tracking → nat dstnat (first packet of a connection only)
 *   → routing (to the router itself: filter input; elsewhere: filter forward) → verdict
 *
 * over the rules a client configured through the API (sim/tables.ts), in table order, with chains,
 * jump/return, and the matchers and actions the knock profiles and common admin rules use. The
 * side effects are the router's: add-src/dst-to-address-list writes the address lists (with their
 * timeouts on the router clock), every matching rule counts in bytes/packets, `log` is recorded.
 *
 * A rule that uses a matcher the engine does not know never matches, and the rule and matcher are
 * remembered in `unsupported`: an unknown matcher must not silently turn a narrow rule into a wide
 * one (a drop that matches everything, an accept that lets everything in).
 */
import { parseDuration } from '@/lib/routeros/duration';
import type { RouterState } from '../router';
import type { RuleTableName, RuleView } from '../tables';
import {
  addressMatches,
  contentMatches,
  icmpOptionsMatch,
  layer7Matches,
  listOfStates,
  negation,
  packetSizeMatches,
  parsePsd,
  portMatches,
  protocolMatches,
  tcpFlagsMatch,
} from './match';
import { type ConnectionState, describePacket, type Packet, protocolNumber } from './packet';

export type FinalAction = 'accept' | 'drop' | 'reject';

export interface TraceStep {
  table: RuleTableName;
  chain: string;
  id: string;
  action: string;
  comment?: string;
}

export interface Verdict {
  action: FinalAction;
  /** Which filter chain decided: the router itself (input) or a forwarded packet (forward). */
  path: 'input' | 'forward';
  /** Where the packet goes after dstnat. */
  dst: string;
  dstPort: number | undefined;
  /** A dstnat rule rewrote the destination (now or when the connection began). */
  dstnat: boolean;
  state: ConnectionState;
  /** Every rule that matched, in order. */
  trace: TraceStep[];
}

export interface LogEntry {
  at: number;
  prefix: string;
  ruleId: string;
  chain: string;
  packet: string;
}

export interface EngineOptions {
  /** Addresses of the router itself (packets to them go to chain input). Default 127.0.0.1. */
  routerAddresses?: readonly string[];
  /** Interface lists for `in-interface-list`; a packet's interface is ether1 unless it says. */
  interfaceLists?: Readonly<Record<string, readonly string[]>>;
}

type ChainResult =
  | { kind: 'final'; action: FinalAction }
  | { kind: 'return' }
  | { kind: 'nat'; to?: string; toPort?: number }
  | { kind: 'stop' }
  | { kind: 'end' };

type Connection = { accepted: boolean; dstnat: { dst: string; dstPort: number | undefined } | null };

/** Attributes that configure a rule but match nothing. */
const NOT_MATCHERS = new Set([
  'chain',
  'action',
  'comment',
  'disabled',
  'log',
  'log-prefix',
  'address-list',
  'address-list-timeout',
  'jump-target',
  'to-addresses',
  'to-ports',
  'reject-with',
  'hw-offload',
]);

const MAX_JUMP_DEPTH = 32;
const LOG_LIMIT = 1_000;

export class FirewallEngine {
  readonly log: LogEntry[] = [];
  /** `<table>:<rule id>:<matcher>` of rules the engine could not evaluate. */
  readonly unsupported = new Set<string>();
  private readonly connections = new Map<string, Connection>();
  /** psd state per rule and source: last packet time, weight so far, ports seen. */
  private readonly psd = new Map<string, { lastAt: number; weight: number; ports: Set<number> }>();
  private readonly routerAddresses: Set<string>;
  private readonly interfaceLists: Readonly<Record<string, readonly string[]>>;

  constructor(
    private readonly state: RouterState,
    options: EngineOptions = {},
  ) {
    this.routerAddresses = new Set(options.routerAddresses ?? ['127.0.0.1']);
    this.interfaceLists = options.interfaceLists ?? {
      WAN: ['ether1'],
      LAN: ['bridge'],
      all: ['ether1', 'bridge'],
    };
  }

  /** Runs one packet through raw, nat and filter, with every side effect a router would have. */
  process(packet: Packet): Verdict {
    const ctx = this.state.ctx;
    const trace: TraceStep[] = [];
    const key = connectionKey(packet);
    const known = this.connections.get(key);
    const state: ConnectionState = packet.state ?? this.trackedState(packet, known);
    const p: Packet = { ...packet, state, inInterface: packet.inInterface ?? 'ether1' };
    const verdict = (
      action: FinalAction,
      path: 'input' | 'forward',
      dst: string,
      dstPort: number | undefined,
      dstnat: boolean,
    ): Verdict => ({
      action,
      path,
      dst,
      dstPort,
      dstnat,
      state,
      trace,
    });

    // raw prerouting: before connection tracking, so also before any dstnat.
    const raw = this.runChain('raw', 'prerouting', p, { dstnat: false }, trace, 0, ctx.now);
    if (raw.kind === 'final' && raw.action !== 'accept') {
      return verdict(
        raw.action,
        this.routerAddresses.has(p.dst) ? 'input' : 'forward',
        p.dst,
        p.dstPort,
        false,
      );
    }

    let dst = p.dst;
    let dstPort = p.dstPort;
    let dstnat = known?.dstnat !== null && known?.dstnat !== undefined;
    if (known?.dstnat) {
      dst = known.dstnat.dst;
      dstPort = known.dstnat.dstPort;
    } else if (state === 'new') {
      // nat sees the first packet of a connection only; later ones follow its decision.
      const nat = this.runChain('nat', 'dstnat', p, { dstnat: false }, trace, 0, ctx.now);
      if (nat.kind === 'nat') {
        dst = nat.to ?? dst;
        dstPort = nat.toPort ?? dstPort;
        dstnat = true;
      }
    }

    const path = this.routerAddresses.has(dst) ? 'input' : 'forward';
    const filtered = { ...p, dst, ...(dstPort !== undefined ? { dstPort } : {}) };
    const result = this.runChain('filter', path, filtered, { dstnat }, trace, 0, ctx.now);
    const action: FinalAction = result.kind === 'final' ? result.action : 'accept';

    if (state === 'new' && p.protocol === 'tcp' && action === 'accept') {
      this.connections.set(key, { accepted: true, dstnat: dstnat ? { dst, dstPort } : null });
    }
    return verdict(action, path, dst, dstPort, dstnat);
  }

  /** Forgets a TCP connection (the socket closed), so a later packet of it is `invalid`. */
  closeConnection(packet: Pick<Packet, 'src' | 'srcPort' | 'dst' | 'dstPort' | 'protocol'>): void {
    this.connections.delete(connectionKey(packet));
  }

  /**
   * Back to a clean slate between test scenarios (every loopback knock comes from 127.0.0.1):
   * connection tracking, psd memory and the log are cleared, and the dynamic entries of the given
   * address lists (default: every list a rule writes to) are removed.
   */
  reset(options: { lists?: readonly string[] } = {}): { removed: number } {
    this.connections.clear();
    this.psd.clear();
    this.log.length = 0;
    const ctx = this.state.ctx;
    const lists = new Set(options.lists ?? this.writtenLists());
    const table = this.state.addressList('ip');
    const doomed = table.entries(ctx).filter((e) => lists.has(e.list) && e.dynamic && e.parentId === null);
    if (doomed.length > 0) table.remove(table.find(doomed.map((e) => e.id).join(','), ctx), ctx);
    return { removed: doomed.length };
  }

  /** The address lists that rules of any table write to. */
  writtenLists(): string[] {
    const ctx = this.state.ctx;
    const lists = new Set<string>();
    for (const name of ['filter', 'nat', 'raw'] as const) {
      for (const rule of this.state.rules(name).list(ctx)) {
        const list = rule.attrs['address-list'];
        if (list) lists.add(list);
      }
    }
    return [...lists];
  }

  private trackedState(packet: Packet, known: Connection | undefined): ConnectionState {
    if (packet.protocol === 'tcp') {
      const flags = new Set(packet.tcpFlags ?? []);
      if (flags.has('syn') && !flags.has('ack')) return 'new';
      return known?.accepted ? 'established' : 'invalid';
    }
    // UDP and ICMP flows stay `new` until a reply is seen, and the simulated router never replies.
    return known?.accepted ? 'established' : 'new';
  }

  private runChain(
    table: RuleTableName,
    chain: string,
    p: Packet,
    conn: { dstnat: boolean },
    trace: TraceStep[],
    depth: number,
    now: number,
  ): ChainResult {
    if (depth > MAX_JUMP_DEPTH) {
      // RouterOS refuses jump loops when they are configured; here the packet is dropped, loudly.
      this.unsupported.add(`${table}:jump-loop:${chain}`);
      return { kind: 'final', action: 'drop' };
    }
    const rules = this.state.rules(table).list(this.state.ctx);
    for (const rule of rules) {
      if (rule.disabled || rule.attrs.chain !== chain) continue;
      if (!this.matches(table, rule, p, conn, now)) continue;
      const action = rule.attrs.action ?? 'accept';
      this.state.rules(table).countHit(rule.id, p.size);
      trace.push({
        table,
        chain,
        id: rule.id,
        action,
        ...(rule.attrs.comment ? { comment: rule.attrs.comment } : {}),
      });
      if (rule.attrs.log === 'yes' || action === 'log') this.writeLog(rule, p, now);
      switch (action) {
        case 'accept':
          return table === 'nat' ? { kind: 'stop' } : { kind: 'final', action: 'accept' };
        case 'fasttrack-connection':
        case 'notrack':
          return { kind: 'final', action: 'accept' };
        case 'drop':
        case 'tarpit':
          return { kind: 'final', action: 'drop' };
        case 'reject':
          return { kind: 'final', action: 'reject' };
        case 'return':
          return { kind: 'return' };
        case 'jump': {
          const target = rule.attrs['jump-target'] ?? '';
          const inner = this.runChain(table, target, p, conn, trace, depth + 1, now);
          if (inner.kind !== 'return' && inner.kind !== 'end') return inner;
          break;
        }
        case 'add-src-to-address-list':
        case 'add-dst-to-address-list':
          this.addToList(rule, action === 'add-src-to-address-list' ? p.src : p.dst);
          break;
        case 'log':
        case 'passthrough':
          break;
        case 'dst-nat':
        case 'netmap': {
          const to = rule.attrs['to-addresses']?.split('-')[0];
          const toPort = rule.attrs['to-ports'] ? Number(rule.attrs['to-ports'].split('-')[0]) : undefined;
          return { kind: 'nat', ...(to ? { to } : {}), ...(toPort !== undefined ? { toPort } : {}) };
        }
        case 'redirect': {
          const toPort = rule.attrs['to-ports'] ? Number(rule.attrs['to-ports'].split('-')[0]) : undefined;
          const self = [...this.routerAddresses][0]!;
          return { kind: 'nat', to: self, ...(toPort !== undefined ? { toPort } : {}) };
        }
        default:
          // src-nat, masquerade, same, endpoint-independent-nat: terminal in nat, no dstnat effect.
          if (table === 'nat') return { kind: 'stop' };
          this.unsupported.add(`${table}:${rule.id}:action=${action}`);
      }
    }
    return { kind: 'end' };
  }

  private matches(
    table: RuleTableName,
    rule: RuleView,
    p: Packet,
    conn: { dstnat: boolean },
    now: number,
  ): boolean {
    const ctx = this.state.ctx;
    let psd: string | undefined;
    for (const [name, raw] of Object.entries(rule.attrs)) {
      if (NOT_MATCHERS.has(name)) continue;
      let hit: boolean;
      switch (name) {
        case 'protocol':
          hit = protocolMatches(raw, p);
          break;
        case 'src-address':
          hit = addressMatches(raw, p.src);
          break;
        case 'dst-address':
          hit = addressMatches(raw, p.dst);
          break;
        case 'src-port':
          hit = portMatches(raw, p.srcPort);
          break;
        case 'dst-port':
          hit = portMatches(raw, p.dstPort);
          break;
        case 'port':
          hit = portMatches(raw, p.srcPort) || portMatches(raw, p.dstPort);
          break;
        case 'src-address-list':
        case 'dst-address-list': {
          const { negate, value } = negation(raw);
          const ip = name === 'src-address-list' ? p.src : p.dst;
          hit = this.state.addressList('ip').contains(value, ip, ctx) !== negate;
          break;
        }
        case 'in-interface': {
          const { negate, value } = negation(raw);
          hit = (value === p.inInterface) !== negate;
          break;
        }
        case 'in-interface-list': {
          const { negate, value } = negation(raw);
          hit = (this.interfaceLists[value] ?? []).includes(p.inInterface ?? '') !== negate;
          break;
        }
        case 'out-interface':
        case 'out-interface-list':
          // Chain input has no out-interface; forwarded packets leave by a LAN port in the sim.
          hit = raw.startsWith('!');
          break;
        case 'connection-state':
          hit = listOfStates(raw, p.state ?? 'new');
          break;
        case 'connection-nat-state': {
          // Only dstnat happens on the simulated path; srcnat is never true here.
          const { negate, value } = negation(raw);
          hit = (value.split(',').includes('dstnat') && conn.dstnat) !== negate;
          break;
        }
        case 'dst-address-type':
        case 'src-address-type': {
          const { negate, value } = negation(raw);
          const ip = name === 'dst-address-type' ? p.dst : p.src;
          const types = new Set(value.split(','));
          const local = this.routerAddresses.has(ip);
          hit = ((types.has('local') && local) || (types.has('unicast') && !local)) !== negate;
          break;
        }
        case 'packet-size':
          hit = packetSizeMatches(raw, p.size);
          break;
        case 'icmp-options':
          hit = icmpOptionsMatch(raw, p);
          break;
        case 'tcp-flags':
          hit = tcpFlagsMatch(raw, p);
          break;
        case 'content':
          hit = contentMatches(raw, p.payload);
          break;
        case 'layer7-protocol': {
          const { negate, value } = negation(raw);
          const l7 = this.state.layer7.byName(value, ctx);
          hit = (l7 !== undefined && layer7Matches(l7.regexp, p.payload)) !== negate;
          break;
        }
        case 'psd':
          // Evaluated last: it keeps state, so it must only see packets the rest of the rule matched.
          psd = raw;
          hit = true;
          break;
        default:
          this.unsupported.add(`${table}:${rule.id}:${name}`);
          return false;
      }
      if (!hit) return false;
    }
    return psd === undefined ? true : this.psdMatches(rule.id, psd, p, now);
  }

  /**
   * Port-scan detection as netfilter's psd (which RouterOS uses): per source, packets to distinct
   * destination ports add LowPortWeight (<1024) or HighPortWeight; a gap longer than
   * DelayThreshold starts over; reaching WeightThreshold is a scan. Only connection attempts count
   * (a TCP SYN, a UDP datagram).
   */
  private psdMatches(ruleId: string, spec: string, p: Packet, now: number): boolean {
    const proto = protocolNumber(p.protocol);
    if ((proto !== 6 && proto !== 17) || p.dstPort === undefined) return false;
    if (proto === 6 && p.state !== 'new') return false;
    const config = parsePsd(spec, parseDuration);
    if (!config) return false;
    const key = `${ruleId}\u0000${p.src}`;
    let entry = this.psd.get(key);
    if (!entry || now - entry.lastAt > config.delayMs) {
      entry = { lastAt: now, weight: 0, ports: new Set() };
      this.psd.set(key, entry);
    }
    entry.lastAt = now;
    if (!entry.ports.has(p.dstPort)) {
      entry.ports.add(p.dstPort);
      entry.weight += p.dstPort < 1024 ? config.lowPortWeight : config.highPortWeight;
    }
    return entry.weight >= config.weightThreshold;
  }

  private addToList(rule: RuleView, address: string): void {
    const list = rule.attrs['address-list'];
    if (!list) return;
    const timeout = rule.attrs['address-list-timeout'];
    let seconds = 0;
    if (timeout && timeout !== 'none-dynamic' && timeout !== 'none-static') {
      try {
        seconds = parseDuration(timeout);
      } catch {
        seconds = 0;
      }
    }
    this.state.addressList('ip').addDynamic({ list, address, timeoutSeconds: seconds }, this.state.ctx);
  }

  private writeLog(rule: RuleView, p: Packet, now: number): void {
    this.log.push({
      at: now,
      prefix: rule.attrs['log-prefix'] ?? '',
      ruleId: rule.id,
      chain: rule.attrs.chain ?? '',
      packet: describePacket(p),
    });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}

function connectionKey(p: Pick<Packet, 'src' | 'srcPort' | 'dst' | 'dstPort' | 'protocol'>): string {
  return `${protocolNumber(p.protocol)} ${p.src}:${p.srcPort ?? 0} ${p.dst}:${p.dstPort ?? 0}`;
}
