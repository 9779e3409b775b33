import { afterEach, describe, expect, it } from 'vitest';
import { challengeResponse } from '@/lib/routeros/connection';
import { ManualClock } from './clock';
import { RawSession } from './raw-session';
import { staticResolver } from './router';
import { type Simulator, type SimulatorOptions, startSimulator } from './server';

const AL = '/ip/firewall/address-list';
let sims: Simulator[] = [];
let sessions: RawSession[] = [];

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ apiSslPort: null, ...options });
  sims.push(s);
  return s;
}

async function session(s: Simulator, login = true): Promise<RawSession> {
  const r = await RawSession.open(s.apiPort);
  sessions.push(r);
  if (login) expect(await r.login()).toEqual([['!done']]);
  return r;
}

afterEach(async () => {
  for (const r of sessions) r.close();
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
  sessions = [];
});

function attrs(sentence: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of sentence ?? []) {
    const m = /^=([^=]*)=(.*)$/s.exec(w);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

describe('login', () => {
  it('accepts the 6.43+ login and refuses a wrong password with trap (6) then !done', async () => {
    const s = await sim({
      users: [{ name: 'knock', password: 's3cret', policies: ['api', 'read', 'write'] }],
    });
    const r = await session(s, false);
    expect(await r.login('knock', 'wrong')).toEqual([
      ['!trap', '=message=invalid user name or password (6)'],
      ['!done'],
    ]);
    expect(await r.login('nobody', '')).toEqual([
      ['!trap', '=message=invalid user name or password (6)'],
      ['!done'],
    ]);
    expect(await r.login('knock', 's3cret')).toEqual([['!done']]);
  });

  it('refuses commands before login', async () => {
    const r = await session(await sim(), false);
    expect(await r.call(['/system/identity/print'])).toEqual([
      ['!trap', '=message=not logged in'],
      ['!done'],
    ]);
  });

  it('answers the legacy MD5 challenge in 6.49 mode', async () => {
    const s = await sim({ version: '6.49', users: [{ name: 'old', password: 'pw' }] });
    const r = await session(s, false);
    const [challenge] = await r.call(['/login']);
    const ret = attrs(challenge).ret as string;
    expect(ret).toMatch(/^[0-9a-f]{32}$/);
    expect(await r.call(['/login', '=name=old', `=response=${challengeResponse('wrong', ret)}`])).toEqual([
      ['!trap', '=message=invalid user name or password (6)'],
      ['!done'],
    ]);
    const [again] = await r.call(['/login']);
    const ret2 = attrs(again).ret as string;
    expect(await r.call(['/login', '=name=old', `=response=${challengeResponse('pw', ret2)}`])).toEqual([
      ['!done'],
    ]);
  });

  it('does not hand out a challenge in 7.x mode', async () => {
    const r = await session(await sim({ version: '7.15' }), false);
    expect(await r.call(['/login'])).toEqual([
      ['!trap', '=message=invalid user name or password (6)'],
      ['!done'],
    ]);
  });

  it('refuses a user without the api policy', async () => {
    const s = await sim({ users: [{ name: 'web', password: '', policies: ['read', 'write'] }] });
    const r = await session(s, false);
    expect((await r.login('web', ''))[0]?.[0]).toBe('!trap');
  });
});

describe('replies', () => {
  it('add returns =ret=*HEX; .tag is echoed on every reply', async () => {
    const r = await session(await sim());
    const add = await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1'], 'a1');
    expect(add).toEqual([['!done', '=ret=*1', '.tag=a1']]);
    const print = await r.call([`${AL}/print`, '=.proplist=.id,address'], 'p');
    expect(print).toEqual([
      ['!re', '=.id=*1', '=address=192.0.2.1', '.tag=p'],
      ['!done', '.tag=p'],
    ]);
  });

  it('7.18+: an empty print starts with !empty and ends with !done', async () => {
    const r = await session(await sim({ version: '7.18' }));
    expect(await r.call([`${AL}/print`], 't')).toEqual([
      ['!empty', '.tag=t'],
      ['!done', '.tag=t'],
    ]);
  });

  it.each(['6.49', '7.15'])('%s: an empty print is a bare !done', async (version) => {
    const r = await session(await sim({ version }));
    expect(await r.call([`${AL}/print`], 't')).toEqual([['!done', '.tag=t']]);
  });

  it('traps carry =message= (and =category= where RouterOS sends one) then !done', async () => {
    const r = await session(await sim());
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1']);
    expect(await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1'], 'd')).toEqual([
      ['!trap', '=message=failure: already have such entry', '.tag=d'],
      ['!done', '.tag=d'],
    ]);
    expect(await r.call(['/nonexistent/print'], 'n')).toEqual([
      ['!trap', '=category=0', '=message=no such command prefix', '.tag=n'],
      ['!done', '.tag=n'],
    ]);
    expect(await r.call([`${AL}/remove`, '=.id=*99'], 'r')).toEqual([
      ['!trap', '=message=no such item (4)', '.tag=r'],
      ['!done', '.tag=r'],
    ]);
  });

  it('6.49 says "no such item" without the number', async () => {
    const r = await session(await sim({ version: '6.49' }));
    expect((await r.call([`${AL}/remove`, '=.id=*99']))[0]).toEqual(['!trap', '=message=no such item']);
  });

  it('/quit answers !fatal and closes', async () => {
    const r = await session(await sim());
    expect(await r.call(['/quit'])).toEqual([['!fatal', 'session terminated on request']]);
    expect(await r.read(500)).toBeNull();
    expect(r.closed).toBe(true);
  });

  it('runs several tagged commands at once and /cancel interrupts one', async () => {
    const s = await sim();
    const r = await session(s);
    s.faults.set({ stall: '/ip/firewall/filter/print' });
    r.send(['/ip/firewall/filter/print', '.tag=slow']);
    expect(await r.call(['/system/identity/print'], 'fast')).toEqual([
      ['!re', '=name=MikroTik', '.tag=fast'],
      ['!done', '.tag=fast'],
    ]);
    const cancel = await r.call(['/cancel', '=tag=slow'], 'c');
    const more = await r.until('slow');
    const all = [...cancel, ...more];
    expect(all).toContainEqual(['!done', '.tag=c']);
    expect(all).toContainEqual(['!trap', '=category=2', '=message=interrupted', '.tag=slow']);
    expect(all).toContainEqual(['!done', '.tag=slow']);
  });

  it('print supports .proplist, queries and count-only', async () => {
    const s = await sim();
    const r = await session(s);
    for (const [i, list] of ['a', 'b', 'a', 'c'].entries()) {
      await r.call([`${AL}/add`, `=list=${list}`, `=address=10.0.0.${i + 1}`, `=comment=n${i}`]);
    }
    const or = await r.call([`${AL}/print`, '=.proplist=address', '?list=a', '?list=c', '?#|']);
    expect(or.map((x) => x[1])).toEqual([
      '=address=10.0.0.1',
      '=address=10.0.0.3',
      '=address=10.0.0.4',
      undefined,
    ]);
    const notA = await r.call([`${AL}/print`, '=.proplist=list', '?list=a', '?#!']);
    expect(notA.filter((x) => x[0] === '!re').map((x) => x[1])).toEqual(['=list=b', '=list=c']);
    expect(await r.call([`${AL}/print`, '=count-only=', '?list=a'])).toEqual([['!done', '=ret=2']]);
  });
});

