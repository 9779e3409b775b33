import { and, count, eq, isNull } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, devices, grants, rateEvents, users } from '@/lib/db/schema';
import { createDevice, revokeDevice, rotateDeviceToken } from '@/lib/devices/service';
import { openAccessForUser } from '@/lib/grants/access';
import { type EntryLocks, postgresEntryLocks } from '@/lib/grants/key-lock';
import { retryDueGrants } from '@/lib/grants/service';
import { grantTag } from '@/lib/grants/tag';
import type { IpAddress } from '@/lib/net/ip';
import { savePolicy } from '@/lib/policies/service';
import { actorFor, makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
} from '@/tests/router-fixture';
import { DDNS_MAX_UPDATES_PER_WINDOW, handleDyndnsUpdate, parseBasicAuth } from './update';

/**
 * The DynDNS2 endpoint's logic through the real parts: a migrated database (PGlite or
 * PostgreSQL) and the simulated RouterOS over TCP. The HTTP route and the real clients (ddclient,
 * inadyn) are exercised in e2e/ddns.spec.ts.
 */
let db: DatabaseHandle;
let fx: RouterFixture;

routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
});

const LOOPBACK: IpAddress = { family: 4, address: '127.0.0.1' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let n = 0;
async function ownerWithDevice(options: { allowDevices?: boolean; maxDuration?: number } = {}) {
  n += 1;
  const user = await makeUser(db.db);
  const policy = await savePolicy(db.db, fixtureActor, null, {
    name: `ddns-${n}-${user.id.slice(0, 8)}`,
    subject: `user:${user.id}`,
    defaultDuration: 600,
    maxDuration: options.maxDuration ?? 7200,
    knockOnSignIn: false,
    directAccess: true,
    allowDevices: true,
    targets: [fx.router.id],
  });
  if (!policy.ok) throw new Error(policy.error.message);
  const created = await createDevice(db.db, user, actorFor(user), {
    name: `nas-${n}.dyn.example.net`,
    routerId: null,
  });
  if (!created.ok) throw new Error(created.error.message);
  if (options.allowDevices === false) {
    await savePolicy(db.db, fixtureActor, policy.value.id, {
      name: policy.value.name,
      subject: `user:${user.id}`,
      defaultDuration: 600,
      maxDuration: 7200,
      knockOnSignIn: false,
      directAccess: true,
      allowDevices: false,
      targets: [fx.router.id],
    });
  }
  const { device, token } = created.value;
  const auth = basic(user.username, token);
  /** `caller` null: the request carries no trusted client address. */
  const update = (query: string, caller: IpAddress | null = LOOPBACK, authorization = auth) =>
    handleDyndnsUpdate(fx.ctx, {
      authorization,
      query,
      clientAddress: caller ?? undefined,
      userAgent: 'vitest',
    });
  return { user, device, token, auth, update };
}

/** Everything an update could change, to show that a refused one changed nothing. */
async function snapshot() {
  const [audit] = await db.db.select({ n: count() }).from(auditEvents);
  const [rate] = await db.db.select({ n: count() }).from(rateEvents);
  return {
    audit: audit!.n,
    rate: rate!.n,
    grants: await db.db.select().from(grants).orderBy(grants.id),
    devices: await db.db.select().from(devices).orderBy(devices.id),
    ip: routerEntries(fx.sim, 'knockgate', 'ip').map((e) => [e.address, e.comment]),
    ipv6: routerEntries(fx.sim, 'knockgate', 'ipv6').map((e) => [e.address, e.comment]),
  };
}

const onRouter = (address: string, family: 'ip' | 'ipv6' = 'ip') =>
  routerEntries(fx.sim, 'knockgate', family).filter(
    (e) => e.address === address || e.address === `${address}/128`,
  );

async function liveDeviceGrants(deviceId: string) {
  return (await db.db.select().from(grants).where(eq(grants.deviceId, deviceId))).filter((g) =>
    ['pending', 'active', 'revoke_pending'].includes(g.status),
  );
}

describe('updates move the grant', () => {
  it('good → the address is on the list, tagged, for the policy maximum; the same address again → nochg', async () => {
    const d = await ownerWithDevice();
    const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.10`);
    expect(res).toMatchObject({ status: 200, body: 'good 198.51.100.10' });
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const [grant] = await liveDeviceGrants(d.device.id);
    expect(grant).toMatchObject({
      address: '198.51.100.10',
      source: 'ddns',
      status: 'active',
      userId: d.user.id,
    });
    const entries = onRouter('198.51.100.10');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(grant!.id));
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(7200 - 5);

    const again = await d.update(
      `system=dyndns&hostname=${d.device.name.toUpperCase()}&myip=198.51.100.10&wildcard=ON`,
    );
    expect(again.body).toBe('nochg 198.51.100.10');
    expect(onRouter('198.51.100.10')).toHaveLength(1);
    expect(await liveDeviceGrants(d.device.id)).toHaveLength(1);

    const audit = await db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'ddns.update'), eq(auditEvents.targetId, d.device.id)));
    expect(audit.map((a) => a.details.result)).toEqual(['good', 'nochg']);
    expect(audit[0]!.actor).toBe(`device:${d.device.name}`);
    const [device] = await db.db.select().from(devices).where(eq(devices.id, d.device.id));
    expect(device!.lastAddress4).toBe('198.51.100.10');
    expect(device!.lastUpdateAt).not.toBeNull();
  });

  it('a new address: new entry added and confirmed, old entry removed (both tagged), old grant revoked', async () => {
    const d = await ownerWithDevice();
    await d.update(`hostname=${d.device.name}&myip=198.51.100.20`);
    const [old] = await liveDeviceGrants(d.device.id);
    const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.21`);
    expect(res.body).toBe('good 198.51.100.21');
    expect(onRouter('198.51.100.20')).toEqual([]);
    const [now] = await liveDeviceGrants(d.device.id);
    expect(now).toMatchObject({ address: '198.51.100.21', status: 'active' });
    expect(onRouter('198.51.100.21').map((e) => e.comment)).toEqual([grantTag(now!.id)]);
    const [before] = await db.db.select().from(grants).where(eq(grants.id, old!.id));
    expect(before!.status).toBe('revoked');
    const trail = await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, old!.id));
    expect(trail.map((a) => a.action)).toEqual(['grant.open', 'grant.revoke', 'grant.revoke_confirmed']);
  });

  it('IPv6 through myipv6 and through an IPv6 myip goes to the IPv6 list; IPv4 stays', async () => {
    const d = await ownerWithDevice();
    await d.update(`hostname=${d.device.name}&myip=198.51.100.30`);
    const v6 = await d.update(`hostname=${d.device.name}&myipv6=2001:DB8::30`);
    expect(v6.body).toBe('good 2001:db8::30');
    expect(onRouter('2001:db8::30', 'ipv6')).toHaveLength(1);
    expect(onRouter('198.51.100.30')).toHaveLength(1);
    const moved = await d.update(`hostname=${d.device.name}&myip=2001:db8::31`);
    expect(moved.body).toBe('good 2001:db8::31');
    expect(onRouter('2001:db8::30', 'ipv6')).toEqual([]);
    expect(onRouter('2001:db8::31', 'ipv6')).toHaveLength(1);
    const both = await d.update(`hostname=${d.device.name}&myip=198.51.100.31,2001:db8::32`);
    expect(both.body).toBe('good 198.51.100.31,2001:db8::32');
    expect(onRouter('198.51.100.30')).toEqual([]);
    expect(onRouter('2001:db8::31', 'ipv6')).toEqual([]);
    expect((await liveDeviceGrants(d.device.id)).map((g) => g.address).sort()).toEqual([
      '198.51.100.31',
      '2001:db8::32',
    ]);
  });

  it('without myip the caller address is used', async () => {
    const d = await ownerWithDevice();
    const res = await d.update(`hostname=${d.device.name}`, { family: 4, address: '203.0.113.40' });
    expect(res.body).toBe('good 203.0.113.40');
    expect(onRouter('203.0.113.40')).toHaveLength(1);
    // No trusted address (a request that did not come through server.ts): a server problem.
    const unknown = await d.update(`hostname=${d.device.name}`, null);
    expect(unknown.body).toBe('911');
    expect(onRouter('203.0.113.40')).toHaveLength(1);
  });

  it('several host names: one answer line each, only the device itself is updated', async () => {
    const d = await ownerWithDevice();
    const res = await d.update(`hostname=other.example.net,${d.device.name},bad_name&myip=198.51.100.50`);
    expect(res.body).toBe('nohost\ngood 198.51.100.50\nnotfqdn');
  });
});

