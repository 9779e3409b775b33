import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '@/lib/db/client';

/**
 * A fresh, migrated database for one test file. PGlite in memory by default; when
 * KNOCKGATE_TEST_DATABASE_URL points at a PostgreSQL server, a new database is created there
 * for the file and dropped afterwards, so the same tests prove both drivers.
 */
export const testDriver: 'pglite' | 'postgres' = process.env.KNOCKGATE_TEST_DATABASE_URL
  ? 'postgres'
  : 'pglite';

export async function openTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const serverUrl = process.env.KNOCKGATE_TEST_DATABASE_URL;
  if (!serverUrl) {
    const handle = await openDatabase({ driver: 'pglite', dataDir: 'memory' });
    await handle.migrate();
    return handle;
  }
  const name = `kg_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ driver: 'postgres', url: url.toString(), max: 10 });
  await handle.migrate();
  return {
    ...handle,
    url: url.toString(),
    async close() {
      await handle.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
