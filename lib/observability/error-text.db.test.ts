import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { users } from '@/lib/db/schema';
import { openTestDatabase } from '@/tests/db';
import { errorText } from './error-text';

let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

it("a failed query is logged with its SQL and the database's reason, never its parameters", async () => {
  const secret = '$argon2id$v=19$m=19456,t=2,p=1$secret-hash-marker';
  const row = { username: 'twice', passwordHash: secret, role: 'user' as const };
  await db.db.insert(users).values(row);
  const error = await db.db
    .insert(users)
    .values(row)
    .then(() => null)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  // The raw message carries the parameters: that is what must not reach the log.
  expect((error as Error).message).toContain('secret-hash-marker');
  const text = errorText(error);
  expect(text).not.toContain('secret-hash-marker');
  expect(text).toContain('insert into "users"');
  expect(text).toMatch(/duplicate key|unique/i);
});

it('plain errors and non-errors read as themselves', () => {
  expect(errorText(new Error('router said no'))).toBe('router said no');
  expect(errorText('text')).toBe('text');
  expect(errorText(new Error('outer', { cause: new Error('inner') }))).toBe('outer: inner');
});