describe('refused updates change nothing', () => {
  it('wrong token, wrong user name, no or garbled credentials → badauth (401 with a challenge)', async () => {
    const d = await ownerWithDevice();
    await d.update(`hostname=${d.device.name}&myip=198.51.100.60`);
    const other = await ownerWithDevice();
    const before = await snapshot();
    const query = `hostname=${d.device.name}&myip=198.51.100.61`;
    for (const authorization of [
      basic(d.user.username, `${d.token}x`),
      basic(d.user.username, other.token),
      basic(other.user.username, d.token),
      basic(d.user.username, ''),
      null,
      'Basic',
      'Basic !!!',
      `Bearer ${d.token}`,
      `Basic ${Buffer.from(d.token).toString('base64')}`,
      `Basic ${'A'.repeat(2000)}`,
    ]) {
      const res = await d.update(query, LOOPBACK, authorization as string);
      expect(res.status, String(authorization)).toBe(401);
      expect(res.body).toBe('badauth');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
    expect(await snapshot()).toEqual(before);
    expect(onRouter('198.51.100.60')).toHaveLength(1);
  });

  it('unknown host → nohost; missing or invalid host name → notfqdn; too many → numhost', async () => {
    const d = await ownerWithDevice();
    const other = await ownerWithDevice();
    const before = await snapshot();
    expect((await d.update('hostname=nothere.dyn.example.net&myip=198.51.100.70')).body).toBe('nohost');
    // Another user's device is "no such host" for this token too.
    expect((await d.update(`hostname=${other.device.name}&myip=198.51.100.70`)).body).toBe('nohost');
    expect((await d.update('myip=198.51.100.70')).body).toBe('notfqdn');
    expect((await d.update('hostname=&myip=198.51.100.70')).body).toBe('notfqdn');
    expect((await d.update('hostname=*.example.net&myip=198.51.100.70')).body).toBe('notfqdn');
    expect((await d.update('hostname=198.51.100.1&myip=198.51.100.70')).body).toBe('notfqdn');
    const many = Array.from({ length: 21 }, (_, i) => `h${i}.example.net`).join(',');
    expect((await d.update(`hostname=${many}&myip=198.51.100.70`)).body).toBe('numhost');
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    'myip=198.51.100',
    'myip=300.1.1.1',
    'myip=example.net',
    'myip=198.51.100.1/24',
    'myip=0.0.0.0',
    'myip=255.255.255.255',
    'myip=224.0.0.1',
    'myip=::',
    'myip=ff02::1',
    'myip=fe80::1%25eth0',
    'myip=198.51.100.1,198.51.100.2',
    'myip=198.51.100.1,2001:db8::1,2001:db8::2',
    'myipv6=198.51.100.1',
    'myipv6=nonsense',
    'myip=198.51.100.1&myip=198.51.100.2',
    'myip=%00',
    'myip=%zz',
  ])('malformed address %s → badagent, nothing written', async (bad) => {
    const d = await ownerWithDevice();
    await d.update(`hostname=${d.device.name}&myip=198.51.100.80`);
    const before = await snapshot();
    const res = await d.update(`hostname=${d.device.name}&${bad}`);
    expect(res).toMatchObject({ status: 200, body: 'badagent' });
    expect(await snapshot()).toEqual(before);
  });

  it('an over-long or repeated-parameter query → badagent, nothing written', async () => {
    const d = await ownerWithDevice();
    const before = await snapshot();
    expect((await d.update(`hostname=${d.device.name}&pad=${'x'.repeat(3000)}`)).body).toBe('badagent');
    expect((await d.update(`hostname=${d.device.name}&hostname=${d.device.name}`)).body).toBe('badagent');
    expect(await snapshot()).toEqual(before);
  });

  it(`more than ${DDNS_MAX_UPDATES_PER_WINDOW} updates a minute → abuse, and the refused ones change nothing`, async () => {
    const d = await ownerWithDevice();
    for (let i = 0; i < DDNS_MAX_UPDATES_PER_WINDOW; i++) {
      const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.90`);
      expect(res.body).toMatch(/^(good|nochg) 198\.51\.100\.90$/);
    }
    const grantsBefore = await liveDeviceGrants(d.device.id);
    const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.91`);
    expect(res.body).toBe('abuse');
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.92`)).body).toBe('abuse');
    expect(await liveDeviceGrants(d.device.id)).toEqual(grantsBefore);
    expect(onRouter('198.51.100.91')).toEqual([]);
    expect(onRouter('198.51.100.90')).toHaveLength(1);
    const abuse = await db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, d.device.id), eq(auditEvents.action, 'ddns.update')));
    expect(abuse.filter((a) => a.details.result === 'abuse')).toHaveLength(1);
    // Hammering on records nothing more: the window holds the limit and the one that crossed it.
    for (let i = 0; i < 20; i++) {
      expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.92`)).body).toBe('abuse');
    }
    const [recorded] = await db.db
      .select({ n: count() })
      .from(rateEvents)
      .where(eq(rateEvents.key, `ddns:${d.device.id}`));
    expect(recorded!.n).toBe(DDNS_MAX_UPDATES_PER_WINDOW + 1);
    // Other devices are not affected.
    const other = await ownerWithDevice();
    expect((await other.update(`hostname=${other.device.name}&myip=198.51.100.93`)).body).toBe(
      'good 198.51.100.93',
    );
  });

  it('a policy without devices → nohost (audited), nothing on the router', async () => {
    const d = await ownerWithDevice({ allowDevices: false });
    const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.95`);
    expect(res.body).toBe('nohost');
    expect(onRouter('198.51.100.95')).toEqual([]);
    const last = (
      await db.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.targetId, d.device.id))
        .orderBy(auditEvents.id)
    ).at(-1)!;
    expect(last.details).toMatchObject({ result: 'nohost', reason: 'devices_not_allowed' });
  });

  it('any query string and credentials get a DynDNS2 answer, never an exception', async () => {
    const d = await ownerWithDevice();
    const codes = /^(good|nochg) \S+$|^(badauth|notfqdn|nohost|numhost|abuse|badagent|911)$/;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom(d.auth, basic(d.user.username, 'nope'), null),
        async (query, authorization) => {
          const res = await d.update(query, LOOPBACK, authorization as string);
          for (const line of res.body.split('\n')) expect(line).toMatch(codes);
        },
      ),
      { numRuns: 150 },
    );
    // Nothing the fuzzer sent named the device, so nothing was granted.
    expect(await liveDeviceGrants(d.device.id)).toEqual([]);
  });
});

describe('tokens', () => {
  it('rotate: the old token stops working at once, the new one works; revoke ends the grant', async () => {
    const d = await ownerWithDevice();
    await d.update(`hostname=${d.device.name}&myip=198.51.100.110`);
    const rotated = await rotateDeviceToken(db.db, d.user, actorFor(d.user), d.device.id);
    if (!rotated.ok) throw new Error(rotated.error.message);
    expect(rotated.value.token).not.toBe(d.token);
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.111`)).body).toBe('badauth');
    const fresh = basic(d.user.username, rotated.value.token);
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.111`, LOOPBACK, fresh)).body).toBe(
      'good 198.51.100.111',
    );
    const revoked = await revokeDevice(fx.ctx, d.user, actorFor(d.user), d.device.id);
    expect(revoked.ok).toBe(true);
    expect(onRouter('198.51.100.111')).toEqual([]);
    expect(await liveDeviceGrants(d.device.id)).toEqual([]);
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.112`, LOOPBACK, fresh)).body).toBe(
      'badauth',
    );
    // The token never reaches the database or the audit trail in the clear.
    const trail = JSON.stringify(
      await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, d.device.id)),
    );
    expect(trail).not.toContain(d.token);
    expect(trail).not.toContain(rotated.value.token);
  });

  it("after an admin reset, the owner's devices get badauth until the password is replaced", async () => {
    const d = await ownerWithDevice();
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.113`)).body).toBe(
      'good 198.51.100.113',
    );
    await db.db.update(users).set({ mustChangePassword: true }).where(eq(users.id, d.user.id));
    const before = await snapshot();
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.114`)).body).toBe('badauth');
    expect(await snapshot()).toEqual(before);
    await db.db.update(users).set({ mustChangePassword: false }).where(eq(users.id, d.user.id));
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.114`)).body).toBe(
      'good 198.51.100.114',
    );
  });

  it('parseBasicAuth reads user and password and refuses what is not Basic', () => {
    expect(parseBasicAuth(basic('alice', 'a:b'))).toEqual({ username: 'alice', password: 'a:b' });
    expect(parseBasicAuth('basic  YWxpY2U6eA== ')).toEqual({ username: 'alice', password: 'x' });
    expect(parseBasicAuth(`Basic ${Buffer.from(':x').toString('base64')}`)).toBeNull();
    expect(parseBasicAuth('Digest abc')).toBeNull();
    expect(parseBasicAuth(null)).toBeNull();
  });
});

describe('router down', () => {
  it('→ 911, the old grant stays; once the router answers a retried update moves the grant', async () => {
    const d = await ownerWithDevice();
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.120`)).body).toBe(
      'good 198.51.100.120',
    );
    const [old] = await liveDeviceGrants(d.device.id);

    fx.sim.faults.set({
      refuseConnections: true,
      dropAfter: { command: '/address-list/add', phase: 'before-apply', times: 1 },
    });
    const down = await d.update(`hostname=${d.device.name}&myip=198.51.100.121`);
    expect(down.body).toBe('911');
    expect(onRouter('198.51.100.120').map((e) => e.comment)).toEqual([grantTag(old!.id)]);
    expect(onRouter('198.51.100.121')).toEqual([]);
    const [still] = await db.db.select().from(grants).where(eq(grants.id, old!.id));
    expect(still!.status).toBe('active');
    // The attempted grant for the new address is not left to open later on its own.
    const attempted = (await liveDeviceGrants(d.device.id)).filter((g) => g.address === '198.51.100.121');
    expect(attempted.map((g) => g.status)).toEqual(['revoke_pending']);
    const [device] = await db.db.select().from(devices).where(eq(devices.id, d.device.id));
    expect(device!.lastAddress4).toBe('198.51.100.120');
    const [event] = (
      await db.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.targetId, d.device.id), eq(auditEvents.action, 'ddns.update')))
        .orderBy(auditEvents.id)
    ).slice(-1);
    expect(event!.details.result).toBe('911');

    fx.sim.faults.reset();
    // Wait until the client has reconnected (bounded), as a DynDNS2 client waits before retrying.
    await expect
      .poll(
        async () =>
          (await fx.ctx.clientFor(fx.router.id)).print('/system/identity').then(
            () => true,
            () => false,
          ),
        {
          timeout: 20_000,
          interval: 500,
        },
      )
      .toBe(true);
    const retried = await d.update(`hostname=${d.device.name}&myip=198.51.100.121`);
    expect(retried.body).toBe('good 198.51.100.121');
    expect(onRouter('198.51.100.120')).toEqual([]);
    const [moved] = (await liveDeviceGrants(d.device.id)).filter((g) => g.status === 'active');
    expect(moved).toMatchObject({ address: '198.51.100.121' });
    expect(onRouter('198.51.100.121').map((e) => e.comment)).toEqual([grantTag(moved!.id)]);
    // The worker's retry settles the withdrawn attempt without touching the moved grant.
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.deviceId, d.device.id));
    await retryDueGrants(fx.ctx, fixtureActor);
    expect((await liveDeviceGrants(d.device.id)).map((g) => [g.address, g.status])).toEqual([
      ['198.51.100.121', 'active'],
    ]);
    expect(onRouter('198.51.100.121')).toHaveLength(1);
  });
});

