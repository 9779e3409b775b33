import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle, Db } from '@/lib/db/client';
import { entryLocks, grants } from '@/lib/db/schema';
import { testDriver } from '@/tests/db';
import { makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
} from '@/tests/router-fixture';
import { EntryBusyError, type EntryLocks, inProcessEntryLocks, postgresEntryLocks } from './key-lock';
import { type GrantContext, openGrant, revokeGrant } from './service';
import { grantTag } from './tag';

/**
 * Two instances changing one router entry at the same moment. Instance A opens a second grant
 * for an address whose entry a first grant holds: it re-tags the router entry for its new grant,
 * then records the grant. Instance B revokes the first grant in between. Without a lock the two
 * instances share, B sees no live grant left for the address and removes the entry A has just
 * re-tagged: A's grant is recorded active with nothing on the router (until the reconciler's next
 * cycle). With the leases of `postgresEntryLocks` B waits for A and keeps the entry.
 *
 * A is held between its router change and its database transaction by a gate on its database's
 * `transaction()`; "B is waiting" is B's own report that it found the key held, not a sleep.
 */
let db: DatabaseHandle & { url?: string };
let fx: RouterFixture;

routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
});

/** `db` whose `transaction()` waits at a gate; `reached` resolves when the caller got there. */
function gated(inner: Db) {
  let open!: () => void;
  let arrive!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const proxy = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'transaction') {
        return async (...args: Parameters<Db['transaction']>) => {
          arrive();
          await gate;
          return target.transaction(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, reached, open };
}

let n = 0;
async function race(locksA: EntryLocks, locksB: EntryLocks, bWaits: Promise<void> | null) {
  const address = `203.0.113.${++n}`;
  const [first, second] = [await makeUser(db.db), await makeUser(db.db)];
  const input = (userId: string, durationSeconds: number) => ({
    userId,
    routerId: fx.router.id,
    family: 'ip' as const,
    list: 'knockgate',
    address,
    source: 'web' as const,
    durationSeconds,
  });
  const g1 = await openGrant({ ...fx.ctx, locks: locksB }, fixtureActor, input(first.id, 3600));
  expect(g1.confirmed).toBe(true);

  const gate = gated(db.db);
  const a: GrantContext = { ...fx.ctx, db: gate.db, locks: locksA };
  const b: GrantContext = { ...fx.ctx, locks: locksB };
  const opening = openGrant(a, fixtureActor, input(second.id, 7200));
  await gate.reached; // A has re-tagged the entry on the router and not yet recorded its grant
  expect(
    routerEntries(fx.sim)
      .filter((e) => e.address === address)
      .map((e) => e.comment),
  ).toHaveLength(1);

  const revoking = revokeGrant(b, fixtureActor, g1.grant.id);
  // With a shared lock B finds the key held and waits; without one it runs to its end.
  await (bWaits ?? revoking);
  gate.open();
  const [opened] = await Promise.all([opening, revoking]);
  const [g2] = await db.db.select().from(grants).where(eq(grants.id, opened.grant.id));
  const [g1After] = await db.db.select().from(grants).where(eq(grants.id, g1.grant.id));
  return {
    g2: g2!,
    g1: g1After!,
    entries: routerEntries(fx.sim).filter((e) => e.address === address),
  };
}

describe('one router entry, two instances', () => {
  it('without a lock the instances share, the revoke removes the entry the open just re-tagged (the race the lock exists for)', async () => {
    const { g1, g2, entries } = await race(inProcessEntryLocks(), inProcessEntryLocks(), null);
    expect(g1.status).toBe('revoked');
    expect(g2.status).toBe('active');
    expect(entries).toEqual([]);
  });

  it('with leases in the database the revoke waits for the open and the entry stays for the new grant', async () => {
    let busy!: () => void;
    const waited = new Promise<void>((resolve) => {
      busy = resolve;
    });
    const a = postgresEntryLocks(db.db);
    const b = postgresEntryLocks(db.db, { onBusy: () => busy() });
    const { g1, g2, entries } = await race(a, b, waited);
    expect(g1.status).toBe('revoked');
    expect(g2.status).toBe('active');
    expect(entries.map((e) => e.comment)).toEqual([grantTag(g2.id)]);
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(3600);
    expect(await db.db.select().from(entryLocks)).toEqual([]);
  });

  it('a key held too long by another instance fails the wait with a clear error; other keys are not held up', async () => {
    const a = postgresEntryLocks(db.db);
    const b = postgresEntryLocks(db.db, { waitMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const holding = a.run('router|ip|knockgate|192.0.2.1', async () => {
      entered();
      await held;
    });
    try {
      await inside;
      const refused = await b
        .run('router|ip|knockgate|192.0.2.1', async () => 'ran')
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(EntryBusyError);
      expect((refused as Error).message).toBe(
        'Another Knockgate instance is still changing this router entry; try again in a moment.',
      );
      // The same instance's other keys, and the other instance's, go on meanwhile.
      expect(await a.run('router|ip|knockgate|192.0.2.2', async () => 'other entry')).toBe('other entry');
      expect(await b.run('router|ip|knockgate|192.0.2.3', async () => 'other entry')).toBe('other entry');
    } finally {
      release();
      await holding;
    }
    expect(await b.run('router|ip|knockgate|192.0.2.1', async () => 'ran')).toBe('ran');
  });

  it('a stopped instance blocks its keys for one lease at most', async () => {
    // An instance stopped while holding a key: its lease row (one second left) stays until it runs
    // out. B may wait two leases: a key still blocked after that fails the run.
    await db.db.insert(entryLocks).values({
      key: 'router|ip|knockgate|192.0.2.4',
      holder: 'stopped',
      expiresAt: sql`now() + interval '1 second'`,
    });
    let waits = 0;
    const b = postgresEntryLocks(db.db, { waitMs: 2_000, onBusy: () => waits++ });
    expect(await b.run('router|ip|knockgate|192.0.2.4', async () => 'taken over')).toBe('taken over');
    expect(waits).toBeGreaterThan(0);
    expect(await db.db.select().from(entryLocks)).toEqual([]);
  });

  it('a long change renews its lease, so nobody takes the key over meanwhile', async () => {
    const key = 'router|ip|knockgate|192.0.2.5';
    const leaseMs = 2_000;
    const a = postgresEntryLocks(db.db, { leaseMs });
    const b = postgresEntryLocks(db.db, { waitMs: 100 });
    const result = await a.run(key, async () => {
      const [taken] = await db.db
        .select({ expiresAt: entryLocks.expiresAt })
        .from(entryLocks)
        .where(eq(entryLocks.key, key));
      // The change runs until, by the database's clock, a whole lease has passed since the lease it
      // took was due to run out: only renewals kept up all along keep B out by then.
      const until = new Date(taken!.expiresAt.getTime() + leaseMs);
      await vi.waitFor(
        async () => {
          const [row] = await db.db
            .select({ past: sql<boolean>`now() > ${until.toISOString()}::timestamptz` })
            .from(entryLocks)
            .where(eq(entryLocks.key, key));
          expect(row?.past).toBe(true);
        },
        { timeout: 5 * leaseMs, interval: 100 },
      );
      return b.run(key, async () => 'taken').catch((e: unknown) => e);
    });
    expect(result).toBeInstanceOf(EntryBusyError);
    expect((result as Error).message).toBe(
      'Another Knockgate instance is still changing this router entry; try again in a moment.',
    );
  });

  it.runIf(testDriver === 'postgres')(
    'database connections cut while a key is held: the change still completes and the key is free again',
    async () => {
      const a = postgresEntryLocks(db.db);
      const admin = postgres(db.url!, { max: 1, onnotice: () => {} });
      try {
        const result = await a.run('router|ip|knockgate|192.0.2.6', async () => {
          // The app's pool holds all its connections open (a busy moment)...
          await Promise.all(Array.from({ length: 10 }, () => db.db.execute(sql`select pg_sleep(0.05)`)));
          // ...and every one of them is cut (a PostgreSQL restart).
          await admin`select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()`;
          return 'work done';
        });
        expect(result).toBe('work done');
        const b = postgresEntryLocks(db.db, { waitMs: 1_000 });
        expect(await b.run('router|ip|knockgate|192.0.2.6', async () => 'free')).toBe('free');
      } finally {
        await admin.end();
      }
    },
  );
});
