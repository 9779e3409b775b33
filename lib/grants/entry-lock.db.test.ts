import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Db } from '@/lib/db/client';
import { grants } from '@/lib/db/schema';
import { openTestDatabase, testDriver } from '@/tests/db';
import { makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture } from '@/tests/router-fixture';
import {
  ENTRY_LOCK_NAMESPACE,
  EntryBusyError,
  type EntryLocks,
  inProcessEntryLocks,
  postgresEntryLocks,
} from './key-lock';
import { type GrantContext, openGrant, revokeGrant } from './service';
import { grantTag } from './tag';

/**
 * Two instances changing one router entry at the same moment. Instance A opens a second grant
 * for an address whose entry a first grant holds: it re-tags the router entry for its new grant,
 * then records the grant. Instance B revokes the first grant in between. Without a lock the two
 * instances share, B sees no live grant left for the address and removes the entry A has just
 * re-tagged: A's grant is recorded active with nothing on the router (until the reconciler's next
 * cycle). With PostgreSQL advisory locks B waits for A and keeps the entry.
 *
 * A is held between its router change and its database transaction by a gate on its database's
 * `transaction()`; "B is waiting" is read from pg_locks, not guessed with a sleep.
 */
let db: DatabaseHandle & { url?: string };
let fx: Awaited<ReturnType<typeof startRouterFixture>>;

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
});
afterAll(async () => {
  await fx.close();
  await db.close();
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
async function race(locksA: EntryLocks, locksB: EntryLocks, waitForB: 'blocked' | 'done') {
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
  if (waitForB === 'blocked') {
    await expect.poll(waitingAdvisoryLocks, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
  } else {
    await revoking;
  }
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

async function waitingAdvisoryLocks(): Promise<number> {
  const sql = postgres(db.url!, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select count(*)::int as n from pg_locks
      where locktype = 'advisory' and classid = ${ENTRY_LOCK_NAMESPACE} and not granted`;
    return row?.n ?? 0;
  } finally {
    await sql.end();
  }
}

describe('one router entry, two instances', () => {
  it('without a lock the instances share, the revoke removes the entry the open just re-tagged (the race the lock exists for)', async () => {
    const { g1, g2, entries } = await race(inProcessEntryLocks(), inProcessEntryLocks(), 'done');
    expect(g1.status).toBe('revoked');
    expect(g2.status).toBe('active');
    expect(entries).toEqual([]);
  });

  it.runIf(testDriver === 'postgres')(
    'with PostgreSQL advisory locks the revoke waits for the open and the entry stays for the new grant',
    async () => {
      const a = postgresEntryLocks(db.url!);
      const b = postgresEntryLocks(db.url!);
      try {
        const { g1, g2, entries } = await race(a, b, 'blocked');
        expect(g1.status).toBe('revoked');
        expect(g2.status).toBe('active');
        expect(entries.map((e) => e.comment)).toEqual([grantTag(g2.id)]);
        expect(entries[0]!.timeoutSeconds).toBeGreaterThan(3600);
        expect(await waitingAdvisoryLocks()).toBe(0);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );

  it.runIf(testDriver === 'postgres')(
    'a lock held too long by another instance fails the wait with a clear error; other entries are not held up',
    async () => {
      const a = postgresEntryLocks(db.url!);
      const b = postgresEntryLocks(db.url!, { waitMs: 200 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      try {
        const holding = a.run('router|ip|knockgate|192.0.2.1', async () => {
          entered();
          await held;
        });
        await inside;
        const refused = await b
          .run('router|ip|knockgate|192.0.2.1', async () => 'ran')
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(EntryBusyError);
        expect((refused as Error).message).toBe(
          'Another Knockgate instance is still changing this router entry; try again in a moment.',
        );
        expect(await b.run('router|ip|knockgate|192.0.2.2', async () => 'other entry')).toBe('other entry');
        release();
        await holding;
        expect(await b.run('router|ip|knockgate|192.0.2.1', async () => 'ran')).toBe('ran');
      } finally {
        release();
        await Promise.all([a.close(), b.close()]);
      }
    },
  );

  it.runIf(testDriver === 'postgres')(
    'an instance that dies holding a lock does not hold the entry: the server releases it',
    async () => {
      const a = postgresEntryLocks(db.url!);
      const b = postgresEntryLocks(db.url!, { waitMs: 5_000 });
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      try {
        const holding = a
          .run('router|ip|knockgate|192.0.2.3', async () => {
            entered();
            await new Promise(() => {}); // never finishes: the instance "hangs", then dies
          })
          .catch(() => {});
        await inside;
        // The instance's connections are cut (as when its process is killed).
        const admin = postgres(db.url!, { max: 1, onnotice: () => {} });
        await admin`select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'knockgate-entry-locks' and pid <> pg_backend_pid()
            and pid in (select pid from pg_locks where locktype = 'advisory' and granted
              and classid = ${ENTRY_LOCK_NAMESPACE})`;
        await admin.end();
        expect(await b.run('router|ip|knockgate|192.0.2.3', async () => 'taken over')).toBe('taken over');
        void holding;
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );
});
