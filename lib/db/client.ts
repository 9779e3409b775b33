import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction, types } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Db | Tx;

export type DatabaseHandle = {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Apply pending migrations from drizzle/. Safe to call from several instances at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export type OpenOptions =
  | { driver: 'postgres'; url: string; max?: number }
  | { driver: 'pglite'; dataDir: string | 'memory'; lock?: boolean };

/** Migrations live next to the app, not inside the Next bundle. */
export const migrationsFolder = path.resolve(process.cwd(), 'drizzle');

// A fixed key for pg_advisory_lock: serialises migrations between instances.
const MIGRATION_LOCK_KEY = 0x6b6e6f63;

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.driver === 'postgres') return openPostgres(options.url, options.max ?? 10);
  return openPglite(options.dataDir, options.lock ?? true);
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const client = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    async migrate() {
      // One connection so the session-level advisory lock covers the migration itself.
      const single = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * The types drizzle's PGlite driver keeps as text (it maps them itself): timestamps, dates,
 * intervals, and numeric/timestamp/date/interval arrays — the list in drizzle-orm/pglite/session.
 */
const DRIZZLE_TEXT_TYPES = [
  types.TIMESTAMP,
  types.TIMESTAMPTZ,
  types.INTERVAL,
  types.DATE,
  1231, // numeric[]
  1115, // timestamp[]
  1185, // timestamptz[]
  1187, // interval[]
  1182, // date[]
];
const asText = (value: string) => value;

/**
 * drizzle passes those parsers with every query, and PGlite copies its whole parser table (some
 * 300 entries, one per array type) to merge them in — on every call: +0.075 ms on a 0.07 ms query
 * (bench in docs/decisions.md). Here the client's own table holds them, set once after start-up,
 * and the per-query copy is dropped; results are the same, each query is cheaper.
 */
export function forDrizzle(client: PGlite): PGlite {
  for (const oid of DRIZZLE_TEXT_TYPES) client.parsers[oid] = asText;
  const strip = <T extends PGlite | Transaction>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'query') {
          return (query: string, params?: unknown[], options?: Parameters<PGlite['query']>[2]) =>
            t.query(query, params, options?.parsers ? { ...options, parsers: undefined } : options);
        }
        if (prop === 'transaction' && 'transaction' in t) {
          return <R>(callback: (tx: Transaction) => Promise<R>) =>
            (t as PGlite).transaction((tx) => callback(strip(tx)));
        }
        const value = Reflect.get(t, prop, t);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return strip(client);
}

async function openPglite(dataDir: string, lock: boolean): Promise<DatabaseHandle> {
  let release = () => {};
  let client: PGlite;
  if (dataDir === 'memory') {
    client = new PGlite();
    await client.waitReady;
  } else {
    const dir = path.resolve(dataDir, 'pglite');
    fs.mkdirSync(dir, { recursive: true });
    if (lock) release = acquireDataDirLock(path.resolve(dataDir));
    try {
      client = new PGlite(dir);
      await client.waitReady;
    } catch (error) {
      release();
      throw error;
    }
  }
  const queries = forDrizzle(client);
  const db = drizzlePglite(queries, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    async migrate() {
      await migratePglite(drizzlePglite(queries, { schema }), { migrationsFolder });
    },
    async close() {
      await client.close();
      release();
    },
  };
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is already used by another Knockgate process (pid ${pid}). ` +
        'The embedded database (PGlite) serves one process at a time: stop that one first (the ' +
        'knockgate CLI needs the server stopped), or run several instances on PostgreSQL (set ' +
        `DATABASE_URL). If no Knockgate runs there, delete ${path.join(dataDir, 'knockgate.pid')}.`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * PGlite has no locking of its own: two processes on one directory would corrupt it. A pid file
 * with exclusive create is enough on one machine; a stale file (dead pid) is taken over.
 */
function acquireDataDirLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'knockgate.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {}
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (pid === process.pid) {
        throw new DataDirInUseError(dataDir, pid);
      }
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && mayBeKnockgate(pid)) {
        throw new DataDirInUseError(dataDir, pid);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${file}`);
}

/**
 * Whether a live pid can be a Knockgate process: after a reboot (no clean exit) the pid in the
 * file may belong to anything. Where /proc tells the command line, only a Node process counts;
 * elsewhere every live pid does.
 */
function mayBeKnockgate(pid: number): boolean {
  try {
    return /node|tsx/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return !fs.existsSync('/proc/self/cmdline');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when a trivial query succeeds (health checks, reconciler pause). */
export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
