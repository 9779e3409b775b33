import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { expect, it } from 'vitest';
import { DataDirInUseError, forDrizzle, openDatabase } from './client';

it('the embedded database serves one instance: a second one on the same DATA_DIR is refused and told why', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-lock-'));
  const first = await openDatabase({ driver: 'pglite', dataDir });
  try {
    await expect(openDatabase({ driver: 'pglite', dataDir })).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof DataDirInUseError &&
        /already used by another Knockgate process/.test(error.message) &&
        /PostgreSQL/.test(error.message),
    );
  } finally {
    await first.close();
  }
  // Once the first one is gone, the directory is free again.
  const again = await openDatabase({ driver: 'pglite', dataDir });
  await again.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a stale lock left by a dead process is taken over', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-lock-'));
  fs.writeFileSync(path.join(dataDir, 'knockgate.pid'), '999999');
  const db = await openDatabase({ driver: 'pglite', dataDir });
  await db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a pid file naming a live process that is not Knockgate (a reboot reused the pid) is taken over', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-lock-'));
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(dataDir, 'knockgate.pid'), String(other.pid));
    const db = await openDatabase({ driver: 'pglite', dataDir });
    expect(fs.readFileSync(path.join(dataDir, 'knockgate.pid'), 'utf8')).toBe(String(process.pid));
    await db.close();
  } finally {
    other.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it('the refusal says how to recover: stop the other process, or delete the pid file if none runs', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-lock-'));
  const first = await openDatabase({ driver: 'pglite', dataDir });
  try {
    await expect(openDatabase({ driver: 'pglite', dataDir })).rejects.toThrow(
      `stop that one first (the knockgate CLI needs the server stopped)`,
    );
    await expect(openDatabase({ driver: 'pglite', dataDir })).rejects.toThrow(
      `delete ${path.join(dataDir, 'knockgate.pid')}`,
    );
  } finally {
    await first.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it('forDrizzle: the same rows as drizzle on a bare PGlite, inside and outside transactions, without a parser table per query', async () => {
  const bare = new PGlite();
  const wrapped = new PGlite();
  await Promise.all([bare.waitReady, wrapped.waitReady]);
  const seen: unknown[] = [];
  const originalQuery = wrapped.query.bind(wrapped);
  wrapped.query = ((q: string, params?: unknown[], options?: { parsers?: unknown }) => {
    seen.push(options?.parsers);
    return originalQuery(q, params, options as never);
  }) as typeof wrapped.query;
  const plain = drizzle(bare);
  const fast = drizzle(forDrizzle(wrapped));
  const ddl = sql`create table t (a timestamptz, b interval, c date, d timestamptz[], e numeric[], f jsonb, g int8, h text)`;
  const row = sql`insert into t values ('2026-11-26 10:00:00.123+00', '1 hour', '2026-11-26',
    array['2026-11-26 10:00:00+00'::timestamptz], array[1.5], '{"x":1}', 5, 'knockgate')`;
  for (const db of [plain, fast]) {
    await db.execute(ddl);
    await db.execute(row);
  }
  const read = sql`select * from t`;
  const expected = (await plain.execute(read)).rows;
  expect(expected[0]).toMatchObject({ a: '2026-11-26 10:00:00.123+00', b: '01:00:00', e: '{1.5}', g: 5 });
  expect((await fast.execute(read)).rows).toEqual(expected);
  expect(await fast.transaction((tx) => tx.execute(read).then((r) => r.rows))).toEqual(expected);
  // drizzle handed its parsers with every query; none reached the client.
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((p) => p === undefined)).toBe(true);
  await Promise.all([bare.close(), wrapped.close()]);
});
