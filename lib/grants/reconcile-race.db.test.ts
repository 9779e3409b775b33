import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { grants } from '@/lib/db/schema';
import type { RouterClient } from '@/lib/routeros';
import { openTestDatabase } from '@/tests/db';
import { makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture } from '@/tests/router-fixture';
import { reconcileRouter } from './reconciler';
import { extendGrant, type GrantContext, openGrant } from './service';
import { grantTag } from './tag';

/**
 * The reconciler works from snapshots (live grants, then the router's entries) taken a moment
 * before it acts. A knock or an extend in that moment must not be undone by it: changes and
 * removals of existing entries are synced again under the entry's lock from fresh reads. Each
 * race is forced with a gate on the reconciler's `print` (before it, or after it), so the
 * interleaving is certain rather than likely.
 */
let db: DatabaseHandle;
let fx: Awaited<ReturnType<typeof startRouterFixture>>;

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
});
afterAll(async () => {
  await fx.close();
  await db.close();
});

/** A context whose router client waits at a gate on its first `print` (before or after it). */
function gatedReconciler(when: 'before' | 'after') {
  let open!: () => void;
  let arrive!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const wrap = (client: RouterClient): RouterClient =>
    new Proxy(client, {
      get(target, prop) {
        if (prop === 'print') {
          return async (...args: Parameters<RouterClient['print']>) => {
            if (when === 'before') {
              arrive();
              await gate;
              return target.print(...args);
            }
            const rows = await target.print(...args);
            arrive();
            await gate;
            return rows;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const ctx: GrantContext = { ...fx.ctx, clientFor: async (id) => wrap(await fx.ctx.clientFor(id)) };
  return { ctx, reached, open };
}

let n = 0;
const input = (userId: string, address: string, durationSeconds: number) => ({
  userId,
  routerId: fx.router.id,
  family: 'ip' as const,
  list: 'knockgate',
  address,
  source: 'web' as const,
  durationSeconds,
});

describe('the reconciler does not undo a change made while it worked', () => {
  it("an entry it found for an ended grant, re-tagged by a knock since, is kept for the knock's grant", async () => {
    const address = `198.18.0.${++n}`;
    const [first, second] = [await makeUser(db.db), await makeUser(db.db)];
    const ended = await openGrant(fx.ctx, fixtureActor, input(first.id, address, 3600));
    // The first grant ended but its entry is still there (its removal had not reached the router).
    await db.db.update(grants).set({ status: 'revoked' }).where(eq(grants.id, ended.grant.id));

    const r = gatedReconciler('after');
    const reconciling = reconcileRouter(r.ctx, fixtureActor, fx.router);
    await r.reached; // the reconciler has seen the entry tagged for the ended grant
    const knock = await openGrant(fx.ctx, fixtureActor, input(second.id, address, 3600));
    expect(knock.confirmed).toBe(true);
    expect(
      routerEntries(fx.sim)
        .filter((e) => e.address === address)
        .map((e) => e.comment),
    ).toEqual([grantTag(knock.grant.id)]);
    r.open();
    const report = await reconciling;

    expect(report.removed).toBe(0);
    expect(
      routerEntries(fx.sim)
        .filter((e) => e.address === address)
        .map((e) => e.comment),
    ).toEqual([grantTag(knock.grant.id)]);
  });

  it('an extend made between its database read and its router read is not cut back to the old time', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    const opened = await openGrant(fx.ctx, fixtureActor, input(user.id, address, 3600));

    const r = gatedReconciler('before');
    const reconciling = reconcileRouter(r.ctx, fixtureActor, fx.router);
    await r.reached; // live grants read (1 h left); the router not yet
    const extended = await extendGrant(fx.ctx, fixtureActor, opened.grant.id, 8 * 3600);
    expect(extended.confirmed).toBe(true);
    r.open();
    await reconciling;

    const [entry] = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entry?.comment).toBe(grantTag(opened.grant.id));
    expect(entry!.timeoutSeconds).toBeGreaterThan(8 * 3600 - 60);
  });

  it('an entry it found missing, re-added by an extend since, keeps the extended time', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    const opened = await openGrant(fx.ctx, fixtureActor, input(user.id, address, 3600));
    // The router lost the entry (a reboot).
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.remove('/ip/firewall/address-list', opened.grant.routerEntryId!);
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toEqual([]);

    const r = gatedReconciler('after');
    const reconciling = reconcileRouter(r.ctx, fixtureActor, fx.router);
    await r.reached; // live grants read (1 h left), the router read: the entry is missing
    const extended = await extendGrant(fx.ctx, fixtureActor, opened.grant.id, 8 * 3600);
    expect(extended.confirmed).toBe(true);
    r.open();
    await reconciling;

    const entries = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entries.map((e) => e.comment)).toEqual([grantTag(opened.grant.id)]);
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(8 * 3600 - 60);
  });
});
