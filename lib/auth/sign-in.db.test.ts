import { desc, eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '@/lib/crypto/secret-box';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, authFailures, recoveryCodes, users } from '@/lib/db/schema';
import { openTestDatabase } from '@/tests/db';
import { makeUser, TEST_PASSWORD } from '@/tests/factories';
import { verificationCounter } from './password';
import { validateSession } from './sessions';
import { signIn } from './sign-in';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret } from './totp';

const box = createSecretBox('s'.repeat(48));
let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => {
  await handle.close();
});
beforeEach(async () => {
  await handle.db.delete(authFailures);
});

const base = { clientAddress: '198.51.100.7', userAgent: 'vitest' };

describe('signIn', () => {
  it('signs in with the right password and creates a valid session with an audit row', async () => {
    const user = await makeUser(handle.db);
    const result = await signIn(
      handle.db,
      { ...base, username: user.username.toUpperCase(), password: TEST_PASSWORD },
      box,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const session = await validateSession(handle.db, result.sessionToken);
    expect(session?.user.id).toBe(user.id);
    const audits = await handle.db.select().from(auditEvents).where(eq(auditEvents.targetId, user.id));
    expect(audits.map((a) => a.action)).toContain('auth.sign_in');
    expect(audits.find((a) => a.action === 'auth.sign_in')?.clientAddress).toBe('198.51.100.7');
  });

  it('gives the same generic answer for wrong password, unknown user and disabled user, verifying a hash each time', async () => {
    const user = await makeUser(handle.db);
    const disabled = await makeUser(handle.db, { disabled: true });
    const answers = [];
    for (const input of [
      { username: user.username, password: 'wrong password!' },
      { username: 'nobody-here', password: TEST_PASSWORD },
      { username: disabled.username, password: TEST_PASSWORD },
    ]) {
      const before = verificationCounter.count;
      const result = await signIn(
        handle.db,
        { ...base, clientAddress: `203.0.113.${answers.length + 1}`, ...input },
        box,
      );
      expect(verificationCounter.count - before).toBe(1);
      answers.push(result);
    }
    for (const answer of answers) {
      expect(answer).toEqual({
        ok: false,
        error: { code: 'invalid_credentials', message: 'Wrong user name or password.' },
      });
    }
    const reasons = (
      await handle.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.sign_in_failed'))
    ).map((a) => a.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong_password', 'unknown_user', 'disabled']));
  });

  it('throttles the 6th rapid failure per account, even with the right password, with minutes to wait', async () => {
    const user = await makeUser(handle.db);
    for (let i = 0; i < 5; i++) {
      const r = await signIn(
        handle.db,
        { ...base, clientAddress: `192.0.2.${i + 1}`, username: user.username, password: 'nope nope nope' },
        box,
      );
      expect(r.ok ? 'ok' : r.error.code).toBe('invalid_credentials');
    }
    const sixth = await signIn(
      handle.db,
      { ...base, clientAddress: '192.0.2.99', username: user.username, password: TEST_PASSWORD },
      box,
    );
    expect(sixth.ok).toBe(false);
    if (sixth.ok) return;
    expect(sixth.error.code).toBe('throttled');
    expect(sixth.error.message).toMatch(/Try again in 1[45] minutes\./);
  });

  it('a hammered throttled account adds one audit row per window, not one per refusal', async () => {
    const user = await makeUser(handle.db);
    const attempt = (i: number) =>
      signIn(
        handle.db,
        {
          ...base,
          clientAddress: `192.0.2.${(i % 200) + 1}`,
          username: user.username,
          password: 'nope nope nope',
        },
        box,
      );
    for (let i = 0; i < 5; i++) await attempt(i);
    const codes = [];
    for (let i = 5; i < 30; i++) {
      const r = await attempt(i);
      codes.push(r.ok ? 'ok' : r.error.code);
    }
    expect(new Set(codes)).toEqual(new Set(['throttled']));
    const audits = await handle.db.select().from(auditEvents).where(eq(auditEvents.target, user.username));
    expect(audits.filter((a) => a.action === 'auth.sign_in_failed')).toHaveLength(5);
    const throttled = audits.filter((a) => a.action === 'auth.sign_in_throttled');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.details).toMatchObject({ key: 'account', throttleKey: `account:${user.username}` });
  });

  it('throttles per client address across accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await signIn(
        handle.db,
        { ...base, clientAddress: '192.0.2.200', username: `ghost${i}`, password: 'x'.repeat(12) },
        box,
      );
    }
    const user = await makeUser(handle.db);
    const r = await signIn(
      handle.db,
      { ...base, clientAddress: '192.0.2.200', username: user.username, password: TEST_PASSWORD },
      box,
    );
    expect(r.ok ? 'ok' : r.error.code).toBe('throttled');
    const other = await signIn(
      handle.db,
      { ...base, clientAddress: '192.0.2.201', username: user.username, password: TEST_PASSWORD },
      box,
    );
    expect(other.ok).toBe(true);
  });

  it('counts IPv6 clients per /64: new addresses in the same network do not reset the count', async () => {
    for (let i = 0; i < 20; i++) {
      await signIn(
        handle.db,
        {
          ...base,
          clientAddress: `2001:db8:7:1::${(i + 1).toString(16)}`,
          username: `ghost6-${i}`,
          password: 'x'.repeat(12),
        },
        box,
      );
    }
    const user = await makeUser(handle.db);
    const sameNetwork = await signIn(
      handle.db,
      {
        ...base,
        clientAddress: '2001:db8:7:1:dead:beef:0:99',
        username: user.username,
        password: TEST_PASSWORD,
      },
      box,
    );
    expect(sameNetwork.ok ? 'ok' : sameNetwork.error.code).toBe('throttled');
    const [audit] = await handle.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'auth.sign_in_throttled'))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    expect(audit?.details).toMatchObject({ key: 'address', throttleKey: 'address:2001:db8:7:1::/64' });
    const nextNetwork = await signIn(
      handle.db,
      { ...base, clientAddress: '2001:db8:7:2::1', username: user.username, password: TEST_PASSWORD },
      box,
    );
    expect(nextNetwork.ok).toBe(true);
  });

  it('asks for a TOTP code once enrolled, rejects a wrong one, accepts the right one once, and a recovery code once', async () => {
    const user = await makeUser(handle.db);
    const secret = newTotpSecret();
    const [code1] = newRecoveryCodes(1);
    await handle.db
      .update(users)
      .set({ totpSecretEnc: box.seal(secret, 'totp-secret'), totpEnabledAt: new Date() })
      .where(eq(users.id, user.id));
    await handle.db.insert(recoveryCodes).values({ userId: user.id, codeHash: hashRecoveryCode(code1!) });

    const noCode = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD },
      box,
    );
    expect(noCode.ok ? 'ok' : noCode.error.code).toBe('totp_required');

    const wrong = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD, code: '000000' },
      box,
    );
    // 000000 could be the real code once in a million runs; compare against the real one.
    const real = await generate({ secret });
    if (real !== '000000') expect(wrong.ok ? 'ok' : wrong.error.code).toBe('totp_invalid');

    const good = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD, code: real },
      box,
    );
    expect(good.ok).toBe(true);
    const replay = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD, code: real },
      box,
    );
    expect(replay.ok ? 'ok' : replay.error.code).toBe('totp_invalid');

    const recovery = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD, code: code1!.toUpperCase() },
      box,
    );
    expect(recovery.ok).toBe(true);
    const again = await signIn(
      handle.db,
      { ...base, username: user.username, password: TEST_PASSWORD, code: code1! },
      box,
    );
    expect(again.ok ? 'ok' : again.error.code).toBe('totp_invalid');
  });

  it('parallel guesses cannot all slip under the limit: at most 5 passwords are checked', async () => {
    const user = await makeUser(handle.db);
    const before = verificationCounter.count;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        signIn(
          handle.db,
          {
            ...base,
            clientAddress: `192.0.2.${120 + i}`,
            username: user.username,
            password: `guess-${i}-xxxx`,
          },
          box,
        ),
      ),
    );
    const checked = results.filter((r) => !r.ok && r.error.code === 'invalid_credentials').length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(verificationCounter.count - before).toBe(checked);
    expect(results.filter((r) => !r.ok && r.error.code === 'throttled').length).toBe(12 - checked);
  });

  it('one TOTP code signs in once, even when two sign-ins race with it', async () => {
    const user = await makeUser(handle.db);
    const secret = newTotpSecret();
    await handle.db
      .update(users)
      .set({ totpSecretEnc: box.seal(secret, 'totp-secret'), totpEnabledAt: new Date() })
      .where(eq(users.id, user.id));
    const code = await generate({ secret });
    const results = await Promise.all(
      [1, 2].map((i) =>
        signIn(
          handle.db,
          {
            ...base,
            clientAddress: `192.0.2.${140 + i}`,
            username: user.username,
            password: TEST_PASSWORD,
            code,
          },
          box,
        ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error.code === 'totp_invalid')).toHaveLength(1);
  });
});
