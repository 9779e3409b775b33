import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, grants, routers } from '@/lib/db/schema';
import { endAllAccessOnRouter } from '@/lib/grants/access';
import { openGrant } from '@/lib/grants/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture, testBox } from '@/tests/router-fixture';
import { deleteRouter, updateRouter } from './service';

/** Router records: where the stored password may go, and when a router may be deleted. */
let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const formOf = (r: typeof routers.$inferSelect) => ({
  name: r.name,
  host: r.host,
  port: r.port,
  tls: r.tls,
  fingerprint: r.fingerprint,
  username: r.username,
  password: '',
  ipv4List: r.ipv4List,
  ipv6List: r.ipv6List,
  enabled: r.enabled,
});

describe('routers', () => {
  it('the stored password is kept only while the connection settings stay; moving the router asks for it again', async () => {
    const fx = await startRouterFixture(db.db, { name: 'rt-move' });
    try {
      const before = fx.router;
      // A rename and another list keep the password.
      const renamed = await updateRouter(
        db.db,
        fixtureActor,
        before.id,
        { ...formOf(before), name: 'rt-move-2', ipv4List: 'other' },
        testBox,
      );
      expect(renamed.ok && renamed.value.passwordEnc).toBe(before.passwordEnc);

      for (const change of [
        { host: '192.0.2.10' },
        { port: 18728 },
        { tls: true },
        { fingerprint: 'ab'.repeat(32) },
        { username: 'someone-else' },
      ]) {
        const moved = await updateRouter(
          db.db,
          fixtureActor,
          before.id,
          { ...formOf(before), name: 'rt-move-2', ...change },
          testBox,
        );
        expect(moved, JSON.stringify(change)).toMatchObject({
          ok: false,
          error: { code: 'password_required', fields: { password: expect.stringMatching(/password again/) } },
        });
      }
      const [unchanged] = await db.db.select().from(routers).where(eq(routers.id, before.id));
      expect(unchanged!.host).toBe('127.0.0.1');

      // With the password typed again, the move goes through.
      const moved = await updateRouter(
        db.db,
        fixtureActor,
        before.id,
        { ...formOf(before), name: 'rt-move-2', host: '192.0.2.10', password: 'typed-again' },
        testBox,
      );
      expect(moved.ok && moved.value.host).toBe('192.0.2.10');
      expect(moved.ok && testBox.open(moved.value.passwordEnc, 'router-password')).toBe('typed-again');
    } finally {
      await fx.close();
    }
  });

  it('a router whose grants are not confirmed ended is not deleted unless forced; then the audit says so', async () => {
    const fx = await startRouterFixture(db.db, { name: 'rt-delete' });
    try {
      const user = await makeUser(db.db);
      const opened = await openGrant(fx.ctx, actorFor(user), {
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip',
        list: 'knockgate',
        address: '198.51.100.81',
        source: 'web',
        durationSeconds: 600,
      });
      expect(opened.confirmed).toBe(true);

      // The router cannot be reached: ending the grants leaves them revoke_pending.
      fx.sim.faults.set({ refuseConnections: true });
      await fx.sim.reboot();
      const ended = await endAllAccessOnRouter(fx.ctx, fixtureActor, fx.router.id);
      expect(ended).toEqual({ ended: 0, pending: 1 });

      const refused = await deleteRouter(db.db, fixtureActor, fx.router.id);
      expect(refused).toMatchObject({ ok: false, error: { code: 'router_has_grants' } });
      expect(await db.db.select().from(routers).where(eq(routers.id, fx.router.id))).toHaveLength(1);

      const forced = await deleteRouter(db.db, fixtureActor, fx.router.id, { force: true });
      expect(forced.ok).toBe(true);
      expect(await db.db.select().from(routers).where(eq(routers.id, fx.router.id))).toHaveLength(0);
      const [event] = await db.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'router.delete'), eq(auditEvents.targetId, fx.router.id)));
      expect(event!.details).toMatchObject({ forced: true, grantsGivenUp: 1 });
    } finally {
      await fx.close();
    }
  });

  it('a router whose grants were all confirmed ended is deleted, and its entries are gone', async () => {
    const fx = await startRouterFixture(db.db, { name: 'rt-delete-clean' });
    try {
      const user = await makeUser(db.db);
      await openGrant(fx.ctx, actorFor(user), {
        userId: user.id,
        routerId: fx.router.id,
        family: 'ip',
        list: 'knockgate',
        address: '198.51.100.82',
        source: 'web',
        durationSeconds: 600,
      });
      expect(await endAllAccessOnRouter(fx.ctx, fixtureActor, fx.router.id)).toEqual({
        ended: 1,
        pending: 0,
      });
      expect(routerEntries(fx.sim).filter((e) => e.address === '198.51.100.82')).toEqual([]);
      expect((await deleteRouter(db.db, fixtureActor, fx.router.id)).ok).toBe(true);
      expect(await db.db.select().from(grants).where(eq(grants.routerId, fx.router.id))).toEqual([]);
    } finally {
      await fx.close();
    }
  });
});
