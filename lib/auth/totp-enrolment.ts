import { and, count, eq, isNull, ne } from 'drizzle-orm';
import QRCode from 'qrcode';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { recoveryCodes, sessions, users } from '../db/schema';
import { fail, ok, type Result } from '../result';
import { findUserById } from '../users/service';
import { hashPassword, passwordProblem } from './password';
import { confirmPassword } from './reauth';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from './totp';

/**
 * TOTP enrolment: a pending secret is stored (encrypted) until the person proves their app
 * produces the right code; only then is TOTP required at sign-in and recovery codes issued.
 */
export async function beginTotpEnrolment(
  db: Db,
  userId: string,
  box: SecretBox = secretBox(),
): Promise<Result<{ secret: string; uri: string; qrDataUrl: string }>> {
  const user = await findUserById(db, userId);
  if (!user) return fail('not_found', 'No such user.');
  if (user.totpEnabledAt) return fail('already_enrolled', 'Two-step sign-in is already on.');
  const secret = newTotpSecret();
  // Only while two-step sign-in is still off: a confirm that finished meanwhile keeps its secret.
  const [started] = await db
    .update(users)
    .set({ totpSecretEnc: box.seal(secret, 'totp-secret'), totpLastStep: null })
    .where(and(eq(users.id, userId), isNull(users.totpEnabledAt)))
    .returning({ id: users.id });
  if (!started) return fail('already_enrolled', 'Two-step sign-in is already on.');
  const uri = totpUri(user.username, secret);
  const qrDataUrl = await QRCode.toDataURL(uri, { margin: 1, errorCorrectionLevel: 'M', width: 192 });
  return ok({ secret, uri, qrDataUrl });
}

/**
 * Turns TOTP on once the code from the app verifies — and the person's password, so a session
 * someone else got hold of cannot put its own authenticator on the account and lock them out.
 */
export async function confirmTotpEnrolment(
  db: Db,
  actor: Actor,
  userId: string,
  code: string,
  password: string,
  box: SecretBox = secretBox(),
): Promise<Result<{ recoveryCodes: string[] }>> {
  const user = await findUserById(db, userId);
  if (!user?.totpSecretEnc) return fail('no_enrolment', 'Start the set-up again.');
  if (user.totpEnabledAt) return fail('already_enrolled', 'Two-step sign-in is already on.');
  const reauth = await confirmPassword(db, user, password);
  if (!reauth.ok) return fail(reauth.code, reauth.message, { password: reauth.message });
  const check = await verifyTotp(box.open(user.totpSecretEnc, 'totp-secret'), code, null);
  if (!check.valid)
    return fail('totp_invalid', 'That code is not valid.', {
      code: 'That code is not valid. Try the current one.',
    });
  const codes = newRecoveryCodes();
  const confirmed = await db.transaction(async (tx) => {
    // Turned on only with the secret this code was checked against: a set-up started again
    // meanwhile (another tab, a double click) replaced it, and the app does not have that one.
    const [on] = await tx
      .update(users)
      .set({ totpEnabledAt: new Date(), totpLastStep: check.step })
      .where(
        and(eq(users.id, userId), isNull(users.totpEnabledAt), eq(users.totpSecretEnc, user.totpSecretEnc!)),
      )
      .returning({ id: users.id });
    if (!on) return false;
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: hashRecoveryCode(c) })));
    await recordAudit(tx, {
      actor,
      action: 'user.totp_enable',
      targetType: 'user',
      targetId: userId,
      target: user.username,
    });
    return true;
  });
  if (!confirmed) return fail('no_enrolment', 'Start the set-up again.');
  return ok({ recoveryCodes: codes });
}

/** Turns TOTP off: by the user with their password, or by an admin (lost phone). */
export async function disableTotp(
  db: Db,
  actor: Actor,
  userId: string,
  password: string | null,
): Promise<Result<null>> {
  const user = await findUserById(db, userId);
  if (!user) return fail('not_found', 'No such user.');
  const byAdmin = actor.userId !== userId && actor.role === 'admin';
  if (!byAdmin) {
    const check = await confirmPassword(db, user, password ?? '');
    if (!check.ok) return fail(check.code, check.message, { password: check.message });
  }
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null })
      .where(eq(users.id, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await recordAudit(tx, {
      actor,
      action: 'user.totp_disable',
      targetType: 'user',
      targetId: userId,
      target: user.username,
      details: { byAdmin },
    });
  });
  return ok(null);
}

export async function regenerateRecoveryCodes(
  db: Db,
  actor: Actor,
  userId: string,
  password: string,
): Promise<Result<{ recoveryCodes: string[] }>> {
  const user = await findUserById(db, userId);
  if (!user?.totpEnabledAt) return fail('not_enrolled', 'Turn on two-step sign-in first.');
  const check = await confirmPassword(db, user, password);
  if (!check.ok) return fail(check.code, check.message, { password: check.message });
  const codes = newRecoveryCodes();
  await db.transaction(async (tx) => {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: hashRecoveryCode(c) })));
    await recordAudit(tx, {
      actor,
      action: 'user.recovery_codes_regenerate',
      targetType: 'user',
      targetId: userId,
      target: user.username,
    });
  });
  return ok({ recoveryCodes: codes });
}

export async function unusedRecoveryCodeCount(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

/** The person changes their own password; every other session of theirs is signed out. */
export async function changeOwnPassword(
  db: Db,
  actor: Actor,
  input: { userId: string; currentSessionId: string; current: string; next: string },
): Promise<Result<{ otherSessionsRevoked: number }>> {
  const user = await findUserById(db, input.userId);
  if (!user) return fail('not_found', 'No such user.');
  const check = await confirmPassword(db, user, input.current);
  if (!check.ok) {
    const message = check.code === 'throttled' ? check.message : 'Your current password is not right.';
    return fail(check.code, message, { currentPassword: message });
  }
  const problem = passwordProblem(input.next);
  if (problem) return fail('invalid_input', 'Check the new password.', { newPassword: problem });
  if (input.next === input.current) {
    return fail('invalid_input', 'Choose a different password.', {
      newPassword: 'Choose a different password.',
    });
  }
  const passwordHash = await hashPassword(input.next);
  return db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: false, updatedAt: new Date() })
      .where(eq(users.id, input.userId));
    const revoked = await tx
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: 'password changed' })
      .where(
        and(
          eq(sessions.userId, input.userId),
          isNull(sessions.revokedAt),
          ne(sessions.id, input.currentSessionId),
        ),
      )
      .returning({ id: sessions.id });
    await recordAudit(tx, {
      actor,
      action: 'user.password_change',
      targetType: 'user',
      targetId: input.userId,
      target: user.username,
      details: { otherSessionsRevoked: revoked.length },
    });
    return ok({ otherSessionsRevoked: revoked.length });
  });
}
