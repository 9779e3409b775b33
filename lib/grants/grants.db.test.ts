import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, grants, policies, policyTargets } from '@/lib/db/schema';
import { actorFor, makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
  startRouterFixture,
} from '@/tests/router-fixture';
import { reconcileRouter } from './reconciler';
import { extendGrant, openGrant, retryDueGrants, revokeGrant } from './service';
import { grantTag } from './tag';
import { userGrantViews } from './views';

/**
 * The grant service through the real parts: a migrated database (PGlite or PostgreSQL) and the
 * simulated RouterOS over TCP.
 */
let db: DatabaseHandle;
let fx: RouterFixture;

routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
});

let n = 0;
const nextAddress = () => `198.51.100.${++n}`;
/** An entry an admin keeps on the list by hand (no Knockgate tag, no timeout). */
const addAdminEntry = (address: string, options: { disabled?: boolean } = {}) =>
  fx.sim
    .addressList('ip')
    .add(
      new Map([
        ['list', 'knockgate'],
        ['address', address],
        ['comment', 'admin static'],
        ...(options.disabled ? [['disabled', 'yes'] as [string, string]] : []),
      ]),
      fx.sim.state.ctx,
    );
const open = async (userId: string, address: string, seconds = 3600, family: 'ip' | 'ipv6' = 'ip') =>
  openGrant(fx.ctx, fixtureActor, {
    userId,
    routerId: fx.router.id,
    family,
    list: 'knockgate',
    address,
    source: 'web',
    durationSeconds: seconds,
  });

