import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '@/sim/server';
import { RouterOSClient } from './client';
import { RouterError, RouterTimeoutError, RouterTlsError } from './errors';
import type { RouterConfig } from './types';

const AL = '/ip/firewall/address-list';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let sims: Simulator[] = [];
let clients: RouterOSClient[] = [];
let servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of servers) s.close();
  await Promise.all(sims.map((s) => s.close()));
  clients = [];
  sims = [];
  servers = [];
});
function mk(port: number, extra: Partial<RouterConfig>): RouterOSClient {
  const c = new RouterOSClient({
    id: 'r1',
    host: '127.0.0.1',
    port,
    tls: false,
    username: 'admin',
    password: '',
    ...extra,
  });
  clients.push(c);
  return c;
}

/** A proxy whose existing connections can be made to swallow everything silently (NAT state lost). */
async function blackholeProxy(target: number) {
  const st = { accepted: 0, holes: [] as { hole: boolean }[] };
  const server = net.createServer((down) => {
    st.accepted += 1;
    const h = { hole: false };
    st.holes.push(h);
    const up = net.connect(target, '127.0.0.1');
    down.on('data', (d) => {
      if (!h.hole) up.write(d);
    });
    up.on('data', (d) => {
      if (!h.hole) down.write(d);
    });
    down.on('error', () => {});
    up.on('error', () => {});
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, st };
}

/**
 * A client connected through a black-hole proxy, whose connection then goes silent. Production
 * timings scaled 1/50: timeout 5 s -> 100 ms, keep-alive 30 s -> 600 ms, breaker 15 s -> 300 ms.
 */
async function connectedThenHoled() {
  const s = await startSimulator({ apiSslPort: null });
  sims.push(s);
  const p = await blackholeProxy(s.apiPort);
  const c = mk(p.port, {
    timeoutMs: 100,
    keepaliveMs: 600,
    breaker: { failureThreshold: 5, resetTimeoutMs: 300 },
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  await c.connect();
  p.st.holes[0]!.hole = true;
  return { p, c };
}

/**
 * The client against connections that go wrong quietly: a command whose deadline passed while the
 * connection was still being opened, and a connection that died without a reset (a NAT or
 * firewall in between lost its state), with and without commands keeping it busy.
 */
describe('client', () => {
  it('does not send a command whose deadline passed while it waited for the connection', async () => {
    const s = await startSimulator({ apiSslPort: null, faults: { latencyMs: 300 } });
    sims.push(s);
    const c = mk(s.apiPort, { timeoutMs: 100, connectTimeoutMs: 2_000 });
    await expect(
      c.add(AL, { list: 'kg', address: '192.0.2.9', comment: 'knockgate:1' }),
    ).rejects.toBeInstanceOf(RouterTimeoutError);
    s.faults.reset(); // the login (already in progress) still answers after 300 ms
    await sleep(700);
    // The caller was told "timed out" at 100 ms: the add must not be sent after that.
    expect(s.commandLog).not.toContain('/ip/firewall/address-list/add');
    expect(
      s
        .addressList('ip')
        .entries(s.state.ctx)
        .map((e) => e.address),
    ).not.toContain('192.0.2.9');
  });

  it('replaces a silently dead (half-open) connection while commands keep timing out', async () => {
    const { p, c } = await connectedThenHoled();
    let ok = 0;
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      c.print('/system/identity').then(
        () => {
          ok += 1;
        },
        () => {},
      );
      await sleep(50);
    }
    // A new connection works at once; the dead one must not be kept (on Linux the kernel would keep
    // it until tcp_retries2, about 15 min).
    expect(p.st.accepted).toBeGreaterThan(1);
    expect(ok).toBeGreaterThan(0);
  }, 20_000);

  it('control: an idle half-open connection is replaced by the keepalive', async () => {
    const { p } = await connectedThenHoled();
    await sleep(2_500);
    expect(p.st.accepted).toBeGreaterThan(1);
  }, 20_000);

  it('a router that drops every session soon after the login is not retried at the first delay forever', async () => {
    const s = await startSimulator({ apiSslPort: null, faults: { idleCloseMs: 30 } });
    sims.push(s);
    const c = mk(s.apiPort, {
      timeoutMs: 1_000,
      keepaliveMs: 0,
      reconnect: { initialDelayMs: 50, maxDelayMs: 2_000 },
    });
    let connected = 0;
    c.on('connected', () => {
      connected += 1;
    });
    await c.connect();
    await sleep(3_000);
    // Starting over at 50 ms after every login would make ~40 sessions in 3 s; doubling makes ~6.
    expect(connected).toBeGreaterThanOrEqual(3);
    expect(connected).toBeLessThanOrEqual(9);
  }, 20_000);

  it('a connection reset during the TLS handshake is a connection problem, a non-TLS answer a TLS one', async () => {
    const reset = net.createServer((socket) => socket.destroy());
    const plain = net.createServer((socket) => socket.end('this is not TLS\r\n'));
    servers.push(reset, plain);
    for (const server of [reset, plain])
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
    const error = async (port: number) =>
      mk(port, { tls: true, timeoutMs: 2_000, reconnect: { initialDelayMs: 10_000 } })
        .connect()
        .then(
          () => null,
          (e: Error & { code?: string }) => e,
        );
    const dropped = await error(portOf(reset));
    expect(dropped).toBeInstanceOf(RouterError);
    expect(dropped).not.toBeInstanceOf(RouterTlsError);
    expect(await error(portOf(plain))).toBeInstanceOf(RouterTlsError);
  });
});
