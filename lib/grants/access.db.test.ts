import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { grants, users } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { approveRequest, createRequest } from '@/lib/requests/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture } from '@/tests/router-fixture';
import {
  endAccess,
  endAllAccessOfUser,
  endAllAccessOnRouter,
  endUncoveredAccess,
  extendAccess,
  openAccessForUser,
} from './access';
import { openHostnameAccess } from './hostname';
import { openGrant } from './service';

/** Access follows the account and the policy: disabled or no longer covered → ended on the router. */
let db: DatabaseHandle;
let fx: Awaited<ReturnType<typeof startRouterFixture>>;
let other: Awaited<ReturnType<typeof startRouterFixture>>;
beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db, { name: 'cover-a' });
  other = await startRouterFixture(db.db, { name: 'cover-b' });
});
afterAll(async () => {
  await fx.close();
  await other.close();
  await db.close();
});

let n = 0;
async function userWithPolicy(targets: string[]) {
  const user = await makeUser(db.db, { role: 'user' });
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `cover-${++n}`,
    subject: `user:${user.id}`,
    defaultDuration: 3600,
    maxDuration: 7200,
    knockOnSignIn: true,
    directAccess: true,
    targets,
  });
  if (!saved.ok) throw new Error(saved.error.message);
  return { user, policyId: saved.value.id };
}

const liveOf = async (userId: string) =>
  (await db.db.select().from(grants).where(eq(grants.userId, userId))).filter((g) => g.status === 'active');

