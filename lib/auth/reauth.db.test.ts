import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { openTestDatabase } from '@/tests/db';
import { makeUser, TEST_PASSWORD } from '@/tests/factories';
import { verificationCounter } from './password';
import { confirmPassword } from './reauth';

let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

it('re-asking for the password is throttled per account like sign-in', async () => {
  const user = await makeUser(db.db);
  expect(await confirmPassword(db.db, user, TEST_PASSWORD)).toEqual({ ok: true });
  for (let i = 0; i < 5; i++) {
    expect(await confirmPassword(db.db, user, `wrong-${i}`)).toMatchObject({
      ok: false,
      code: 'wrong_password',
    });
  }
  const before = verificationCounter.count;
  expect(await confirmPassword(db.db, user, TEST_PASSWORD)).toMatchObject({ ok: false, code: 'throttled' });
  // Throttled means not even checked.
  expect(verificationCounter.count).toBe(before);
});