describe('address lists', () => {
  it('counts timeouts down with the injected clock and expires entries', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const r = await session(s);
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.7', '=timeout=1h', '=comment=knockgate:1']);
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.8', '=timeout=00:05:00']);
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.9']);
    let print = await r.call([`${AL}/print`]);
    expect(attrs(print[0])).toMatchObject({
      address: '192.0.2.7',
      timeout: '1h',
      dynamic: 'true',
      disabled: 'false',
    });
    expect(attrs(print[1])).toMatchObject({ address: '192.0.2.8', timeout: '5m', dynamic: 'true' });
    expect(attrs(print[2])).toMatchObject({ address: '192.0.2.9', dynamic: 'false' });
    expect(attrs(print[2]).timeout).toBeUndefined();

    clock.advance(4 * 60_000 + 30_000);
    print = await r.call([`${AL}/print`]);
    expect(attrs(print[0]).timeout).toBe('55m30s');
    expect(attrs(print[1]).timeout).toBe('30s');

    clock.advance(30_000);
    print = await r.call([`${AL}/print`, '=.proplist=address']);
    expect(print.map((x) => x[1])).toEqual(['=address=192.0.2.7', '=address=192.0.2.9', undefined]);
    expect(
      s
        .addressList()
        .entries(s.state.ctx)
        .map((e) => e.address),
    ).toEqual(['192.0.2.7', '192.0.2.9']);
  });

  it('refuses timeouts beyond 35w3d13h13m56s and accepts the maximum', async () => {
    const r = await session(await sim());
    expect(
      (await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1', '=timeout=35w3d13h13m57s']))[0]?.[0],
    ).toBe('!trap');
    expect(
      (await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1', '=timeout=35w3d13h13m56s']))[0]?.[0],
    ).toBe('!done');
    expect(attrs((await r.call([`${AL}/print`]))[0]).timeout).toBe('35w3d13h13m56s');
  });

  it('set changes the timeout; set of the comment keeps the countdown', async () => {
    const clock = new ManualClock();
    const r = await session(await sim({ clock }));
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.7', '=timeout=10m']);
    clock.advance(60_000);
    await r.call([`${AL}/set`, '=.id=*1', '=comment=knockgate:9']);
    expect(attrs((await r.call([`${AL}/print`]))[0])).toMatchObject({
      timeout: '9m',
      comment: 'knockgate:9',
    });
    await r.call([`${AL}/set`, '=.id=*1', '=timeout=1d']);
    expect(attrs((await r.call([`${AL}/print`]))[0]).timeout).toBe('1d');
  });

  it('normalises networks and refuses duplicates of the normalised value', async () => {
    const r = await session(await sim());
    await r.call([`${AL}/add`, '=list=kg', '=address=192.168.1.7/24']);
    expect(attrs((await r.call([`${AL}/print`]))[0]).address).toBe('192.168.1.0/24');
    expect((await r.call([`${AL}/add`, '=list=kg', '=address=192.168.1.99/24']))[0]).toEqual([
      '!trap',
      '=message=failure: already have such entry',
    ]);
    expect((await r.call([`${AL}/add`, '=list=other', '=address=192.168.1.0/24']))[0]?.[0]).toBe('!done');
    expect((await r.call([`${AL}/add`, '=list=kg', '=address=300.1.1.1']))[0]).toEqual([
      '!trap',
      '=category=1',
      '=message=invalid value for argument address',
    ]);
  });

  it('keeps IPv6 entries in /ipv6/firewall/address-list', async () => {
    const r = await session(await sim());
    await r.call(['/ipv6/firewall/address-list/add', '=list=kg', '=address=2001:db8::7', '=timeout=1h']);
    const [row] = await r.call(['/ipv6/firewall/address-list/print']);
    expect(attrs(row)).toMatchObject({ address: '2001:db8::7/128', list: 'kg', dynamic: 'true' });
    expect((await r.call([`${AL}/add`, '=list=kg', '=address=2001:db8::7']))[0]?.[0]).toBe('!trap');
  });

  it('prints creation-time in the date format of the version', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 9, 30, 5));
    const v6 = await session(await sim({ clock, version: '6.49' }));
    await v6.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1']);
    expect(attrs((await v6.call([`${AL}/print`]))[0])['creation-time']).toBe('nov/26/2026 09:30:05');
    const v7 = await session(await sim({ clock, version: '7.15' }));
    await v7.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1']);
    expect(attrs((await v7.call([`${AL}/print`]))[0])['creation-time']).toBe('2026-11-26 09:30:05');
  });

  it('reboot drops dynamic entries only and closes connections', async () => {
    const s = await sim();
    const r = await session(s);
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1', '=timeout=1h']);
    await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.2']);
    await r.call(['/ip/firewall/filter/add', '=chain=input', '=action=drop']);
    await s.reboot();
    expect(await r.read(1000)).toBeNull();
    expect(r.closed).toBe(true);
    const again = await session(s);
    const print = await again.call([`${AL}/print`, '=.proplist=address']);
    expect(print.map((x) => x[1])).toEqual(['=address=192.0.2.2', undefined]);
    expect((await again.call(['/ip/firewall/filter/print', '=count-only=']))[0]).toEqual(['!done', '=ret=1']);
    const uptime = attrs((await again.call(['/system/resource/print']))[0]).uptime;
    expect(uptime).toBe('0s');
  });

  it('resolves DNS-name entries into dynamic children that follow the answer', async () => {
    const resolver = staticResolver({ 'home.example.net': ['198.51.100.1', '198.51.100.2', '2001:db8::1'] });
    const s = await sim({ resolver });
    const r = await session(s);
    await r.call([
      `${AL}/add`,
      '=list=kg',
      '=address=home.example.net',
      '=comment=knockgate:5',
      '=timeout=1h',
    ]);
    await s.refreshDns();
    const view = () =>
      s
        .addressList()
        .entries(s.state.ctx)
        .map((e) => [e.address, e.dynamic, e.parentId, e.comment]);
    expect(view()).toEqual([
      ['home.example.net', true, null, 'knockgate:5'],
      ['198.51.100.1', true, '*1', 'home.example.net'],
      ['198.51.100.2', true, '*1', 'home.example.net'],
    ]);
    expect(s.addressList().contains('kg', '198.51.100.2', s.state.ctx)).toBe(true);

    resolver.set('home.example.net', ['198.51.100.2', '198.51.100.3']);
    await s.refreshDns();
    expect(view().map((v) => v[0])).toEqual(['home.example.net', '198.51.100.2', '198.51.100.3']);
    expect(s.addressList().contains('kg', '198.51.100.1', s.state.ctx)).toBe(false);

    // Children are the router's: a client cannot remove them; removing the name removes them.
    expect((await r.call([`${AL}/remove`, '=.id=*4']))[0]?.[0]).toBe('!trap');
    await r.call([`${AL}/remove`, '=.id=*1']);
    expect(view()).toEqual([]);
  });

  it('after a reboot, a static name entry is resolved again', async () => {
    const resolver = staticResolver({ 'gw.example.net': ['203.0.113.9'] });
    const s = await sim({ resolver });
    const r = await session(s);
    await r.call([`${AL}/add`, '=list=kg', '=address=gw.example.net']);
    await s.refreshDns();
    await s.reboot();
    await s.refreshDns();
    expect(
      s
        .addressList()
        .entries(s.state.ctx)
        .map((e) => e.address),
    ).toEqual(['gw.example.net', '203.0.113.9']);
  });

  it('gives the firewall engine dynamic entries through addDynamic (refreshing an existing one)', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const ctx = () => s.state.ctx;
    const first = s
      .addressList()
      .addDynamic({ list: 'knock1', address: '192.0.2.50', timeoutSeconds: 30 }, ctx());
    expect(first).toMatchObject({ list: 'knock1', dynamic: true, timeoutSeconds: 30 });
    clock.advance(20_000);
    const again = s
      .addressList()
      .addDynamic({ list: 'knock1', address: '192.0.2.50', timeoutSeconds: 30 }, ctx());
    expect(again.id).toBe(first.id);
    expect(again.timeoutSeconds).toBe(30);
    clock.advance(31_000);
    expect(s.addressList().contains('knock1', '192.0.2.50', ctx())).toBe(false);
  });
});