describe('a device revoked while its update is in flight', () => {
  it('the revocation wins: what the update opened is taken back off the router', async () => {
    const d = await ownerWithDevice();
    const original = fx.ctx.clientFor;
    // The revocation lands between the update's authentication and its router write.
    fx.ctx.clientFor = async (routerId) => {
      await db.db.update(devices).set({ revokedAt: new Date() }).where(eq(devices.id, d.device.id));
      return original(routerId);
    };
    try {
      const res = await d.update(`hostname=${d.device.name}&myip=198.51.100.177`);
      expect(res.body).toBe('911');
    } finally {
      fx.ctx.clientFor = original;
    }
    expect(onRouter('198.51.100.177')).toEqual([]);
    const live = await db.db
      .select()
      .from(grants)
      .where(and(eq(grants.deviceId, d.device.id), eq(grants.status, 'active')));
    expect(live).toEqual([]);
  });
});

describe("a device's grant is its own", () => {
  it('the person signs in from the address a device reported: the device moving away keeps their access', async () => {
    const d = await ownerWithDevice();
    expect((await d.update(`hostname=${d.device.name}&myip=198.51.100.150`)).body).toBe(
      'good 198.51.100.150',
    );
    const signedIn = await openAccessForUser(fx.ctx, d.user, actorFor(d.user, '198.51.100.150'), {
      address: { family: 4, address: '198.51.100.150' },
    });
    expect(signedIn.ok).toBe(true);
    const own = await db.db
      .select()
      .from(grants)
      .where(
        and(eq(grants.userId, d.user.id), eq(grants.address, '198.51.100.150'), isNull(grants.deviceId)),
      );
    expect(own.map((g) => [g.source, g.status])).toEqual([['web', 'active']]);

    expect((await d.update(`hostname=${d.device.name}&myip=203.0.113.150`)).body).toBe('good 203.0.113.150');
    // The person's own grant still stands behind the shared entry at home.
    expect(onRouter('198.51.100.150').map((e) => e.comment)).toEqual([grantTag(own[0]!.id)]);
    const [after] = await db.db.select().from(grants).where(eq(grants.id, own[0]!.id));
    expect(after?.status).toBe('active');

    // Revoking the device ends only the device's grants.
    expect((await revokeDevice(fx.ctx, d.user, actorFor(d.user), d.device.id)).ok).toBe(true);
    expect(onRouter('203.0.113.150')).toEqual([]);
    expect(onRouter('198.51.100.150')).toHaveLength(1);
  });

  it('two devices at one address: each has its own grant (nochg on repeat), one moving away does not cut the other off', async () => {
    const phone = await ownerWithDevice();
    const nas = await createDevice(db.db, phone.user, actorFor(phone.user), {
      name: `second-${n}.dyn.example.net`,
      routerId: null,
    });
    if (!nas.ok) throw new Error(nas.error.message);
    const nasUpdate = (query: string) =>
      handleDyndnsUpdate(fx.ctx, {
        authorization: basic(phone.user.username, nas.value.token),
        query: `hostname=${nas.value.device.name}&${query}`,
        clientAddress: LOOPBACK,
        userAgent: 'vitest',
      });
    expect((await phone.update(`hostname=${phone.device.name}&myip=198.51.100.160`)).body).toBe(
      'good 198.51.100.160',
    );
    expect((await nasUpdate('myip=198.51.100.160')).body).toBe('good 198.51.100.160');
    expect((await nasUpdate('myip=198.51.100.160')).body).toBe('nochg 198.51.100.160');
    const [nasGrant] = await liveDeviceGrants(nas.value.device.id);
    expect(nasGrant).toMatchObject({ address: '198.51.100.160', status: 'active' });

    expect((await phone.update(`hostname=${phone.device.name}&myip=203.0.113.160`)).body).toBe(
      'good 203.0.113.160',
    );
    expect(onRouter('198.51.100.160').map((e) => e.comment)).toEqual([grantTag(nasGrant!.id)]);
    expect((await liveDeviceGrants(nas.value.device.id)).map((g) => g.status)).toEqual(['active']);
  });
});

describe('one device updated through two instances at once', () => {
  it('the updates take turns: one grant survives, for the address recorded last', async () => {
    const d = await ownerWithDevice();
    const instance = (locks: EntryLocks) => ({ ...fx.ctx, locks });
    const [a, b] = [instance(postgresEntryLocks(db.db)), instance(postgresEntryLocks(db.db))];
    const send = (ctx: typeof a, address: string) =>
      handleDyndnsUpdate(ctx, {
        authorization: d.auth,
        query: `hostname=${d.device.name}&myip=${address}`,
        clientAddress: LOOPBACK,
        userAgent: 'vitest',
      });
    const answers = await Promise.all([send(a, '198.51.100.171'), send(b, '198.51.100.172')]);
    expect(answers.map((r) => r.body).sort()).toEqual(['good 198.51.100.171', 'good 198.51.100.172']);
    const [device] = await db.db.select().from(devices).where(eq(devices.id, d.device.id));
    const live = await liveDeviceGrants(d.device.id);
    expect(live.map((g) => [g.address, g.status])).toEqual([[device!.lastAddress4, 'active']]);
    expect([...onRouter('198.51.100.171'), ...onRouter('198.51.100.172')]).toHaveLength(1);
  });
});