describe('openGrant', () => {
  it('puts the address on the router with the tag and the time left, then reports active', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const { grant, confirmed } = await open(user.id, address, 8 * 3600);
    expect(confirmed).toBe(true);
    expect(grant.status).toBe('active');
    const entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(grant.id));
    expect(entries[0]!.dynamic).toBe(true);
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(8 * 3600 - 3);
    expect(entries[0]!.timeoutSeconds).toBeLessThanOrEqual(8 * 3600);
    const audit = await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, grant.id));
    expect(audit.map((a) => a.action)).toEqual(['grant.open']);
  });

  it('IPv6 goes to the IPv6 address list', async () => {
    const user = await makeUser(db.db);
    const { grant } = await open(user.id, '2001:db8::42', 600, 'ipv6');
    expect(grant.status).toBe('active');
    expect(routerEntries(fx.sim, 'knockgate', 'ipv6').map((e) => [e.address, e.comment])).toContainEqual([
      expect.stringMatching(/^2001:db8::42/),
      grantTag(grant.id),
    ]);
    expect(routerEntries(fx.sim, 'knockgate', 'ip').some((e) => e.address.includes('2001'))).toBe(false);
    // RouterOS prints the host as 2001:db8::42/128; revoke must still find and remove it.
    const ended = await revokeGrant(fx.ctx, fixtureActor, grant.id);
    expect(ended.grant.status).toBe('revoked');
    expect(
      routerEntries(fx.sim, 'knockgate', 'ipv6').filter((e) => e.address.startsWith('2001:db8::42')),
    ).toEqual([]);
  });

  it('a second open of the same address extends the grant instead of stacking', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const first = await open(user.id, address, 600);
    const second = await open(user.id, address, 7200);
    expect(second.extended).toBe(true);
    expect(second.grant.id).toBe(first.grant.id);
    const live = await db.db.select().from(grants).where(eq(grants.address, address));
    expect(live).toHaveLength(1);
    const entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(7200 - 5);
  });

  it('an approved request that extends a live grant links itself to it', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const first = await open(user.id, address, 600);
    const requestId = '00000000-0000-4000-8000-0000000000aa';
    const second = await openGrant(fx.ctx, fixtureActor, {
      userId: user.id,
      routerId: fx.router.id,
      family: 'ip',
      list: 'knockgate',
      address,
      source: 'request',
      durationSeconds: 3600,
      requestId,
    });
    expect(second.grant.id).toBe(first.grant.id);
    expect(second.extended).toBe(true);
    const [row] = await db.db.select().from(grants).where(eq(grants.id, first.grant.id));
    expect(row!.requestId).toBe(requestId);
  });

  it('an unmanaged entry for the same address is never changed; the grant is active (covered)', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    addAdminEntry(address);
    const { grant, confirmed, covered } = await open(user.id, address, 600);
    expect(confirmed).toBe(true);
    expect(covered).toBe(true);
    expect(grant.status).toBe('active');
    await revokeGrant(fx.ctx, fixtureActor, grant.id);
    const left = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(left).toEqual([expect.objectContaining({ comment: 'admin static', timeoutSeconds: null })]);
  });

  it('a disabled unmanaged entry covers nothing: the grant waits with a router problem, the entry is never touched', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    addAdminEntry(address, { disabled: true });
    const adminEntry = () => routerEntries(fx.sim).filter((e) => e.address === address);
    const untouched = [
      expect.objectContaining({ comment: 'admin static', disabled: true, timeoutSeconds: null }),
    ];
    // The router refuses a second entry for this list+address, disabled or not.
    const client = await fx.ctx.clientFor(fx.router.id);
    await expect(
      client.add('/ip/firewall/address-list', { list: 'knockgate', address, comment: 'probe' }),
    ).rejects.toMatchObject({ isDuplicate: true });

    const opened = await open(user.id, address, 600);
    expect(opened.confirmed).toBe(false);
    expect(opened.covered).toBe(false);
    expect(opened.grant.status).toBe('pending');
    expect(opened.error?.code).toBe('router_disabled_entry');
    expect(opened.grant.lastError).toBe(
      `The router holds ${address} on list knockgate in a disabled entry Knockgate does not manage; enable or remove it.`,
    );
    expect(opened.grant.nextAttemptAt).not.toBeNull();
    expect(adminEntry()).toEqual(untouched);

    // Retried like any router problem: still waiting, still untouched.
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, opened.grant.id));
    expect(await retryDueGrants(fx.ctx, fixtureActor)).toMatchObject({ failed: 1 });
    let [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row!.status).toBe('pending');
    expect(row!.lastError).toMatch(/disabled entry Knockgate does not manage/);
    expect(adminEntry()).toEqual(untouched);
    // The reconciler neither counts it as covered nor touches it.
    await reconcileRouter(fx.ctx, fixtureActor, fx.router);
    [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row!.status).toBe('pending');
    expect(adminEntry()).toEqual(untouched);

    // The admin enables their entry: the next retry finds the address covered.
    await client.set('/ip/firewall/address-list', adminEntry()[0]!.id, { disabled: false });
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, opened.grant.id));
    await retryDueGrants(fx.ctx, fixtureActor);
    [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row!.status).toBe('active');
    expect(row!.lastError).toBeNull();
    expect(adminEntry()).toEqual([
      expect.objectContaining({ comment: 'admin static', disabled: false, timeoutSeconds: null }),
    ]);
    await revokeGrant(fx.ctx, fixtureActor, opened.grant.id);
    expect(adminEntry()).toHaveLength(1);
  });

  it('an admin entry that covered a grant is disabled: the reconciler marks the grant for retry with the reason', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    addAdminEntry(address);
    const opened = await open(user.id, address, 600);
    expect(opened).toMatchObject({ confirmed: true, covered: true });
    const client = await fx.ctx.clientFor(fx.router.id);
    const adminEntry = () => routerEntries(fx.sim).filter((e) => e.address === address);
    await client.set('/ip/firewall/address-list', adminEntry()[0]!.id, { disabled: true });

    const report = await reconcileRouter(fx.ctx, fixtureActor, fx.router);
    expect(report.failedKeys).toBeGreaterThanOrEqual(1);
    let [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row!.lastError).toMatch(/disabled entry Knockgate does not manage/);
    expect(row!.nextAttemptAt).not.toBeNull();
    expect(adminEntry()).toEqual([expect.objectContaining({ comment: 'admin static', disabled: true })]);

    // Enabled again: the next retry finds the address covered and clears the reason.
    await client.set('/ip/firewall/address-list', adminEntry()[0]!.id, { disabled: false });
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, opened.grant.id));
    await retryDueGrants(fx.ctx, fixtureActor);
    [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row).toMatchObject({ status: 'active', lastError: null, nextAttemptAt: null });
    await revokeGrant(fx.ctx, fixtureActor, opened.grant.id);
    expect(adminEntry()).toHaveLength(1);
  });

  it('two people behind one address share one entry that lasts for the longer grant', async () => {
    const a = await makeUser(db.db);
    const b = await makeUser(db.db);
    const address = nextAddress();
    const ga = await open(a.id, address, 600);
    const gb = await open(b.id, address, 3600);
    expect(ga.grant.status).toBe('active');
    expect(gb.grant.status).toBe('active');
    let entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(gb.grant.id));
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(3600 - 5);

    // Ending the longer grant hands the entry to the other, with its own remaining time.
    await revokeGrant(fx.ctx, actorFor(b), gb.grant.id);
    entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(ga.grant.id));
    expect(entries[0]!.timeoutSeconds).toBeLessThanOrEqual(600);

    const last = await revokeGrant(fx.ctx, actorFor(a), ga.grant.id);
    expect(last.grant.status).toBe('revoked');
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toEqual([]);
  });
});

