import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawSession } from './raw-session';
import { type Simulator, startSimulator } from './server';

const AL = '/ip/firewall/address-list';
let s: Simulator;
const open: RawSession[] = [];

async function session(login = true): Promise<RawSession> {
  const r = await RawSession.open(s.apiPort);
  open.push(r);
  if (login) await r.login();
  return r;
}

/** A connection that is reset at once (or never gets a byte) counts as refused. */
async function refused(): Promise<boolean> {
  try {
    const r = await RawSession.open(s.apiPort);
    open.push(r);
    r.send(['/login', '=name=admin', '=password=']);
    return (await r.read(500)) === null && r.closed;
  } catch {
    return true;
  }
}

beforeEach(async () => {
  s = await startSimulator({ apiSslPort: null });
});

afterEach(async () => {
  for (const r of open.splice(0)) r.close();
  await s.close();
});

describe('fault injection', () => {
  it('latency delays replies without reordering tagged answers', async () => {
    const r = await session();
    s.faults.set({ latencyMs: 150 });
    const started = Date.now();
    r.send(['/system/identity/print', '.tag=1']);
    r.send(['/system/resource/print', '=.proplist=platform', '.tag=2']);
    // Every sentence in the order it arrived, up to the second command's `!done`.
    const replies = [...(await r.until('1')), ...(await r.until('2'))];
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const tagged = (tag: string) => replies.filter((words) => words.includes(`.tag=${tag}`));
    // Each answer keeps its own order: its row, then its `!done`, nothing else.
    expect(tagged('1')).toEqual([
      ['!re', '=name=MikroTik', '.tag=1'],
      ['!done', '.tag=1'],
    ]);
    expect(tagged('2')).toEqual([
      ['!re', '=platform=MikroTik', '.tag=2'],
      ['!done', '.tag=2'],
    ]);
    expect(replies).toHaveLength(4);
    // Both commands wait the same delay, so the one sent first is answered first and finishes first.
    // (Tagged answers may interleave, as on RouterOS: tag 2's row may come before tag 1's `!done`.)
    expect(replies[0]).toEqual(['!re', '=name=MikroTik', '.tag=1']);
    expect(replies.at(-1)).toEqual(['!done', '.tag=2']);
  });

  it('dropAfter after-apply: the add is on the router but the client never gets !done', async () => {
    const r = await session();
    s.faults.set({ dropAfter: { command: '/address-list/add', phase: 'after-apply', times: 1 } });
    expect(await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1'])).toEqual([]);
    expect(r.closed).toBe(true);
    expect(
      s
        .addressList()
        .entries(s.state.ctx)
        .map((e) => e.address),
    ).toEqual(['192.0.2.1']);
    const again = await session();
    expect((await again.call([`${AL}/add`, '=list=kg', '=address=192.0.2.2']))[0]?.[0]).toBe('!done');
  });

  it('dropAfter before-apply: the connection drops and nothing changed', async () => {
    const r = await session();
    s.faults.set({ dropAfter: { command: '/address-list/add', phase: 'before-apply', times: 1 } });
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1']);
    expect(r.closed).toBe(true);
    expect(s.addressList().size).toBe(0);
  });

  it('refuseConnections resets new connections until turned off', async () => {
    s.faults.set({ refuseConnections: true });
    expect(await refused()).toBe(true);
    s.faults.set({ refuseConnections: false });
    const ok = await session(false);
    expect(await ok.login()).toEqual([['!done']]);
  });

  it('split writes every reply one byte at a time', async () => {
    const r = await session();
    s.faults.set({ split: { chunkBytes: 1, pauseMs: 2 } });
    const before = r.chunks;
    const reply = await r.call(['/system/identity/print']);
    expect(reply).toEqual([['!re', '=name=MikroTik'], ['!done']]);
    // 21 bytes for "!re =name=MikroTik" + terminators and 7 for "!done": mostly separate reads.
    expect(r.chunks - before).toBeGreaterThan(10);
  });

  it('idleCloseMs closes a silent connection', async () => {
    s.faults.set({ idleCloseMs: 100 });
    const r = await session();
    expect(await r.read(1000)).toBeNull();
    expect(r.closed).toBe(true);
  });

  it('fatalOnLogin answers /login with !fatal and closes', async () => {
    s.faults.set({ fatalOnLogin: 'too many commands before login' });
    const r = await session(false);
    expect(await r.login()).toEqual([['!fatal', 'too many commands before login']]);
    expect(await r.read(500)).toBeNull();
    expect(r.closed).toBe(true);
  });

  it('garbage answers a command with bytes that are not sentences', async () => {
    const r = await session();
    s.faults.set({ garbage: '/identity/print' });
    const reply = await r.call(['/system/identity/print']);
    expect(reply[reply.length - 1]?.[0]).toBe('<protocol-error>');
  });

  it('closes a session that sends bytes that are not sentences', async () => {
    const r = await session();
    (r as unknown as { socket: import('node:net').Socket }).socket.write(Buffer.from([0xf8, 1, 2, 3]));
    expect(await r.read(1000)).toBeNull();
    expect(r.closed).toBe(true);
    const ok = await session();
    expect((await ok.call(['/system/identity/print']))[0]).toEqual(['!re', '=name=MikroTik']);
  });

  it('reboot with downMs refuses connections while the router is down', async () => {
    const reboot = s.reboot({ downMs: 300 });
    expect(await refused()).toBe(true);
    await reboot;
    const after = await session(false);
    expect(await after.login()).toEqual([['!done']]);
  });
});
