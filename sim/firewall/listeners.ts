/**
 * Real loopback traffic into the firewall engine. The simulator listens (TCP and UDP, on an IPv4
 * loopback address) on every port the rules mention, on the protected services' ports and on any
 * extra ports a test names (the targets of a port sweep), and turns what arrives into packets:
 *
 *   - a TCP connection → the SYN (state new); if the engine accepts it and a service listens there
 *     (a protected port, or a forwarded destination) the connection stays open and the service
 *     sends a one-line banner; data on it → established packets carrying that data (`content=`);
 *   - anything the engine drops or rejects, or a port where nothing listens on a real router, is
 *     reset at once;
 *   - a UDP datagram → one packet with its payload (no answer, as from a router without a service).
 *
 * One difference from a router cannot be hidden in user space: the kernel completes the TCP
 * handshake before the simulator sees the connection, so a client's connect() succeeds and is then
 * reset, where a router's drop would leave it unanswered. "Open" therefore means "the service
 * banner arrived"; the real-client tests read it that way.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { RouterState } from '../router';
import type { FinalAction, FirewallEngine } from './engine';
import { parsePortSpec } from './match';
import { tcpData, tcpSyn, udpDatagram } from './packet';

export type KnockProtocol = 'tcp' | 'udp';

export interface KnockListenOptions {
  /** IPv4 loopback address to listen on (the engine evaluates /ip/firewall). Default 127.0.0.1. */
  host?: string;
  /** TCP services of the router (the protected ports, e.g. its SSH): accepted connections stay open. */
  services?: readonly { port: number; banner?: string }[];
  /** More ports to listen on, e.g. the ports a test sweeps. */
  ports?: readonly { port: number; protocol: KnockProtocol }[];
  /** Listen on the ports the filter/nat/raw rules mention (default true). */
  followRules?: boolean;
  /** Rule ports below this are not listened on unless named in services/ports (default 1024). */
  minRulePort?: number;
  /** Upper bound of listeners, so a rule with dst-port=1-65535 cannot open 65535 sockets (default 2048). */
  maxPorts?: number;
  /** Interface the packets arrive on (default ether1, a member of the WAN interface list). */
  inInterface?: string;
  /** Idle time after which an open simulated service connection is closed (default 30 s). */
  idleMs?: number;
}

export interface KnockEvent {
  at: number;
  protocol: KnockProtocol;
  kind: 'syn' | 'data' | 'datagram';
  src: string;
  srcPort: number;
  dstPort: number;
  bytes: number;
  verdict: FinalAction;
  path: 'input' | 'forward';
  /** What the client got: the service banner, a reset, or nothing (UDP, data). */
  outcome: 'service' | 'reset' | 'none';
}

export interface ListenReport {
  listening: { protocol: KnockProtocol; port: number }[];
  failed: { protocol: KnockProtocol; port: number; error: string }[];
}

const EVENT_LIMIT = 5_000;
const RANGE_LIMIT = 256;

type Bound =
  | { protocol: 'tcp'; port: number; server: net.Server; sockets: Set<net.Socket> }
  | { protocol: 'udp'; port: number; socket: dgram.Socket };

function keyOf(protocol: KnockProtocol, port: number): string {
  return `${protocol}:${port}`;
}

