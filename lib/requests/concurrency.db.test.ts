import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { accessRequests, users } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { changeRole, setDisabled } from '@/lib/users/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, startRouterFixture } from '@/tests/router-fixture';
import { approveRequest, createRequest, MAX_PENDING_PER_USER } from './service';

/**
 * Checks that are a count followed by a write, run at the same moment (on PostgreSQL each
 * transaction has its own connection, so without row locks both counts see the same rows), and
 * approvals by people who have since lost the right to decide.
 */
let db: DatabaseHandle;
let fx: Awaited<ReturnType<typeof startRouterFixture>>;
const silent = { notify: () => {} };

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
});
afterAll(async () => {
  await fx.close();
  await db.close();
});

const enabledAdmins = async () =>
  (
    await db.db
      .select()
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
  ).length;

/** Makes `a` and `b` the only enabled admins. */
async function twoAdmins() {
  const a = await makeUser(db.db, { role: 'admin' });
  const b = await makeUser(db.db, { role: 'admin' });
  await db.db.update(users).set({ role: 'user' }).where(eq(users.role, 'admin'));
  await db.db.update(users).set({ role: 'admin' }).where(eq(users.id, a.id));
  await db.db.update(users).set({ role: 'admin' }).where(eq(users.id, b.id));
  return [a, b] as const;
}

let n = 0;
async function requester(approvalsRequired = 1) {
  const user = await makeUser(db.db);
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `race-${++n}`,
    subject: `user:${user.id}`,
    defaultDuration: 3600,
    maxDuration: 4 * 3600,
    knockOnSignIn: false,
    directAccess: false,
    approvalsRequired,
    targets: [fx.router.id],
  });
  if (!saved.ok) throw new Error(saved.error.message);
  const ip = { family: 4 as const, address: `198.51.100.${n}` };
  const ask = () =>
    createRequest(
      db.db,
      user,
      actorFor(user, ip.address),
      {
        target: 'any',
        address: '',
        duration: 3600,
        reason: 'Deploying the release tonight',
        clientAddress: ip,
      },
      silent,
    );
  return { user, ask };
}

describe('at the same moment', () => {
  it('two admins disabling each other leave one enabled admin', async () => {
    const [a, b] = await twoAdmins();
    const results = await Promise.all([
      setDisabled(db.db, actorFor(a), b.id, true),
      setDisabled(db.db, actorFor(b), a.id, true),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: { code: 'last_admin' } });
    expect(await enabledAdmins()).toBe(1);
  });

  it('two admins demoting each other leave one admin', async () => {
    const [a, b] = await twoAdmins();
    const results = await Promise.all([
      changeRole(db.db, actorFor(a), b.id, 'user'),
      changeRole(db.db, actorFor(b), a.id, 'user'),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await enabledAdmins()).toBe(1);
  });

  it(`parallel requests cannot pass the limit of ${MAX_PENDING_PER_USER} pending`, async () => {
    const { user, ask } = await requester();
    const results = await Promise.all(Array.from({ length: 10 }, ask));
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_PENDING_PER_USER);
    expect(results.filter((r) => !r.ok && r.error.code === 'too_many_pending')).toHaveLength(
      10 - MAX_PENDING_PER_USER,
    );
    const pending = await db.db
      .select()
      .from(accessRequests)
      .where(and(eq(accessRequests.userId, user.id), eq(accessRequests.status, 'pending')));
    expect(pending).toHaveLength(MAX_PENDING_PER_USER);
  });
});

describe('two approvals', () => {
  for (const [label, lose] of [
    [
      'disabled',
      (admin: { id: string; username: string }, id: string) => setDisabled(db.db, actorFor(admin), id, true),
    ],
    [
      'made a plain user',
      (admin: { id: string; username: string }, id: string) => changeRole(db.db, actorFor(admin), id, 'user'),
    ],
  ] as const) {
    it(`an approval by an approver since ${label} does not count`, async () => {
      const admin = await makeUser(db.db, { role: 'admin' });
      const [first, second, third] = [
        await makeUser(db.db, { role: 'approver' }),
        await makeUser(db.db, { role: 'approver' }),
        await makeUser(db.db, { role: 'approver' }),
      ];
      const { ask } = await requester(2);
      const asked = await ask();
      if (!asked.ok) throw new Error(asked.error.message);
      expect(await approveRequest(fx.ctx, first, actorFor(first), asked.value.id, {}, silent)).toMatchObject({
        ok: true,
        value: { state: 'awaiting_approval' },
      });
      expect((await lose(admin, first.id)).ok).toBe(true);
      // One approver who may still decide has agreed: it waits for another.
      expect(
        await approveRequest(fx.ctx, second, actorFor(second), asked.value.id, {}, silent),
      ).toMatchObject({
        ok: true,
        value: { state: 'awaiting_approval' },
      });
      expect(await approveRequest(fx.ctx, third, actorFor(third), asked.value.id, {}, silent)).toMatchObject({
        ok: true,
        value: { state: 'approved' },
      });
    });
  }
});

describe('approving after the policy changed', () => {
  it("the requester's maximum lowered since the request: approving for longer is refused, for the new maximum it works", async () => {
    const approver = await makeUser(db.db, { role: 'approver' });
    const user = await makeUser(db.db);
    const policy = (maxDuration: number, id: string | null = null) =>
      savePolicy(db.db, fixtureActor, id, {
        name: `lowered-${user.id.slice(0, 8)}`,
        subject: `user:${user.id}`,
        defaultDuration: 3600,
        maxDuration,
        knockOnSignIn: false,
        directAccess: false,
        targets: [fx.router.id],
      });
    const saved = await policy(4 * 3600);
    if (!saved.ok) throw new Error(saved.error.message);
    const ip = { family: 4 as const, address: '198.51.100.250' };
    const asked = await createRequest(
      db.db,
      user,
      actorFor(user, ip.address),
      {
        target: 'any',
        address: '',
        duration: 4 * 3600,
        reason: 'Deploying the release tonight',
        clientAddress: ip,
      },
      silent,
    );
    if (!asked.ok) throw new Error(asked.error.message);
    expect((await policy(3600, saved.value.id)).ok).toBe(true);
    expect(
      await approveRequest(fx.ctx, approver, actorFor(approver), asked.value.id, {}, silent),
    ).toMatchObject({
      ok: false,
      error: { code: 'duration_too_long', fields: { duration: expect.stringContaining('1h') } },
    });
    expect(
      await approveRequest(fx.ctx, approver, actorFor(approver), asked.value.id, { seconds: 3600 }, silent),
    ).toMatchObject({ ok: true, value: { state: 'approved', request: { approvedSeconds: 3600 } } });
  });
});