describe('fail closed', () => {
  it('when the grant cannot be recorded, the entry just added is taken back off the router', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const brokenDb = new Proxy(db.db, {
      get(target, prop, receiver) {
        if (prop === 'transaction') {
          return () => Promise.reject(new Error('database went away'));
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(
      openGrant({ ...fx.ctx, db: brokenDb }, fixtureActor, {
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip',
        list: 'knockgate',
        address,
        source: 'web',
        durationSeconds: 600,
      }),
    ).rejects.toThrow(/database went away/);
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toEqual([]);
  });
});

describe('faults', () => {
  it('router drops the connection after applying the add but before !done → one entry, grant becomes active', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    fx.sim.faults.set({
      dropAfter: { command: '/ip/firewall/address-list/add', phase: 'after-apply', times: 1 },
    });
    const first = await open(user.id, address, 900);
    fx.sim.faults.reset();
    // The router applied the add; our side never heard back, so the grant is pending, honestly.
    expect(first.confirmed).toBe(false);
    expect(first.grant.status).toBe('pending');
    expect(first.error?.code).toBe('router_unreachable');
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, first.grant.id));
    await retryDueGrants(fx.ctx, fixtureActor);
    const [after] = await db.db.select().from(grants).where(eq(grants.id, first.grant.id));
    expect(after!.status).toBe('active');
    const entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(first.grant.id));
  });

  it('router down during revoke → revoke_pending; back up → revoked and gone', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const { grant } = await open(user.id, address, 900);
    fx.sim.faults.set({
      refuseConnections: true,
      dropAfter: { command: '/ip/firewall/address-list/print', phase: 'before-apply', times: 1 },
    });
    const down = await revokeGrant(fx.ctx, actorFor(user), grant.id);
    expect(down.confirmed).toBe(false);
    expect(down.grant.status).toBe('revoke_pending');
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toHaveLength(1);
    fx.sim.faults.reset();
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, grant.id));
    await expect
      .poll(
        async () => {
          await retryDueGrants(fx.ctx, fixtureActor);
          return (await db.db.select().from(grants).where(eq(grants.id, grant.id)))[0]!.status;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('revoked');
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toEqual([]);
  });

  it('extend while the router is up updates the router timeout before reporting success', async () => {
    const user = await makeUser(db.db);
    const address = nextAddress();
    const { grant } = await open(user.id, address, 60);
    const extended = await extendGrant(fx.ctx, actorFor(user), grant.id, 7200);
    expect(extended.confirmed).toBe(true);
    const entry = routerEntries(fx.sim).find((e) => e.address === address)!;
    expect(entry.timeoutSeconds).toBeGreaterThan(7200 - 5);
  });
});

