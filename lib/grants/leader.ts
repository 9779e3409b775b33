import postgres from 'postgres';

/**
 * Exactly one reconciler at a time. On PostgreSQL the leader holds a session-level advisory lock
 * on a connection of its own; if that connection dies (instance stopped, network cut) the lock is
 * released by the server and another instance takes over at its next attempt. With the embedded
 * database only one process can run (DATA_DIR lock), so it is always the leader.
 */
export interface LeaderElector {
  /** Tries to become (or checks it still is) the leader. */
  check(): Promise<boolean>;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export const RECONCILER_LOCK_KEY = 0x6b6e6f64; // "knod"

export function singleProcessLeader(): LeaderElector {
  return {
    isLeader: true,
    async check() {
      return true;
    },
    async stop() {},
  };
}

export function postgresLeader(url: string, key = RECONCILER_LOCK_KEY): LeaderElector {
  let sql: postgres.Sql | null = null;
  let leader = false;
  const reset = async () => {
    leader = false;
    const old = sql;
    sql = null;
    await old?.end({ timeout: 1 }).catch(() => {});
  };
  return {
    get isLeader() {
      return leader;
    },
    async check() {
      try {
        if (!sql) {
          sql = postgres(url, {
            max: 1,
            idle_timeout: 0,
            max_lifetime: null,
            onnotice: () => {},
            connect_timeout: 5,
          });
        }
        if (leader) {
          // Still holding it? A lost connection means the server already released the lock.
          const [row] = await sql`select count(*)::int as n from pg_locks
            where locktype = 'advisory' and objid = ${key} and pid = pg_backend_pid() and granted`;
          leader = (row?.n ?? 0) > 0;
          return leader;
        }
        const [row] = await sql`select pg_try_advisory_lock(${key}) as locked`;
        leader = row?.locked === true;
        return leader;
      } catch {
        await reset();
        return false;
      }
    },
    async stop() {
      if (sql && leader) await sql`select pg_advisory_unlock(${key})`.catch(() => {});
      await reset();
    },
  };
}
