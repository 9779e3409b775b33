import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { entryLocks } from '../db/schema';

/**
 * One router entry, one change at a time: opening, extending, revoking and retrying the same
 * (router, family, list, address) are serialised, so a revoke cannot remove an entry that an
 * open has just re-tagged for a grant it has not recorded yet. In one process a queue per key
 * does it; instances sharing a PostgreSQL database also take a lease on the key in the database
 * (`postgresEntryLocks`).
 */
export interface EntryLocks {
  run<T>(lockKey: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function entryLockKey(routerId: string, k: { family: string; list: string; address: string }): string {
  return `${routerId}|${k.family}|${k.list}|${k.address.toLowerCase()}`;
}

/** A queue per key inside this process (all that one process on the embedded database needs). */
export function inProcessEntryLocks(map: Map<string, Promise<unknown>> = new Map()): EntryLocks {
  return {
    async run(lockKey, work) {
      const previous = map.get(lockKey) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      map.set(lockKey, tail);
      await previous.catch(() => {});
      try {
        return await work();
      } finally {
        release();
        if (map.get(lockKey) === tail) map.delete(lockKey);
      }
    },
    async close() {},
  };
}

/** Raised when another instance held a key longer than the wait allows, or the lease failed. */
export class EntryBusyError extends Error {
  readonly code = 'entry_busy';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EntryBusyError';
  }
}

/**
 * How many failed statements in a row a lease take or release tolerates: more than the app's pool
 * of connections (10, `lib/db/client.ts`), since after a database restart each pooled connection
 * fails once before the pool replaces it.
 */
const DEAD_CONNECTION_TRIES = 12;

export type LeaseOptions = {
  /** How long a lease lasts unless renewed (renewed every third of it while the work runs). */
  leaseMs?: number;
  /** The longest wait for a key another instance holds; then `EntryBusyError`. */
  waitMs?: number;
  /** Called each time the key was found held by another instance (tests watch the wait). */
  onBusy?: (lockKey: string) => void;
};

/**
 * Locks shared by every instance on one PostgreSQL database: the in-process queue first (so an
 * instance asks the database once per key at a time), then a lease row in `entry_locks`, taken
 * with one INSERT … ON CONFLICT that succeeds only when the key is free or its lease has run out
 * (database time, so instance clocks do not matter). Nothing holds a database connection while
 * the work runs: a lost connection or a restarted server costs at most the release (the lease then
 * runs out by itself), and a stopped instance blocks its keys for at most one lease. Waiting is
 * polling with a short backoff, bounded by `waitMs`.
 */
export function postgresEntryLocks(db: Db, options: LeaseOptions = {}): EntryLocks {
  const local = inProcessEntryLocks();
  const leaseMs = options.leaseMs ?? 30_000;
  const waitMs = options.waitMs ?? 15_000;
  const holder = randomUUID();
  const lease = sql`make_interval(secs => ${leaseMs / 1000})`;

  async function tryTake(lockKey: string): Promise<boolean> {
    const rows = await db.execute<{ holder: string }>(sql`
      insert into entry_locks (key, holder, expires_at) values (${lockKey}, ${holder}, now() + ${lease})
      on conflict (key) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where entry_locks.expires_at < now()
      returning holder`);
    const list = Array.isArray(rows) ? rows : (rows as unknown as { rows: { holder: string }[] }).rows;
    return list[0]?.holder === holder;
  }

  async function take(lockKey: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    let pause = 5;
    let failures = 0;
    for (;;) {
      let taken = false;
      try {
        taken = await tryTake(lockKey);
      } catch (error) {
        // Each pooled connection the server closed (restart, failover) fails once before the
        // pool opens a new one. A database that stays away fails the change.
        if (++failures >= DEAD_CONNECTION_TRIES || Date.now() + pause > deadline) {
          throw new EntryBusyError(`The entry lock could not be taken: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      if (taken) return;
      if (failures === 0) options.onBusy?.(lockKey);
      if (Date.now() + pause > deadline) {
        throw new EntryBusyError(
          'Another Knockgate instance is still changing this router entry; try again in a moment.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 100);
    }
  }

  /** Tried past the pool's dead connections; if the database stays away, the lease runs out by
   * itself. */
  async function release(lockKey: string): Promise<void> {
    for (let attempt = 0; attempt < DEAD_CONNECTION_TRIES; attempt++) {
      try {
        await db.execute(sql`delete from entry_locks where key = ${lockKey} and holder = ${holder}`);
        return;
      } catch {
        // A backend being shut down may still take a connection or two: give it a moment.
        await new Promise((resolve) => setTimeout(resolve, Math.min(10 * 2 ** attempt, 200)));
      }
    }
  }

  return {
    run(lockKey, work) {
      return local.run(lockKey, async () => {
        await take(lockKey);
        const renew = setInterval(() => {
          db.update(entryLocks)
            .set({ expiresAt: sql`now() + ${lease}` })
            .where(and(eq(entryLocks.key, lockKey), eq(entryLocks.holder, holder)))
            .catch(() => {});
        }, leaseMs / 3);
        renew.unref();
        try {
          return await work();
        } finally {
          clearInterval(renew);
          await release(lockKey);
        }
      });
    },
    async close() {},
  };
}

const key = Symbol.for('knockgate.entryLocks');
type Holder = { [key]?: EntryLocks };

/**
 * This process's locks, shared on globalThis by server.ts and the Next.js bundle: leases in
 * `db` (shared with other instances) when given — PostgreSQL — in-process otherwise.
 */
export function processEntryLocks(db?: Db): EntryLocks {
  const g = globalThis as Holder;
  g[key] ??= db ? postgresEntryLocks(db) : inProcessEntryLocks();
  return g[key];
}

/** Closes this process's locks (shutdown). */
export async function closeProcessEntryLocks(): Promise<void> {
  const g = globalThis as Holder;
  const current = g[key];
  g[key] = undefined;
  await current?.close();
}
