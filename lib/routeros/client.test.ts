import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '@/sim/server';
import { RouterOSClient } from './client';
import {
  RouterAuthError,
  RouterCancelledError,
  RouterCircuitOpenError,
  RouterClosedError,
  RouterConnectionError,
  RouterProtocolError,
  RouterTimeoutError,
  RouterTlsError,
  RouterTrapError,
} from './errors';
import { eq } from './query';
import { defaultPort, type RouterConfig } from './types';

const AL = '/ip/firewall/address-list';
let sims: Simulator[] = [];
let clients: RouterOSClient[] = [];

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ apiSslPort: null, ...options });
  sims.push(s);
  return s;
}

function client(s: Simulator, extra: Partial<RouterConfig> = {}): RouterOSClient {
  const c = new RouterOSClient({
    id: 'r1',
    host: '127.0.0.1',
    port: s.apiPort,
    tls: false,
    username: 'admin',
    password: '',
    timeoutMs: 2_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(sims.map((s) => s.close()));
  clients = [];
  sims = [];
});

describe('RouterOSClient', () => {
  it('adds, prints with query and proplist, sets and removes', async () => {
    const s = await sim();
    const c = client(s);
    const id = await c.add(AL, { list: 'kg', address: '192.0.2.10', timeout: '1h', comment: 'knockgate:1' });
    expect(id).toBe('*1');
    await c.set(AL, id, { comment: 'knockgate:2' });
    const rows = await c.print(AL, {
      query: eq('comment', 'knockgate:2'),
      proplist: ['.id', 'address', 'comment'],
    });
    expect(rows).toEqual([{ '.id': '*1', address: '192.0.2.10', comment: 'knockgate:2' }]);
    await c.remove(AL, [id]);
    expect(await c.print(AL)).toEqual([]);
    expect(s.addressList().size).toBe(0);
  });

  it('reports !empty and !done attributes', async () => {
    const c = client(await sim({ version: '7.18' }));
    expect(await c.command([`${AL}/print`])).toEqual({ rows: [], done: {}, empty: true });
    expect(await c.command([`${AL}/print`, '=count-only='])).toMatchObject({
      done: { ret: '0' },
      empty: false,
    });
  });

  it('turns traps into RouterTrapError with message and category', async () => {
    const c = client(await sim());
    await c.add(AL, { list: 'kg', address: '192.0.2.10' });
    const dup = await c.add(AL, { list: 'kg', address: '192.0.2.10' }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(RouterTrapError);
    expect(dup).toMatchObject({
      code: 'router_trap',
      trapMessage: 'failure: already have such entry',
      isDuplicate: true,
    });
    const missing = await c.remove(AL, '*77').catch((e: unknown) => e);
    expect(missing).toMatchObject({ isNoSuchItem: true, trapMessage: 'no such item (4)' });
    const unknown = await c.command(['/no/such/print']).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ category: 0, trapMessage: 'no such command prefix' });
  });

  it('completes the MD5 challenge handshake of a router before 6.43', async () => {
    const s = await sim({ version: '6.42', users: [{ name: 'old', password: 'pa55' }] });
    const c = client(s, { username: 'old', password: 'pa55' });
    expect((await c.print('/system/identity'))[0]?.name).toBe('MikroTik');
    expect(s.commandLog.filter((x) => x === '/login')).toHaveLength(2);
    const wrong = client(s, { username: 'old', password: 'nope' });
    await expect(wrong.connect()).rejects.toBeInstanceOf(RouterAuthError);
  });

  it('refuses wrong credentials with RouterAuthError and never puts the password in the error', async () => {
    const s = await sim({ users: [{ name: 'admin', password: 'correct horse' }] });
    const c = client(s, { password: 'wrong battery' });
    const error = await c.connect().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(RouterAuthError);
    expect(String(error)).not.toContain('wrong battery');
    expect(JSON.stringify(error)).not.toContain('wrong battery');
  });

  it('speaks API-SSL with a pinned fingerprint and refuses a different certificate', async () => {
    const s = await sim({ apiSslPort: 0 });
    const fp = s.certificate?.fingerprint256 as string;
    const ok = client(s, {
      tls: true,
      port: s.apiSslPort as number,
      fingerprint: fp.toLowerCase().replace(/:/g, ''),
    });
    expect((await ok.print('/system/identity'))[0]?.name).toBe('MikroTik');
    const bad = client(s, { tls: true, port: s.apiSslPort as number, fingerprint: 'AB'.repeat(32) });
    await expect(bad.connect()).rejects.toBeInstanceOf(RouterTlsError);
    // Without a pin the self-signed certificate fails verification unless its CA is given.
    const unpinned = client(s, { tls: true, port: s.apiSslPort as number });
    await expect(unpinned.connect()).rejects.toBeInstanceOf(RouterTlsError);
    const withCa = client(s, { tls: true, port: s.apiSslPort as number, ca: s.certificate?.cert });
    expect((await withCa.print('/system/identity')).length).toBe(1);
  });

  it('defaults to 8729 with TLS and 8728 without', () => {
    expect(defaultPort({ tls: true })).toBe(8729);
    expect(defaultPort({ tls: false })).toBe(8728);
    expect(defaultPort({ tls: true, port: 1234 })).toBe(1234);
  });

  it('times out a stalled command, cancels it on the router and keeps the connection', async () => {
    const s = await sim();
    const c = client(s, { timeoutMs: 300 });
    await c.connect();
    s.faults.set({ stall: '/ip/firewall/filter/print' });
    const error = await c.print('/ip/firewall/filter').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouterTimeoutError);
    expect(error).toMatchObject({ code: 'router_timeout', timeoutMs: 300 });
    s.faults.set({ stall: null });
    expect((await c.print('/system/identity'))[0]?.name).toBe('MikroTik');
    expect(s.commandLog).toContain('/cancel');
    expect(s.connectionCount()).toBe(1);
  });

  it('cancels a command through an AbortSignal', async () => {
    const s = await sim();
    const c = client(s);
    await c.connect();
    s.faults.set({ stall: '/ip/firewall/nat/print' });
    const abort = new AbortController();
    const pending = c.print('/ip/firewall/nat', { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    expect(await pending).toBeInstanceOf(RouterCancelledError);
  });

  it('fails every in-flight command when the router drops the connection, then reconnects', async () => {
    const s = await sim();
    const c = client(s);
    const connected: number[] = [];
    c.on('connected', () => connected.push(Date.now()));
    await c.connect();
    // Two prints the router holds without an answer, then an add after which it drops the connection.
    s.faults.set({
      stall: '/print',
      dropAfter: { command: '/address-list/add', phase: 'after-apply', times: 1 },
    });
    const filter = c.print('/ip/firewall/filter').catch((e: unknown) => e);
    const nat = c.print('/ip/firewall/nat').catch((e: unknown) => e);
    await vi.waitFor(() =>
      expect(s.commandLog).toEqual(
        expect.arrayContaining(['/ip/firewall/filter/print', '/ip/firewall/nat/print']),
      ),
    );
    const add = c.add(AL, { list: 'kg', address: '192.0.2.1' }).catch((e: unknown) => e);
    const errors = await Promise.all([filter, nat, add]);
    for (const error of errors) expect(error).toBeInstanceOf(RouterConnectionError);
    s.faults.set({ stall: null });
    // The add was applied before the drop: a retry meets the duplicate (callers adopt it).
    const retry = await c.add(AL, { list: 'kg', address: '192.0.2.1' }).catch((e: unknown) => e);
    expect(retry).toMatchObject({ isDuplicate: true });
    expect(connected.length).toBe(2);
  });

  it('turns a garbage reply into RouterProtocolError', async () => {
    const s = await sim();
    const c = client(s);
    s.faults.set({ garbage: '/system/resource/print' });
    await expect(c.print('/system/resource')).rejects.toBeInstanceOf(RouterProtocolError);
  });

  it('opens the circuit after repeated failures, fails fast, and closes when the router is back', async () => {
    const s = await sim({ faults: { refuseConnections: true } });
    const c = client(s, { breaker: { failureThreshold: 3, resetTimeoutMs: 200 } });
    for (let i = 0; i < 3; i += 1) {
      await expect(c.print('/system/identity')).rejects.toBeInstanceOf(RouterConnectionError);
    }
    expect(c.breakerState).toBe('open');
    await expect(c.print('/system/identity')).rejects.toBeInstanceOf(RouterCircuitOpenError);
    s.faults.set({ refuseConnections: false });
    await new Promise((r) => setTimeout(r, 250));
    expect((await c.print('/system/identity'))[0]?.name).toBe('MikroTik');
    expect(c.breakerState).toBe('closed');
  });

  it('reconnects in the background after a drop and emits connected', async () => {
    const s = await sim();
    const c = client(s);
    await c.connect();
    const back = new Promise<void>((resolve) => c.once('connected', () => resolve()));
    await s.reboot();
    await back;
    expect(c.state).toBe('ready');
    expect(s.connectionCount()).toBe(1);
  });

  it('keepalive notices a session the router closed while idle', async () => {
    const s = await sim();
    const c = client(s, { keepaliveMs: 100 });
    await c.connect();
    const dropped = new Promise<Error | null>((resolve) => c.once('disconnected', resolve));
    s.faults.set({ idleCloseMs: 50 });
    expect(await dropped).toBeInstanceOf(RouterConnectionError);
  });

  it('rejects calls after close with RouterClosedError', async () => {
    const c = client(await sim());
    await c.connect();
    await c.close();
    await expect(c.print('/system/identity')).rejects.toBeInstanceOf(RouterClosedError);
    expect(c.state).toBe('closed');
  });
});