describe('permissions', () => {
  it('a user without write gets a trap on add and remove but can print', async () => {
    const s = await sim({ users: [{ name: 'ro', password: 'x', policies: ['api', 'read'] }] });
    const r = await session(s, false);
    await r.login('ro', 'x');
    expect(await r.call([`${AL}/add`, '=list=kg', '=address=192.0.2.1'])).toEqual([
      ['!trap', '=message=not enough permissions (9)'],
      ['!done'],
    ]);
    expect((await r.call([`${AL}/remove`, '=.id=*1']))[0]).toEqual([
      '!trap',
      '=message=not enough permissions (9)',
    ]);
    expect((await r.call([`${AL}/print`]))[0]?.[0]).toBe('!empty');
  });
});

describe('system menus', () => {
  it('prints and sets the identity, prints the resource with the version', async () => {
    const r = await session(await sim({ identity: 'office-gw', version: '7.15' }));
    expect(await r.call(['/system/identity/print'])).toEqual([['!re', '=name=office-gw'], ['!done']]);
    await r.call(['/system/identity/set', '=name=lab']);
    expect((await r.call(['/system/identity/print']))[0]).toEqual(['!re', '=name=lab']);
    expect(attrs((await r.call(['/system/resource/print']))[0]).version).toBe('7.15 (stable)');
  });
});