function bare(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

export class KnockListeners {
  readonly host: string;
  readonly events: KnockEvent[] = [];
  private readonly bound = new Map<string, Bound>();
  private failed = new Map<string, string>();
  private contentPorts = new Set<number>();
  private readonly services: Map<number, string | undefined>;
  private syncing: Promise<ListenReport> = Promise.resolve({ listening: [], failed: [] });
  private closed = false;

  constructor(
    private readonly state: RouterState,
    private readonly engine: FirewallEngine,
    private readonly options: KnockListenOptions = {},
  ) {
    this.host = options.host ?? '127.0.0.1';
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(this.host)) {
      throw new Error(`knock listeners bind an IPv4 loopback address only, not ${this.host}`);
    }
    this.services = new Map((options.services ?? []).map((s) => [s.port, s.banner]));
  }

  /** Binds what the rules now need and closes what they no longer do; resolves when done. */
  sync(): Promise<ListenReport> {
    this.syncing = this.syncing.then(
      () => this.reconcile(),
      () => this.reconcile(),
    );
    return this.syncing;
  }

  report(): ListenReport {
    return {
      listening: [...this.bound.values()].map((b) => ({ protocol: b.protocol, port: b.port })),
      failed: [...this.failed].map(([key, error]) => {
        const [protocol, port] = key.split(':') as [KnockProtocol, string];
        return { protocol, port: Number(port), error };
      }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing.catch(() => undefined);
    await Promise.all([...this.bound.values()].map((b) => this.unbind(b)));
    this.bound.clear();
  }

  /** The ports the configuration asks for, as `tcp:N` / `udp:N`. */
  private wanted(): Set<string> {
    const wanted = new Set<string>();
    for (const port of this.services.keys()) wanted.add(keyOf('tcp', port));
    for (const p of this.options.ports ?? []) wanted.add(keyOf(p.protocol, p.port));
    const content = new Set<number>();
    if (this.options.followRules ?? true) {
      const min = this.options.minRulePort ?? 1024;
      const ctx = this.state.ctx;
      for (const table of ['filter', 'nat', 'raw'] as const) {
        for (const rule of this.state.rules(table).list(ctx)) {
          if (rule.disabled) continue;
          const protocol = rule.attrs.protocol;
          const spec = rule.attrs['dst-port'];
          if ((protocol !== 'tcp' && protocol !== 'udp') || !spec || spec.startsWith('!')) continue;
          for (const range of parsePortSpec(spec) ?? []) {
            if (range.to - range.from >= RANGE_LIMIT) continue;
            for (let port = Math.max(range.from, min); port <= range.to; port += 1) {
              wanted.add(keyOf(protocol, port));
              if (protocol === 'tcp' && rule.attrs.content !== undefined) content.add(port);
            }
          }
        }
      }
    }
    this.contentPorts = content;
    const max = this.options.maxPorts ?? 2048;
    return new Set([...wanted].slice(0, max));
  }

  private async reconcile(): Promise<ListenReport> {
    if (this.closed) return this.report();
    const wanted = this.wanted();
    const stale = [...this.bound].filter(([key]) => !wanted.has(key));
    for (const [key, b] of stale) {
      this.bound.delete(key);
      await this.unbind(b);
    }
    this.failed = new Map([...this.failed].filter(([key]) => wanted.has(key)));
    const missing = [...wanted].filter((key) => !this.bound.has(key));
    await Promise.all(
      missing.map(async (key) => {
        const [protocol, portText] = key.split(':') as [KnockProtocol, string];
        const port = Number(portText);
        try {
          const b = protocol === 'tcp' ? await this.bindTcp(port) : await this.bindUdp(port);
          this.bound.set(key, b);
          this.failed.delete(key);
        } catch (error) {
          this.failed.set(key, (error as NodeJS.ErrnoException).code ?? String(error));
        }
      }),
    );
    return this.report();
  }

  private bindTcp(port: number): Promise<Bound> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.onConnection(port, socket);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => {});
        resolve({ protocol: 'tcp', port, server, sockets });
      });
    });
  }

  private bindUdp(port: number): Promise<Bound> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.on('message', (message, remote) => this.onDatagram(port, message, remote));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: this.host, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        resolve({ protocol: 'udp', port, socket });
      });
    });
  }

  private unbind(b: Bound): Promise<void> {
    if (b.protocol === 'udp') return new Promise((resolve) => b.socket.close(() => resolve()));
    for (const socket of b.sockets) socket.destroy();
    return new Promise((resolve) => b.server.close(() => resolve()));
  }

  private record(event: Omit<KnockEvent, 'at'>): void {
    this.events.push({ at: this.state.clock.now(), ...event });
    if (this.events.length > EVENT_LIMIT) this.events.splice(0, this.events.length - EVENT_LIMIT);
  }

  private onConnection(port: number, socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    const ends = {
      src: bare(socket.remoteAddress),
      srcPort: socket.remotePort ?? 0,
      dst: this.host,
      dstPort: port,
    };
    const inInterface = this.options.inInterface ?? 'ether1';
    const syn = this.engine.process({ ...tcpSyn(ends), inInterface });
    const service = syn.path === 'forward' || this.services.has(syn.dstPort ?? port);
    const dataPort = this.contentPorts.has(port);
    const keep = syn.action === 'accept' && (service || dataPort);
    this.record({
      protocol: 'tcp',
      kind: 'syn',
      src: ends.src,
      srcPort: ends.srcPort,
      dstPort: port,
      bytes: 0,
      verdict: syn.action,
      path: syn.path,
      outcome: keep && service ? 'service' : keep ? 'none' : 'reset',
    });
    if (!keep) {
      this.engine.closeConnection({ ...ends, protocol: 'tcp' });
      socket.resetAndDestroy();
      return;
    }
    socket.once('close', () => this.engine.closeConnection({ ...ends, protocol: 'tcp' }));
    socket.setTimeout(this.options.idleMs ?? 30_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      const verdict = this.engine.process({ ...tcpData(ends, chunk), inInterface });
      this.record({
        protocol: 'tcp',
        kind: 'data',
        src: ends.src,
        srcPort: ends.srcPort,
        dstPort: port,
        bytes: chunk.length,
        verdict: verdict.action,
        path: verdict.path,
        outcome: verdict.action === 'accept' ? 'none' : 'reset',
      });
      if (verdict.action !== 'accept') {
        socket.resetAndDestroy();
        return;
      }
      // A router's web service answers an unknown path; the knock already happened in the filter.
      if (!service && chunk.subarray(0, 4).toString('latin1') === 'GET ') {
        socket.end('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }
    });
    if (service) {
      const banner =
        syn.path === 'forward'
          ? `knockgate-sim forwarded to ${syn.dst}:${syn.dstPort}\r\n`
          : (this.services.get(port) ?? `knockgate-sim service on port ${port}\r\n`);
      socket.write(banner);
    }
  }

  private onDatagram(port: number, message: Buffer, remote: dgram.RemoteInfo): void {
    const verdict = this.engine.process({
      ...udpDatagram(
        { src: bare(remote.address), srcPort: remote.port, dst: this.host, dstPort: port },
        message,
      ),
      inInterface: this.options.inInterface ?? 'ether1',
    });
    this.record({
      protocol: 'udp',
      kind: 'datagram',
      src: bare(remote.address),
      srcPort: remote.port,
      dstPort: port,
      bytes: message.length,
      verdict: verdict.action,
      path: verdict.path,
      outcome: 'none',
    });
  }
}
