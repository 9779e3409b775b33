import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { grants, policyTargets } from '@/lib/db/schema';
import { openAccessForUser } from '@/lib/grants/access';
import { createRouter } from '@/lib/routers/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture, testBox } from '@/tests/router-fixture';
import { clampDuration, effectivePolicy, savePolicy } from './service';

let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

async function router(name: string, enabled = true) {
  const r = await createRouter(
    db.db,
    fixtureActor,
    {
      name,
      host: '127.0.0.1',
      port: 8728,
      tls: false,
      fingerprint: null,
      username: 'u',
      password: '',
      ipv4List: 'kg',
      ipv6List: 'kg6',
      enabled,
    },
    testBox,
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('policies', () => {
  it('a user policy wins over their role policy; disabled routers are left out', async () => {
    const a = await router('pol-a');
    const b = await router('pol-b');
    const off = await router('pol-off', false);
    const admin = await makeUser(db.db, { role: 'admin' });
    const alice = await makeUser(db.db, { role: 'approver' });
    const bob = await makeUser(db.db, { role: 'approver' });
    const base = { defaultDuration: 3600, maxDuration: 7200, knockOnSignIn: true, directAccess: true };
    expect(
      (
        await savePolicy(db.db, actorFor(admin), null, {
          ...base,
          name: 'approvers',
          subject: 'role:approver',
          targets: [a.id, off.id],
        })
      ).ok,
    ).toBe(true);
    expect(
      (
        await savePolicy(db.db, actorFor(admin), null, {
          ...base,
          name: 'alice only',
          subject: `user:${alice.id}`,
          targets: [b.id],
          directAccess: false,
        })
      ).ok,
    ).toBe(true);

    const forBob = await effectivePolicy(db.db, bob);
    expect(forBob?.policy.name).toBe('approvers');
    expect(forBob?.targets.map((t) => t.router.name)).toEqual(['pol-a']);
    const forAlice = await effectivePolicy(db.db, alice);
    expect(forAlice?.policy.name).toBe('alice only');
    expect(forAlice?.policy.directAccess).toBe(false);
    expect(forAlice?.targets.map((t) => t.router.name)).toEqual(['pol-b']);
    expect(await effectivePolicy(db.db, await makeUser(db.db, { role: 'user' }))).toBeNull();
  });

  it('one policy per role or user, unknown routers refused, default above maximum refused', async () => {
    const a = await router('pol-c');
    const admin = await makeUser(db.db, { role: 'admin' });
    const base = { defaultDuration: 3600, maxDuration: 7200, knockOnSignIn: true, directAccess: true };
    expect(
      (
        await savePolicy(db.db, actorFor(admin), null, {
          ...base,
          name: 'users 1',
          subject: 'role:user',
          targets: [a.id],
        })
      ).ok,
    ).toBe(true);
    expect(
      await savePolicy(db.db, actorFor(admin), null, {
        ...base,
        name: 'users 2',
        subject: 'role:user',
        targets: [a.id],
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'subject_taken' },
    });
    expect(
      await savePolicy(db.db, actorFor(admin), null, {
        ...base,
        name: 'ghost',
        subject: 'role:admin',
        targets: ['00000000-0000-4000-8000-000000000000'],
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('clamps durations to the maximum', () => {
    expect(clampDuration({ defaultDurationSeconds: 3600, maxDurationSeconds: 7200 })).toEqual({
      seconds: 3600,
      clamped: false,
    });
    expect(clampDuration({ defaultDurationSeconds: 3600, maxDurationSeconds: 7200 }, 9000)).toEqual({
      seconds: 7200,
      clamped: true,
    });
  });

  it('a target named twice is kept once, and a list named twice is knocked once', async () => {
    const fx = await startRouterFixture(db.db, { name: 'pol-twice' });
    try {
      const user = await makeUser(db.db, { role: 'user' });
      const saved = await savePolicy(db.db, fixtureActor, null, {
        name: 'twice',
        subject: `user:${user.id}`,
        defaultDuration: 3600,
        maxDuration: 7200,
        knockOnSignIn: true,
        directAccess: true,
        // The router's default list, the same again, and that list by its name.
        targets: [fx.router.id, fx.router.id, `${fx.router.id}|knockgate`],
      });
      expect(saved.ok).toBe(true);
      const stored = await db.db
        .select()
        .from(policyTargets)
        .where(eq(policyTargets.policyId, saved.ok ? saved.value.id : ''));
      expect(stored.map((t) => t.list).sort()).toEqual(['knockgate', null]);

      const opened = await openAccessForUser(fx.ctx, user, actorFor(user), {
        address: { family: 4, address: '198.51.100.91' },
      });
      expect(opened.ok && opened.value.targets.map((t) => t.list)).toEqual(['knockgate']);
      const rows = await db.db.select().from(grants).where(eq(grants.userId, user.id));
      expect(rows).toHaveLength(1);
      expect((await routerEntries(fx.sim)).filter((e) => e.address === '198.51.100.91')).toHaveLength(1);
    } finally {
      await fx.close();
    }
  });
});
