import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP, knock, main, parseKnockArgs } from './knock';

describe('parseKnockArgs (grongor/knock syntax)', () => {
  it('uses the defaults: TCP, 200 ms timeout and delay', () => {
    expect(parseKnockArgs(['192.0.2.1', '2022', '9090:udp', '4022:tcp'])).toEqual({
      ok: true,
      value: {
        kind: 'knock',
        options: {
          host: '192.0.2.1',
          knocks: [
            { port: 2022, protocol: 'tcp' },
            { port: 9090, protocol: 'udp' },
            { port: 4022, protocol: 'tcp' },
          ],
          timeoutMs: 200,
          delayMs: 200,
        },
      },
    });
  });

  it('reads -u, -t, -d in every spelling, anywhere on the line', () => {
    const parsed = parseKnockArgs(['-u', '-t', '50', 'host', '--delay=10', '1234', '1235:tcp', '-t5']);
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        options: {
          timeoutMs: 5,
          delayMs: 10,
          knocks: [
            { port: 1234, protocol: 'udp' },
            { port: 1235, protocol: 'tcp' },
          ],
        },
      },
    });
  });

  it('takes IPv6 hosts bare or in brackets, and -4/-6', () => {
    expect(parseKnockArgs(['::1', '1:udp'])).toMatchObject({ ok: true, value: { options: { host: '::1' } } });
    expect(parseKnockArgs(['-6', '[2001:db8::1]', '1'])).toMatchObject({
      ok: true,
      value: { options: { host: '2001:db8::1', family: 6 } },
    });
  });

  it('refuses -4/-6 that contradict an address literal instead of knocking the other family', () => {
    expect(parseKnockArgs(['-6', '127.0.0.1', '1'])).toMatchObject({
      ok: false,
      error: { code: 'family_mismatch', message: '127.0.0.1 is an IPv4 address; -6 asks for IPv6.' },
    });
    expect(parseKnockArgs(['-4', '[::1]', '1'])).toMatchObject({
      ok: false,
      error: { code: 'family_mismatch' },
    });
    expect(parseKnockArgs(['-4', '127.0.0.1', '1'])).toMatchObject({ ok: true });
  });

  it('-h asks for help', () => {
    expect(parseKnockArgs(['-h', 'x'])).toEqual({ ok: true, value: { kind: 'help' } });
  });

  it.each([
    [[], 'missing_host'],
    [['host'], 'missing_port'],
    [['host', '0'], 'invalid_port'],
    [['host', '70000'], 'invalid_port'],
    [['host', 'ssh'], 'invalid_port'],
    [['host', '22:icmp'], 'invalid_protocol'],
    [['-x', 'host', '22'], 'unknown_option'],
    [['host', '22', '-t'], 'missing_value'],
    [['-d', 'soon', 'host', '22'], 'invalid_number'],
  ])('%j → %s', (argv, code) => {
    expect(parseKnockArgs(argv)).toMatchObject({ ok: false, error: { code } });
  });
});

// ---------------------------------------------------------------------------------------------
// Real loopback listeners: TCP servers record accepted connections, a UDP socket records
// datagrams, all into one ordered log.

type Event = { protocol: 'tcp' | 'udp'; port: number; bytes?: number };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function tcpListener(log: Event[], host = '127.0.0.1'): Promise<number> {
  const server = net.createServer((socket) => {
    log.push({ protocol: 'tcp', port: (server.address() as net.AddressInfo).port });
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

async function udpListener(log: Event[], host = '127.0.0.1'): Promise<number> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (message) => {
    log.push({ protocol: 'udp', port: socket.address().port, bytes: message.length });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, resolve);
  });
  cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return socket.address().port;
}

/** Polls (bounded) until the log has `count` entries; used as the knock delay so order is exact. */
async function untilLogged(log: Event[], count: number): Promise<void> {
  for (let i = 0; i < 1_000 && log.length < count; i += 1) await new Promise((r) => setTimeout(r, 5));
  if (log.length < count) throw new Error(`only ${log.length} of ${count} knocks arrived`);
}

async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function ipv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '::1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

