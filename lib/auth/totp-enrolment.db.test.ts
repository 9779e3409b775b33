import { eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSecretBox } from '@/lib/crypto/secret-box';
import type { DatabaseHandle } from '@/lib/db/client';
import { users } from '@/lib/db/schema';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser, TEST_PASSWORD } from '@/tests/factories';
import { beginTotpEnrolment, confirmTotpEnrolment } from './totp-enrolment';

let db: DatabaseHandle;
const box = createSecretBox('totp-enrolment-test-secret-0123456789abcdef');
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

it('a set-up started again while the first is confirmed never leaves two-step sign-in on with a secret the app does not have', async () => {
  for (let i = 0; i < 20; i++) {
    const user = await makeUser(db.db);
    const first = await beginTotpEnrolment(db.db, user.id, box);
    if (!first.ok) throw new Error(first.error.message);
    const code = await generate({ secret: first.value.secret });
    // A second tab (or a double click) starts the set-up again at the same moment.
    const [confirm, again] = await Promise.all([
      confirmTotpEnrolment(db.db, actorFor(user), user.id, code, TEST_PASSWORD, box),
      beginTotpEnrolment(db.db, user.id, box),
    ]);
    const [row] = await db.db.select().from(users).where(eq(users.id, user.id));
    if (row!.totpEnabledAt) {
      // On: with the secret whose code was confirmed, and the second set-up was refused.
      expect(confirm.ok).toBe(true);
      expect(box.open(row!.totpSecretEnc!, 'totp-secret')).toBe(first.value.secret);
      expect(again).toMatchObject({ ok: false, error: { code: 'already_enrolled' } });
    } else {
      // Off: the second set-up replaced the secret first — before the confirm read it (the code
      // is then wrong for the new secret) or while it checked (it asks to start again).
      expect(confirm.ok).toBe(false);
      expect(['no_enrolment', 'totp_invalid']).toContain(confirm.ok ? null : confirm.error.code);
      expect(again.ok).toBe(true);
    }
  }
});

it('turning two-step sign-in on needs the password too (a borrowed session cannot enrol its own app)', async () => {
  const user = await makeUser(db.db);
  const started = await beginTotpEnrolment(db.db, user.id, box);
  if (!started.ok) throw new Error(started.error.message);
  const code = await generate({ secret: started.value.secret });
  expect(
    await confirmTotpEnrolment(db.db, actorFor(user), user.id, code, 'not the password', box),
  ).toMatchObject({
    ok: false,
    error: { code: 'wrong_password', fields: { password: expect.any(String) } },
  });
  const [off] = await db.db.select().from(users).where(eq(users.id, user.id));
  expect(off!.totpEnabledAt).toBeNull();
  expect((await confirmTotpEnrolment(db.db, actorFor(user), user.id, code, TEST_PASSWORD, box)).ok).toBe(
    true,
  );
});
