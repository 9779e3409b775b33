import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { grants } from '@/lib/db/schema';
import type { RouterClient } from '@/lib/routeros';
import { makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
} from '@/tests/router-fixture';
import { reconcileRouter } from './reconciler';
import { expireGrants, extendGrant, type GrantContext, openGrant, revokeGrant } from './service';
import { grantTag } from './tag';

/**
 * The reconciler works from snapshots (live grants, then the router's entries) taken a moment
 * before it acts. A knock or an extend in that moment must not be undone by it: changes and
 * removals of existing entries are synced again under the entry's lock from fresh reads. Each
 * race is forced with a gate on the reconciler's `print` (before it, or after it), so the
 * interleaving is certain rather than likely.
 */
let db: DatabaseHandle;
let fx: RouterFixture;

routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
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

/** The fixture's context with some router commands replaced (lost answers, failures, delays). */
function withClient(
  hooks: Partial<
    Record<'add' | 'remove' | 'print', (target: RouterClient, args: unknown[]) => Promise<unknown>>
  >,
): GrantContext {
  const wrap = (client: RouterClient): RouterClient =>
    new Proxy(client, {
      get(target, prop) {
        const hook = hooks[prop as keyof typeof hooks];
        if (hook) return (...args: unknown[]) => hook(target, args);
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { ...fx.ctx, clientFor: async (id) => wrap(await fx.ctx.clientFor(id)) };
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

  it('an extend and a failed revoke after its snapshot: the revoke is not confirmed while the entry is there', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    const opened = await openGrant(fx.ctx, fixtureActor, input(user.id, address, 3600));
    const id = opened.grant.id;
    // A revoke whose remove reached the router but whose answer was lost: revoke_pending, no entry.
    const lostAnswer = withClient({
      remove: async (t, a) => {
        await t.remove(...(a as Parameters<RouterClient['remove']>));
        throw new Error('answer lost');
      },
    });
    expect((await revokeGrant(lostAnswer, fixtureActor, id)).grant.status).toBe('revoke_pending');

    const r = gatedReconciler('after');
    const reconciling = reconcileRouter(r.ctx, fixtureActor, fx.router);
    await r.reached; // snapshot: revoke_pending, nothing on the router
    expect((await extendGrant(fx.ctx, fixtureActor, id, 3600)).confirmed).toBe(true);
    const failing = withClient({ remove: async () => Promise.reject(new Error('router timeout')) });
    expect((await revokeGrant(failing, fixtureActor, id)).confirmed).toBe(false);
    r.open();
    await reconciling;

    const [row] = await db.db.select().from(grants).where(eq(grants.id, id));
    const tagged = routerEntries(fx.sim)
      .filter((e) => e.address === address)
      .map((e) => e.comment);
    expect(tagged).toEqual([grantTag(id)]);
    expect(row!.status).toBe('revoke_pending'); // still to be removed; the retry will do it
    expect(row!.nextAttemptAt).not.toBeNull();
  });

  it('a revoke and a failed extend after its snapshot: the grant is not reported active with nothing on the router', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    // An open whose add reached the router but whose answer was lost: pending, entry there.
    const lostAdd = withClient({
      add: async (t, a) => {
        await t.add(...(a as Parameters<RouterClient['add']>));
        throw new Error('answer lost');
      },
    });
    const opened = await openGrant(lostAdd, fixtureActor, input(user.id, address, 3600));
    expect(opened.grant.status).toBe('pending');
    const id = opened.grant.id;

    const r = gatedReconciler('after');
    const reconciling = reconcileRouter(r.ctx, fixtureActor, fx.router);
    await r.reached; // snapshot: pending, its entry on the router
    const lostRemove = withClient({
      remove: async (t, a) => {
        await t.remove(...(a as Parameters<RouterClient['remove']>));
        throw new Error('answer lost');
      },
    });
    await revokeGrant(lostRemove, fixtureActor, id);
    const failingAdd = withClient({ add: async () => Promise.reject(new Error('router timeout')) });
    expect((await extendGrant(failingAdd, fixtureActor, id, 3600)).confirmed).toBe(false);
    r.open();
    await reconciling;

    const [row] = await db.db.select().from(grants).where(eq(grants.id, id));
    expect(routerEntries(fx.sim).filter((e) => e.address === address)).toEqual([]);
    expect(row!.status).toBe('pending');
    expect(row!.nextAttemptAt).not.toBeNull();
  });

  it('a slow router: the entry it re-adds gets the time left when written, not when the run began', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    const opened = await openGrant(fx.ctx, fixtureActor, input(user.id, address, 3600));
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.remove('/ip/firewall/address-list', opened.grant.routerEntryId!);
    let first = true;
    const slow = withClient({
      print: async (t, a) => {
        const rows = await t.print(...(a as Parameters<RouterClient['print']>));
        if (first) {
          first = false;
          await new Promise((resolve) => setTimeout(resolve, 3_000));
        }
        return rows;
      },
    });
    await reconcileRouter(slow, fixtureActor, fx.router);
    const [entry] = routerEntries(fx.sim).filter((e) => e.address === address);
    const left = (opened.grant.expiresAt.getTime() - Date.now()) / 1000;
    expect(entry!.timeoutSeconds).toBeLessThanOrEqual(Math.ceil(left) + 1);
  });
});

describe('entries an admin touched', () => {
  it('a disabled entry with our tag is enabled again when a knock or the reconciler keeps it', async () => {
    const address = `198.18.0.${++n}`;
    const [a, b] = [await makeUser(db.db), await makeUser(db.db)];
    const first = await openGrant(fx.ctx, fixtureActor, input(a.id, address, 3600));
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.set('/ip/firewall/address-list', first.grant.routerEntryId!, { disabled: true });
    const second = await openGrant(fx.ctx, fixtureActor, input(b.id, address, 7200));
    expect(second.confirmed).toBe(true);
    let [entry] = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entry!.disabled).toBe(false);

    await client.set('/ip/firewall/address-list', entry!.id, { disabled: true });
    await reconcileRouter(fx.ctx, fixtureActor, fx.router);
    [entry] = routerEntries(fx.sim).filter((e) => e.address === address);
    expect(entry!.disabled).toBe(false);
  });
});

describe('ending', () => {
  it('a grant being revoked while its router stays away is settled once its time has run out', async () => {
    const address = `198.18.0.${++n}`;
    const user = await makeUser(db.db);
    const opened = await openGrant(fx.ctx, fixtureActor, input(user.id, address, 60));
    const away = withClient({ remove: async () => Promise.reject(new Error('router unreachable')) });
    expect((await revokeGrant(away, fixtureActor, opened.grant.id)).grant.status).toBe('revoke_pending');
    // An hour later, the router still away: the entry timed out on it long ago.
    const later: GrantContext = { ...fx.ctx, now: () => new Date(Date.now() + 3600_000) };
    await expireGrants(later, fixtureActor);
    const [row] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
    expect(row).toMatchObject({ status: 'revoked', nextAttemptAt: null });
  });
});
