/**
 * Admin socket of a running simulator: JSON lines over TCP on loopback. One request per line, one
 * answer per line. Used by `npm run sim -- admin …`, by the benchmarks and by tests of other areas
 * that run the simulator as a child process.
 *
 *   {"op":"state"}                                   tables, faults, connections, version
 *   {"op":"faults","set":{"latencyMs":200}}          merge fault settings (sim/faults.ts)
 *   {"op":"reset-faults"}
 *   {"op":"reboot","downMs":1000}
 *   {"op":"dns","name":"home.example.net","addresses":["198.51.100.1"]}   answer of the resolver
 *   {"op":"refresh-dns"}
 *   {"op":"advance","ms":60000}                      only with a manual clock
 *   {"op":"seed","list":"bulk","count":100000}       static entries for load tests
 *   {"op":"version","version":"6.49"}
 *   {"op":"firewall-reset","lists":["ssh-allowed"]}  clear dynamic knock state (default: every list rules write)
 *   {"op":"packet","packet":{"kind":"ping","src":"198.51.100.7","payloadSize":692}}   synthetic packet → verdict
 *   {"op":"knock-events"}                            what the loopback knock listeners received
 */
import net from 'node:net';
import type { AddressFamily } from './address';
import { ManualClock } from './clock';
import type { FaultConfig } from './faults';
import { type Packet, pingRequest, tcpData, tcpSyn, udpDatagram } from './firewall/packet';
import type { Simulator } from './server';

export interface AdminOptions {
  host?: string;
  port?: number;
  /** Sets the resolver's answer for a name (the CLI's static resolver). */
  setDns?: (name: string, addresses: string[]) => void;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

type Request = { op: string; [key: string]: unknown };

export function seedAddressList(
  sim: Simulator,
  list: string,
  count: number,
  family: AddressFamily = 'ip',
): number {
  const table = sim.addressList(family);
  const ctx = sim.state.ctx;
  let added = 0;
  for (let i = 0; added < count && i < count * 2; i += 1) {
    const address =
      family === 'ip'
        ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
        : `2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
    try {
      table.add(
        new Map([
          ['list', list],
          ['address', address],
          ['comment', `seed:${i}`],
        ]),
        ctx,
      );
      added += 1;
    } catch {
      // Already present (seeded before): skip.
    }
  }
  return added;
}

/**
 * A packet for the engine from JSON: `{kind:'ping', src, payloadSize?, patternHex?}`,
 * `{kind:'syn'|'data'|'udp', src, dstPort, data?}`; the destination is the router (127.0.0.1).
 */
export function syntheticPacket(input: unknown): Packet {
  const p = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const src = typeof p.src === 'string' ? p.src : '127.0.0.1';
  const dst = typeof p.dst === 'string' ? p.dst : '127.0.0.1';
  const dstPort = Number(p.dstPort);
  const data = typeof p.data === 'string' ? p.data : '';
  if (p.kind !== 'ping' && (!Number.isInteger(dstPort) || dstPort < 1 || dstPort > 65_535)) {
    throw new Error('packet.dstPort must be a port number');
  }
  switch (p.kind) {
    case 'ping':
      return pingRequest({
        src,
        dst,
        ...(p.payloadSize !== undefined ? { payloadSize: Number(p.payloadSize) } : {}),
        ...(typeof p.patternHex === 'string' ? { patternHex: p.patternHex } : {}),
      });
    case 'syn':
      return tcpSyn({ src, dst, dstPort });
    case 'data':
      return tcpData({ src, dst, dstPort }, data);
    case 'udp':
      return udpDatagram({ src, dst, dstPort }, data);
    default:
      throw new Error('packet.kind must be ping, syn, data or udp');
  }
}

export async function handleAdmin(
  sim: Simulator,
  request: Request,
  options: AdminOptions = {},
): Promise<unknown> {
  const ctx = sim.state.ctx;
  switch (request.op) {
    case 'state':
      return {
        version: sim.state.version.text,
        identity: sim.state.identity,
        connections: sim.connectionCount(),
        faults: sim.faults.get(),
        now: sim.clock.now(),
        addressLists: { ip: sim.addressList('ip').entries(ctx), ipv6: sim.addressList('ipv6').entries(ctx) },
        rules: {
          filter: sim.rules('filter').list(ctx),
          nat: sim.rules('nat').list(ctx),
          raw: sim.rules('raw').list(ctx),
        },
        layer7: sim.state.layer7.list(ctx),
        knock: sim.knock ? sim.knock.report() : null,
      };
    case 'faults':
      return { faults: sim.faults.set((request.set ?? {}) as Partial<FaultConfig>) };
    case 'reset-faults':
      sim.faults.reset();
      return { faults: sim.faults.get() };
    case 'reboot':
      await sim.reboot({ downMs: Number(request.downMs ?? 0) });
      return { rebooted: true };
    case 'dns': {
      if (!options.setDns) throw new Error('this simulator has no settable resolver');
      options.setDns(String(request.name), (request.addresses as string[] | undefined) ?? []);
      await sim.refreshDns();
      return { name: request.name, addresses: request.addresses };
    }
    case 'refresh-dns':
      await sim.refreshDns();
      return { refreshed: true };
    case 'advance': {
      if (!(sim.clock instanceof ManualClock))
        throw new Error('the simulator runs on the system clock (start it with --manual-clock)');
      return { now: sim.clock.advance(Number(request.ms ?? 0)) };
    }
    case 'seed': {
      const count = Math.min(Number(request.count ?? 0), 1_000_000);
      const family = request.family === 'ipv6' ? 'ipv6' : 'ip';
      return { added: seedAddressList(sim, String(request.list ?? 'bulk'), count, family) };
    }
    case 'version':
      sim.state.setVersion(String(request.version));
      return { version: sim.state.version.text };
    case 'firewall-reset':
      return sim.firewall.reset(Array.isArray(request.lists) ? { lists: request.lists.map(String) } : {});
    case 'packet':
      return sim.firewall.process(syntheticPacket(request.packet));
    case 'knock-events':
      return {
        events: sim.knock?.events ?? [],
        log: sim.firewall.log,
        unsupported: [...sim.firewall.unsupported],
      };
    default:
      throw new Error(`unknown op ${JSON.stringify(request.op)}`);
  }
}

export function startAdminServer(sim: Simulator, options: AdminOptions = {}): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 1_000_000) {
        socket.destroy();
        return;
      }
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (line === '') continue;
        let request: Request;
        try {
          request = JSON.parse(line) as Request;
        } catch {
          socket.write(`${JSON.stringify({ ok: false, error: 'not JSON' })}\n`);
          continue;
        }
        handleAdmin(sim, request, options).then(
          (result) => socket.write(`${JSON.stringify({ ok: true, result })}\n`),
          (error: Error) => socket.write(`${JSON.stringify({ ok: false, error: error.message })}\n`),
        );
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** Sends one request to an admin socket and returns the parsed answer. */
export function adminRequest(
  port: number,
  request: Request,
  host = '127.0.0.1',
  timeoutMs = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('admin socket did not answer'));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      socket.end();
      const answer = JSON.parse(buffer.slice(0, newline)) as {
        ok: boolean;
        result?: unknown;
        error?: string;
      };
      if (answer.ok) resolve(answer.result);
      else reject(new Error(answer.error));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