describe('access follows the account and the policy', () => {
  it('disabling a user ends every grant on the router at once', async () => {
    const { user } = await userWithPolicy([fx.router.id, other.router.id]);
    const opened = await openAccessForUser(fx.ctx, user, actorFor(user), {
      address: { family: 4, address: '198.51.100.71' },
    });
    expect(opened.ok).toBe(true);
    expect(await liveOf(user.id)).toHaveLength(2);
    await db.db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    const result = await endAllAccessOfUser(fx.ctx, fixtureActor, user.id, 'user disabled');
    expect(result).toMatchObject({ ended: 2, pending: 0 });
    expect(routerEntries(fx.sim).filter((e) => e.address === '198.51.100.71')).toEqual([]);
    expect(routerEntries(other.sim).filter((e) => e.address === '198.51.100.71')).toEqual([]);
  });

  it('the worker ends grants of disabled users and grants a narrowed policy no longer names, and nothing else', async () => {
    const disabled = await userWithPolicy([fx.router.id]);
    const narrowed = await userWithPolicy([fx.router.id, other.router.id]);
    const kept = await userWithPolicy([fx.router.id]);
    for (const [who, address] of [
      [disabled.user, '198.51.100.81'],
      [narrowed.user, '198.51.100.82'],
      [kept.user, '198.51.100.83'],
    ] as const) {
      expect(
        (await openAccessForUser(fx.ctx, who, actorFor(who), { address: { family: 4, address } })).ok,
      ).toBe(true);
    }
    await db.db.update(users).set({ disabled: true }).where(eq(users.id, disabled.user.id));
    const resaved = await savePolicy(db.db, fixtureActor, narrowed.policyId, {
      name: 'narrowed',
      subject: `user:${narrowed.user.id}`,
      defaultDuration: 3600,
      maxDuration: 7200,
      knockOnSignIn: true,
      directAccess: true,
      targets: [fx.router.id],
    });
    expect(resaved.ok).toBe(true);

    // Extending what the policy no longer covers is refused.
    const onOther = (await liveOf(narrowed.user.id)).find((g) => g.routerId === other.router.id)!;
    expect(await extendAccess(fx.ctx, narrowed.user, actorFor(narrowed.user), onOther.id)).toMatchObject({
      ok: false,
      error: { code: 'not_allowed_any_more' },
    });

    const ended = await endUncoveredAccess(fx.ctx, fixtureActor);
    expect(ended).toBe(2);
    expect(routerEntries(fx.sim).filter((e) => e.address === '198.51.100.81')).toEqual([]);
    expect(routerEntries(other.sim).filter((e) => e.address === '198.51.100.82')).toEqual([]);
    expect(routerEntries(fx.sim).filter((e) => e.address === '198.51.100.82')).toHaveLength(1);
    expect(routerEntries(fx.sim).filter((e) => e.address === '198.51.100.83')).toHaveLength(1);
    expect(await endUncoveredAccess(fx.ctx, fixtureActor)).toBe(0);
  });

  it('narrowing host-name suffixes or turning direct access off ends what no longer fits; requested access stays', async () => {
    const user = await makeUser(db.db, { role: 'user' });
    const policy = (over: { hostnameSuffixes: string[]; directAccess: boolean }, id: string | null = null) =>
      savePolicy(db.db, fixtureActor, id, {
        name: `suffixes-${user.id.slice(0, 8)}`,
        subject: `user:${user.id}`,
        defaultDuration: 3600,
        maxDuration: 7200,
        knockOnSignIn: false,
        allowHostnames: true,
        targets: [fx.router.id],
        ...over,
      });
    const saved = await policy({
      hostnameSuffixes: ['dyn.example.net', 'home.example.org'],
      directAccess: true,
    });
    if (!saved.ok) throw new Error(saved.error.message);
    for (const hostname of ['nas.dyn.example.net', 'pi.home.example.org']) {
      expect((await openHostnameAccess(fx.ctx, user, actorFor(user), { hostname, family: 'ip' })).ok).toBe(
        true,
      );
    }
    // An approved request's grant for an address (source "request"), beside the direct ones.
    const requested = await openGrant(fx.ctx, fixtureActor, {
      userId: user.id,
      routerId: fx.router.id,
      family: 'ip',
      list: 'knockgate',
      address: '198.51.100.91',
      source: 'request',
      durationSeconds: 3600,
    });
    expect(requested.confirmed).toBe(true);

    expect(
      (await policy({ hostnameSuffixes: ['dyn.example.net'], directAccess: true }, saved.value.id)).ok,
    ).toBe(true);
    expect(await endUncoveredAccess(fx.ctx, fixtureActor)).toBe(1);
    expect(routerEntries(fx.sim).map((e) => e.address)).not.toContain('pi.home.example.org');
    expect(routerEntries(fx.sim).map((e) => e.address)).toContain('nas.dyn.example.net');

    expect(
      (await policy({ hostnameSuffixes: ['dyn.example.net'], directAccess: false }, saved.value.id)).ok,
    ).toBe(true);
    expect(await endUncoveredAccess(fx.ctx, fixtureActor)).toBe(1);
    expect(routerEntries(fx.sim).map((e) => e.address)).not.toContain('nas.dyn.example.net');
    expect((await liveOf(user.id)).map((g) => g.source)).toEqual(['request']);
  });

  it('Extend lengthens only access the person opened themselves, and does not revive access being ended', async () => {
    const approver = await makeUser(db.db, { role: 'approver' });
    const admin = await makeUser(db.db, { role: 'admin' });
    const user = await makeUser(db.db, { role: 'user' });
    const saved = await savePolicy(db.db, fixtureActor, null, {
      name: `extend-${user.id.slice(0, 8)}`,
      subject: `user:${user.id}`,
      defaultDuration: 4 * 3600,
      maxDuration: 8 * 3600,
      knockOnSignIn: false,
      directAccess: true,
      requestOtherAddresses: true,
      targets: [fx.router.id],
    });
    if (!saved.ok) throw new Error(saved.error.message);
    const own = { family: 4 as const, address: '198.51.100.62' };
    const silent = { notify: () => {} };
    // An approved request for another address, 30 min: Extend would make it the policy's 4 h.
    const asked = await createRequest(
      db.db,
      user,
      actorFor(user, own.address),
      {
        target: 'any',
        address: '203.0.113.99',
        duration: 1800,
        reason: 'Deploying the release tonight',
        clientAddress: own,
      },
      silent,
    );
    if (!asked.ok) throw new Error(asked.error.message);
    const approved = await approveRequest(fx.ctx, approver, actorFor(approver), asked.value.id, {}, silent);
    if (!approved.ok || approved.value.state !== 'approved' || !approved.value.grants[0]!.ok) {
      throw new Error('not approved');
    }
    const requested = approved.value.grants[0]!.outcome.grant;
    expect(await extendAccess(fx.ctx, user, actorFor(user, own.address), requested.id)).toMatchObject({
      ok: false,
      error: { code: 'extend_not_allowed' },
    });
    const [after] = await db.db.select().from(grants).where(eq(grants.id, requested.id));
    expect(after!.expiresAt.getTime()).toBe(requested.expiresAt.getTime());

    // The person's own access, revoked by an admin while the router is away: Extend does not revive it.
    const opened = await openAccessForUser(fx.ctx, user, actorFor(user, own.address), { address: own });
    if (!opened.ok || !opened.value.targets[0]!.ok) throw new Error('not opened');
    const grantId = opened.value.targets[0]!.outcome.grant.id;
    const routerAway = { ...fx.ctx, clientFor: async () => Promise.reject(new Error('router unreachable')) };
    const ended = await endAccess(routerAway, admin, actorFor(admin), grantId);
    expect(ended.ok && ended.value.grant.status).toBe('revoke_pending');
    expect(await extendAccess(fx.ctx, user, actorFor(user, own.address), grantId)).toMatchObject({
      ok: false,
      error: { code: 'grant_ending' },
    });
    const [still] = await db.db.select().from(grants).where(eq(grants.id, grantId));
    expect(still!.status).toBe('revoke_pending');
  });

  it('before a router is deleted, every grant on it ends and its entries leave the router', async () => {
    const { user } = await userWithPolicy([other.router.id]);
    await openAccessForUser(fx.ctx, user, actorFor(user), {
      address: { family: 4, address: '198.51.100.91' },
    });
    expect(routerEntries(other.sim).filter((e) => e.address === '198.51.100.91')).toHaveLength(1);
    expect(await endAllAccessOnRouter(fx.ctx, fixtureActor, other.router.id)).toMatchObject({ pending: 0 });
    expect(routerEntries(other.sim).filter((e) => e.address === '198.51.100.91')).toEqual([]);
  });
});
