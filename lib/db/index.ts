import { getEnv } from '../env';
import { type DatabaseHandle, type Db, openDatabase } from './client';

export type { Db, Queryable, Tx } from './client';

/**
 * The process-wide database. It lives on globalThis because `server.ts` and the Next.js server
 * bundle load their own copies of this module in one process, and PGlite must be opened once.
 */
const key = Symbol.for('knockgate.db');
type Holder = { handle?: Promise<DatabaseHandle> };
const globalHolders = globalThis as Record<symbol, Holder>;
globalHolders[key] ??= {};
const holder = globalHolders[key];

export function getDatabase(): Promise<DatabaseHandle> {
  holder.handle ??= (async () => {
    const env = getEnv();
    const handle = env.DATABASE_URL
      ? await openDatabase({ driver: 'postgres', url: env.DATABASE_URL })
      : await openDatabase({ driver: 'pglite', dataDir: env.dataDir });
    await handle.migrate();
    return handle;
  })().catch((error) => {
    holder.handle = undefined;
    throw error;
  });
  return holder.handle;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** Install an already-open database (tests, CLI). */
export function setDatabase(handle: DatabaseHandle): void {
  holder.handle = Promise.resolve(handle);
}

export async function closeDatabase(): Promise<void> {
  const pending = holder.handle;
  holder.handle = undefined;
  if (pending) await (await pending).close();
}
