import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouterClient } from '@/lib/routeros';
import { ManualClock } from '../clock';
import { type Simulator, startSimulator } from '../server';
import { freePorts } from './free-ports';

/** The knock listeners with real loopback sockets: what reaches the engine and what a client sees. */
const sims: Simulator[] = [];
afterEach(async () => {
  while (sims.length > 0) await sims.pop()!.close();
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}) {
  const s = await startSimulator({ apiSslPort: null, clock: new ManualClock(), ...options });
  sims.push(s);
  return s;
}

/** Connects and reports what the client gets: the service banner, or a reset / close without it. */
function probe(port: number, send?: string, localAddress?: string): Promise<{ open: boolean; data: string }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    const done = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ open, data });
    };
    const timer = setTimeout(() => done(false), 3_000);
    socket.on('connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('knockgate-sim')) done(true);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(data.includes('knockgate-sim')));
  });
}

function sendUdp(port: number, payload = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.send(Buffer.from(payload), port, '127.0.0.1', (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Waits until the listener has recorded `count` events (bounded: loopback delivery is immediate). */
async function events(s: Simulator, count: number) {
  for (let i = 0; i < 200 && (s.knock?.events.length ?? 0) < count; i += 1) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return s.knock?.events ?? [];
}

describe('knock listeners', () => {
  it('are off unless asked for: the API-only simulator opens no other port', async () => {
    const s = await sim();
    expect(s.knock).toBeNull();
    const [port] = await freePorts(1);
    s.rules('filter').add(
      new Map([
        ['chain', 'input'],
        ['protocol', 'tcp'],
        ['dst-port', String(port)],
      ]),
      s.state.ctx,
    );
    expect(await probe(port!)).toEqual({ open: false, data: '' });
  });

  it('follow the rules a client adds and removes through the API', async () => {
    const [knockPort, udpPort] = await freePorts(2);
    const s = await sim({ knock: true });
    const client = createRouterClient({
      id: 'listeners',
      host: '127.0.0.1',
      port: s.apiPort,
      tls: false,
      username: 'admin',
      password: '',
    });
    try {
      const id = await client.add('/ip/firewall/filter', {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'tcp',
        'dst-port': String(knockPort),
        'address-list': 'seen',
        'address-list-timeout': '1m',
      });
      await client.add('/ip/firewall/filter', {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'udp',
        'dst-port': String(udpPort),
        'address-list': 'seen-udp',
      });
      // Listening by the time the add was acknowledged.
      expect(s.knock!.report().listening).toEqual(
        expect.arrayContaining([
          { protocol: 'tcp', port: knockPort },
          { protocol: 'udp', port: udpPort },
        ]),
      );
      expect(await probe(knockPort!)).toEqual({ open: false, data: '' }); // nothing listens on a real router
      await sendUdp(udpPort!, 'hello');
      const seen = await events(s, 2);
      expect(seen.map((e) => [e.protocol, e.kind, e.dstPort, e.bytes, e.src])).toEqual([
        ['tcp', 'syn', knockPort, 0, '127.0.0.1'],
        ['udp', 'datagram', udpPort, 5, '127.0.0.1'],
      ]);
      const ctx = s.state.ctx;
      expect(
        s
          .addressList('ip')
          .entries(ctx, 'seen')
          .map((e) => [e.address, e.timeoutSeconds]),
      ).toEqual([['127.0.0.1', 60]]);
      expect(s.addressList('ip').contains('seen-udp', '127.0.0.1', ctx)).toBe(true);

      await client.remove('/ip/firewall/filter', id);
      expect(s.knock!.report().listening).not.toContainEqual({ protocol: 'tcp', port: knockPort });
    } finally {
      await client.close();
    }
  });

  it('a protected service answers only when the engine accepts the connection', async () => {
    const [service, knockPort] = await freePorts(2);
    const s = await sim({ knock: { services: [{ port: service! }] } });
    const add = (attrs: Record<string, string>) =>
      s.rules('filter').add(new Map(Object.entries(attrs)), s.state.ctx);
    add({
      chain: 'input',
      action: 'add-src-to-address-list',
      protocol: 'tcp',
      'dst-port': String(knockPort),
      'address-list': 'ok',
    });
    add({
      chain: 'input',
      action: 'accept',
      protocol: 'tcp',
      'dst-port': String(service),
      'src-address-list': 'ok',
    });
    add({ chain: 'input', action: 'drop', protocol: 'tcp', 'dst-port': String(service) });
    await s.knock!.sync();

    expect((await probe(service!)).open).toBe(false);
    await probe(knockPort!);
    const opened = await probe(service!);
    expect(opened).toEqual({ open: true, data: `knockgate-sim service on port ${service}\r\n` });
    // Another loopback address is another client: not on the list.
    expect((await probe(service!, undefined, '127.0.0.2')).open).toBe(false);
    s.firewall.reset();
    expect((await probe(service!)).open).toBe(false);
  });

  it('data in an accepted connection is an established packet with content (HTTP GET knock)', async () => {
    const [web] = await freePorts(1);
    const s = await sim({ knock: true });
    const add = (attrs: Record<string, string>) =>
      s.rules('filter').add(new Map(Object.entries(attrs)), s.state.ctx);
    add({
      chain: 'input',
      action: 'add-src-to-address-list',
      protocol: 'tcp',
      'dst-port': String(web),
      content: 'GET /mikrotik HTTP/',
      'address-list': 'web',
    });
    add({ chain: 'input', action: 'accept', 'connection-state': 'established,related' });
    add({
      chain: 'input',
      action: 'accept',
      protocol: 'tcp',
      'dst-port': String(web),
      'connection-state': 'new',
    });
    await s.knock!.sync();
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      const socket = net.connect({ host: '127.0.0.1', port: web! }, () =>
        socket.write('GET /mikrotik HTTP/1.1\r\nHost: router\r\n\r\n'),
      );
      socket.on('data', (d) => {
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.0 404/);
    expect(s.addressList('ip').contains('web', '127.0.0.1', s.state.ctx)).toBe(true);
    const kinds = (await events(s, 2)).map((e) => [e.kind, e.verdict]);
    expect(kinds).toEqual([
      ['syn', 'accept'],
      ['data', 'accept'],
    ]);
  });

  it('a port it cannot bind is reported, not fatal', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const s = await sim({ knock: { ports: [{ port: taken, protocol: 'tcp' }] } });
      expect(s.knock!.report().failed).toEqual([{ protocol: 'tcp', port: taken, error: 'EADDRINUSE' }]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('refuses a non-loopback or IPv6 listen address', async () => {
    await expect(startSimulator({ apiSslPort: null, knock: { host: '0.0.0.0' } })).rejects.toThrow(
      /loopback/,
    );
  });
});