describe('knock over loopback', () => {
  it('sends TCP connects and empty UDP datagrams in the given order', async () => {
    const log: Event[] = [];
    const t1 = await tcpListener(log);
    const u1 = await udpListener(log);
    const t2 = await tcpListener(log);
    const u2 = await udpListener(log);
    const sequence = [
      { port: t1, protocol: 'tcp' as const },
      { port: u1, protocol: 'udp' as const },
      { port: t2, protocol: 'tcp' as const },
      { port: u2, protocol: 'udp' as const },
    ];
    let sent = 0;
    const run = await knock(
      { host: '127.0.0.1', knocks: sequence, timeoutMs: 2_000, delayMs: 200 },
      { sleep: () => untilLogged(log, ++sent) },
    );
    await untilLogged(log, 4);
    expect(log).toEqual([
      { protocol: 'tcp', port: t1 },
      { protocol: 'udp', port: u1, bytes: 0 },
      { protocol: 'tcp', port: t2 },
      { protocol: 'udp', port: u2, bytes: 0 },
    ]);
    expect(run).toMatchObject({
      ok: true,
      address: '127.0.0.1',
      results: [{ outcome: 'connected' }, { outcome: 'sent' }, { outcome: 'connected' }, { outcome: 'sent' }],
    });
  });

  it('counts a refused connection as a knock and goes on', async () => {
    const log: Event[] = [];
    const closed = await closedTcpPort();
    const udp = await udpListener(log);
    const run = await knock({
      host: 'localhost',
      family: 4,
      knocks: [
        { port: closed, protocol: 'tcp' },
        { port: udp, protocol: 'udp' },
      ],
      timeoutMs: 2_000,
      delayMs: 0,
    });
    await untilLogged(log, 1);
    expect(run).toMatchObject({ ok: true, results: [{ outcome: 'refused' }, { outcome: 'sent' }] });
  });

  it('counts a connection reset right after the handshake as a knock, not a failure', async () => {
    // What a client sees from a firewall that completes the handshake and then resets (the
    // simulator's knock listeners do, since the kernel answers the SYN before they can decide).
    const resetting = () => {
      const socket = new net.Socket();
      setImmediate(() =>
        socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
      );
      return socket;
    };
    const run = await knock(
      { host: '127.0.0.1', knocks: [{ port: 9, protocol: 'tcp' }], timeoutMs: 2_000, delayMs: 0 },
      { connect: resetting },
    );
    expect(run).toMatchObject({ ok: true, results: [{ outcome: 'refused', detail: 'ECONNRESET' }] });
    const failing = () => {
      const socket = new net.Socket();
      setImmediate(() =>
        socket.emit('error', Object.assign(new Error('unreachable'), { code: 'ENETUNREACH' })),
      );
      return socket;
    };
    const failed = await knock(
      { host: '127.0.0.1', knocks: [{ port: 9, protocol: 'tcp' }], timeoutMs: 2_000, delayMs: 0 },
      { connect: failing },
    );
    expect(failed).toMatchObject({ ok: true, results: [{ outcome: 'error', detail: 'ENETUNREACH' }] });
  });

  it('gives up on a hanging connection after the timeout and still sends the next knock', async () => {
    const log: Event[] = [];
    const udp = await udpListener(log);
    const hanging: net.Socket[] = [];
    const run = await knock(
      {
        host: '127.0.0.1',
        knocks: [
          { port: 9, protocol: 'tcp' },
          { port: udp, protocol: 'udp' },
        ],
        timeoutMs: 20,
        delayMs: 0,
      },
      {
        connect: () => {
          const socket = new net.Socket(); // never connects: a dropped SYN
          hanging.push(socket);
          return socket;
        },
      },
    );
    await untilLogged(log, 1);
    expect(run).toMatchObject({ ok: true, results: [{ outcome: 'timeout' }, { outcome: 'sent' }] });
    expect(hanging[0]!.destroyed).toBe(true);
  });

  it('knocks IPv6 loopback when the machine has it', async (context) => {
    if (!(await ipv6Loopback())) context.skip();
    const log: Event[] = [];
    const t = await tcpListener(log, '::1');
    const u = await udpListener(log, '::1');
    let sent = 0;
    const run = await knock(
      {
        host: '::1',
        knocks: [
          { port: t, protocol: 'tcp' },
          { port: u, protocol: 'udp' },
        ],
        timeoutMs: 2_000,
        delayMs: 1,
      },
      { sleep: () => untilLogged(log, ++sent) },
    );
    await untilLogged(log, 2);
    expect(run).toMatchObject({ ok: true, family: 6 });
    expect(log.map((e) => e.protocol)).toEqual(['tcp', 'udp']);
  });
});

describe('main', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
  }

  it('prints help and exits 0', async () => {
    const { out, io: streams } = io();
    expect(await main(['--help'], streams)).toBe(0);
    expect(out.join('')).toBe(HELP);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const { err, io: streams } = io();
    expect(await main(['host', '22:icmp'], streams)).toBe(2);
    expect(err.join('')).toContain('Invalid protocol "icmp"');
  });

  it('exits 1 with a clear message when the host does not resolve', async () => {
    const { err, io: streams } = io();
    const resolve = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await main(['no.such.host', '22'], streams, { resolve })).toBe(1);
    expect(err.join('')).toBe('knock: Cannot resolve "no.such.host" (ENOTFOUND).\n');
  });

  it('exits 0 after a successful sequence', async () => {
    const log: Event[] = [];
    const port = await udpListener(log);
    const { io: streams } = io();
    expect(await main(['-u', '-d', '0', '127.0.0.1', String(port)], streams)).toBe(0);
    await untilLogged(log, 1);
  });
});
