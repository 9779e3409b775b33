import postgres from 'postgres';

/**
 * One router entry, one change at a time: opening, extending, revoking and retrying the same
 * (router, family, list, address) are serialised, so a revoke cannot remove an entry that an
 * open has just re-tagged for a grant it has not recorded yet. In one process a queue per key
 * does it; instances sharing a PostgreSQL database also take a PostgreSQL advisory lock per key,
 * held on a connection of a small pool of their own for as long as the change runs. If an
 * instance dies holding one, its connection closes and the server releases the lock.
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

/** The advisory-lock namespace of entry locks (first key of the two-key form): "knoe". */
export const ENTRY_LOCK_NAMESPACE = 0x6b6e6f65;

/** Raised when another instance held an entry longer than the wait allows, or the lock failed. */
export class EntryBusyError extends Error {
  readonly code = 'entry_busy';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EntryBusyError';
  }
}

/**
 * Entry locks shared by every instance on one PostgreSQL database: the in-process queue first
 * (so one instance asks the server once per key), then `pg_advisory_lock(namespace,
 * hashtext(key))` on a reserved connection. Two keys that hash alike only wait for each other.
 * A wait longer than `waitMs` (the server's `lock_timeout`) fails with `EntryBusyError`.
 */
export function postgresEntryLocks(url: string, options: { max?: number; waitMs?: number } = {}): EntryLocks {
  const local = inProcessEntryLocks();
  const waitMs = options.waitMs ?? 15_000;
  let sql: postgres.Sql | null = null;
  const pool = () => {
    sql ??= postgres(url, {
      max: options.max ?? 16,
      idle_timeout: 30,
      connect_timeout: 5,
      onnotice: () => {},
      connection: { application_name: 'knockgate-entry-locks', lock_timeout: waitMs },
    });
    return sql;
  };
  return {
    run(lockKey, work) {
      return local.run(lockKey, async () => {
        let reserved: postgres.ReservedSql;
        try {
          reserved = await pool().reserve();
        } catch (error) {
          throw new EntryBusyError(`The entry lock could not be taken: ${(error as Error).message}`, {
            cause: error,
          });
        }
        try {
          try {
            await reserved`select pg_advisory_lock(${ENTRY_LOCK_NAMESPACE}, hashtext(${lockKey}))`;
          } catch (error) {
            const timedOut = (error as { code?: string }).code === '55P03';
            throw new EntryBusyError(
              timedOut
                ? 'Another Knockgate instance is still changing this router entry; try again in a moment.'
                : `The entry lock could not be taken: ${(error as Error).message}`,
              { cause: error },
            );
          }
          try {
            return await work();
          } finally {
            // A lost connection already released the lock on the server.
            await reserved`select pg_advisory_unlock(${ENTRY_LOCK_NAMESPACE}, hashtext(${lockKey}))`.catch(
              () => reserved`select pg_advisory_unlock_all()`.catch(() => {}),
            );
          }
        } finally {
          reserved.release();
        }
      });
    },
    async close() {
      const current = sql;
      sql = null;
      await current?.end({ timeout: 5 });
    },
  };
}

const key = Symbol.for('knockgate.entryLocks');
type Holder = { [key]?: EntryLocks };

/**
 * This process's entry locks, shared on globalThis by server.ts and the Next.js bundle: shared
 * with other instances when `url` (the PostgreSQL database) is given, in-process otherwise.
 */
export function processEntryLocks(url?: string): EntryLocks {
  const g = globalThis as Holder;
  g[key] ??= url ? postgresEntryLocks(url) : inProcessEntryLocks();
  return g[key];
}

/** Closes this process's entry locks (shutdown). */
export async function closeProcessEntryLocks(): Promise<void> {
  const g = globalThis as Holder;
  const current = g[key];
  g[key] = undefined;
  await current?.close();
}
