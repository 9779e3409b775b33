import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { DataDirInUseError, openDatabase } from './client';

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