describe('reconcileRouter', () => {
  it('after a reboot re-adds every live grant with its remaining time; untagged entries are untouched', async () => {
    const fresh = await startRouterFixture(db.db, { name: 'reboot-test' });
    try {
      const users = await Promise.all([makeUser(db.db), makeUser(db.db), makeUser(db.db)]);
      const opened = [];
      for (const [i, u] of users.entries()) {
        opened.push(
          await openGrant(fresh.ctx, fixtureActor, {
            userId: u.id,
            routerId: fresh.router.id,
            family: 'ip',
            list: 'knockgate',
            address: `203.0.113.${i + 1}`,
            source: 'web',
            durationSeconds: 1000 * (i + 1),
          }),
        );
      }
      fresh.sim.addressList('ip').add(
        new Map([
          ['list', 'knockgate'],
          ['address', '10.9.9.9'],
          ['comment', 'office'],
        ]),
        fresh.sim.state.ctx,
      );
      // Looks like ours at a glance, but is an admin's entry: never touched.
      fresh.sim.addressList('ip').add(
        new Map([
          ['list', 'knockgate'],
          ['address', '10.9.9.10'],
          ['comment', 'knockgate: lab switch'],
        ]),
        fresh.sim.state.ctx,
      );
      await fresh.sim.reboot();
      expect(routerEntries(fresh.sim).map((e) => e.address)).toEqual(['10.9.9.9', '10.9.9.10']);

      const report = await reconcileRouter(fresh.ctx, fixtureActor, fresh.router);
      expect(report.skipped).toBeUndefined();
      expect(report.added).toBe(3);
      const entries = routerEntries(fresh.sim);
      for (const [i, g] of opened.entries()) {
        const entry = entries.find((e) => e.comment === grantTag(g.grant.id))!;
        expect(entry.address).toBe(`203.0.113.${i + 1}`);
        expect(entry.timeoutSeconds).toBeGreaterThan(1000 * (i + 1) - 10);
        expect(entry.timeoutSeconds).toBeLessThanOrEqual(1000 * (i + 1));
      }
      expect(entries.find((e) => e.address === '10.9.9.9')).toMatchObject({
        comment: 'office',
        timeoutSeconds: null,
      });
      expect(entries.find((e) => e.address === '10.9.9.10')).toMatchObject({
        comment: 'knockgate: lab switch',
        timeoutSeconds: null,
      });

      // A second cycle finds nothing to do.
      const again = await reconcileRouter(fresh.ctx, fixtureActor, fresh.router);
      expect(again.added + again.removed + again.updated).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('removes tagged entries of ended grants at once and unknown tagged entries on the second sighting', async () => {
    const fresh = await startRouterFixture(db.db, { name: 'orphan-test' });
    try {
      const user = await makeUser(db.db);
      const ended = await openGrant(fresh.ctx, fixtureActor, {
        userId: user.id,
        routerId: fresh.router.id,
        family: 'ip',
        list: 'knockgate',
        address: '192.0.2.50',
        source: 'web',
        durationSeconds: 600,
      });
      // The grant ended in the database but its entry is still on the router.
      await db.db.update(grants).set({ status: 'revoked' }).where(eq(grants.id, ended.grant.id));
      const orphanId = '00000000-0000-4000-8000-000000000001';
      for (const [address, comment] of [
        ['192.0.2.51', grantTag(orphanId)],
        ['192.0.2.52', 'not ours'],
      ]) {
        fresh.sim.addressList('ip').add(
          new Map([
            ['list', 'knockgate'],
            ['address', address!],
            ['timeout', '1h'],
            ['comment', comment!],
          ]),
          fresh.sim.state.ctx,
        );
      }
      const memory = new Map();
      const first = await reconcileRouter(fresh.ctx, fixtureActor, fresh.router, memory);
      expect(first.removed).toBe(1);
      expect(
        routerEntries(fresh.sim)
          .map((e) => e.address)
          .sort(),
      ).toEqual(['192.0.2.51', '192.0.2.52']);
      const second = await reconcileRouter(fresh.ctx, fixtureActor, fresh.router, memory);
      expect(second.removed).toBe(1);
      expect(routerEntries(fresh.sim).map((e) => e.address)).toEqual(['192.0.2.52']);
    } finally {
      await fresh.close();
    }
  });

  it("also reads lists a policy names when no grant is live there, and removes ended grants' entries", async () => {
    const fresh = await startRouterFixture(db.db, { name: 'policy-list-test' });
    try {
      const user = await makeUser(db.db);
      await db.db.insert(policyTargets).values({
        policyId: (await savePolicyFor(user.id)).id,
        routerId: fresh.router.id,
        list: 'vpn-admins',
      });
      const g = await openGrant(fresh.ctx, fixtureActor, {
        userId: user.id,
        routerId: fresh.router.id,
        family: 'ip',
        list: 'vpn-admins',
        address: '192.0.2.60',
        source: 'web',
        durationSeconds: 600,
      });
      // The grant ends in the database while its entry stays (a crash before the router was told).
      await db.db.update(grants).set({ status: 'expired' }).where(eq(grants.id, g.grant.id));
      expect(routerEntries(fresh.sim, 'vpn-admins').map((e) => e.address)).toEqual(['192.0.2.60']);
      const report = await reconcileRouter(fresh.ctx, fixtureActor, fresh.router);
      expect(report.removed).toBe(1);
      expect(routerEntries(fresh.sim, 'vpn-admins')).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('pauses and deletes nothing when the database cannot be read', async () => {
    const fresh = await startRouterFixture(db.db, { name: 'db-down-test' });
    try {
      const orphanId = '00000000-0000-4000-8000-000000000002';
      fresh.sim.addressList('ip').add(
        new Map([
          ['list', 'knockgate'],
          ['address', '192.0.2.77'],
          ['timeout', '1h'],
          ['comment', grantTag(orphanId)],
        ]),
        fresh.sim.state.ctx,
      );
      const broken = new Proxy(db.db, {
        get(target, prop, receiver) {
          if (prop === 'select' || prop === 'transaction' || prop === 'update') {
            return () => {
              throw new Error('connection to database lost');
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      });
      const ctx = { ...fresh.ctx, db: broken };
      const memory = new Map([[fresh.router.id, new Set([orphanId])]]);
      const report = await reconcileRouter(ctx, fixtureActor, fresh.router, memory);
      expect(report.skipped?.reason).toBe('database_unavailable');
      expect(report.removed).toBe(0);
      expect(routerEntries(fresh.sim).map((e) => e.comment)).toEqual([grantTag(orphanId)]);
    } finally {
      await fresh.close();
    }
  });
});

async function savePolicyFor(userId: string) {
  const [row] = await db.db
    .insert(policies)
    .values({
      name: `pl-${userId}`,
      subjectType: 'user',
      subjectUserId: userId,
      defaultDurationSeconds: 600,
      maxDurationSeconds: 600,
    })
    .returning();
  return row!;
}

describe('the portal view', () => {
  it('shows every live grant and those ended in the last hour, whatever the number of older ended ones', async () => {
    const user = await makeUser(db.db);
    const live = await open(user.id, nextAddress(), 600);
    const old = new Date(Date.now() - 3 * 3600_000);
    await db.db.insert(grants).values(
      Array.from({ length: 120 }, (_, i) => ({
        id: crypto.randomUUID(),
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip' as const,
        list: 'knockgate',
        address: `10.250.${i >> 8}.${i & 255}`,
        source: 'ddns' as const,
        status: 'expired' as const,
        expiresAt: old,
        endedAt: old,
        createdAt: new Date(),
        updatedAt: old,
        openedBy: 'test',
      })),
    );
    const recent = await open(user.id, nextAddress(), 600);
    await revokeGrant(fx.ctx, fixtureActor, recent.grant.id);
    const views = await userGrantViews(db.db, user.id);
    expect(views.map((v) => v.id).sort()).toEqual([live.grant.id, recent.grant.id].sort());
  });
});

describe('the portal list', () => {
  it('many grants ended in the last hour (a device moving often) never push a live one out', async () => {
    const user = await makeUser(db.db);
    const old = new Date(Date.now() - 2 * 3600_000);
    const live = await db.db
      .insert(grants)
      .values({
        id: randomUUID(),
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip',
        list: 'knockgate',
        address: '198.19.1.1',
        source: 'web',
        status: 'active',
        expiresAt: new Date(Date.now() + 20 * 3600_000),
        createdAt: old,
        updatedAt: old,
        openedBy: 'test',
      })
      .returning();
    await db.db.insert(grants).values(
      Array.from({ length: 210 }, (_, i) => ({
        id: randomUUID(),
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip' as const,
        list: 'knockgate',
        address: `198.19.2.${i % 250}`,
        source: 'ddns' as const,
        status: 'revoked' as const,
        expiresAt: new Date(Date.now() + 3600_000),
        createdAt: new Date(Date.now() - 30 * 60_000 + i * 1000),
        updatedAt: new Date(),
        endedAt: new Date(),
        openedBy: 'test',
      })),
    );
    const views = await userGrantViews(db.db, user.id);
    expect(views.filter((v) => v.status === 'active').map((v) => v.id)).toEqual([live[0]!.id]);
    expect(views.filter((v) => v.status === 'revoked').length).toBeLessThanOrEqual(50);
  });
});
