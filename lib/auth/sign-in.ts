import { and, eq, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { auditEvents, recoveryCodes, type User, users } from '../db/schema';
import { metrics } from '../observability/metrics';
import { verifyPassword } from './password';
import { createSession } from './sessions';
import {
  ACCOUNT_RULE,
  ADDRESS_RULE,
  accountKey,
  addressKey,
  checkThrottle,
  clearFailures,
  forgetAttempts,
  minutesLabel,
  recordFailure,
  type ThrottleRule,
} from './throttle';
import { hashRecoveryCode, normalizeRecoveryCode, verifyTotp } from './totp';

export type SignInInput = {
  username: string;
  password: string;
  /** TOTP code or recovery code, once the user enrolled. */
  code?: string;
  clientAddress: string | null;
  userAgent: string | null;
};

export type SignInError =
  | { code: 'invalid_credentials'; message: string }
  | { code: 'throttled'; message: string; retryAfterMinutes: number }
  | { code: 'totp_required'; message: string }
  | { code: 'totp_invalid'; message: string };

export type SignInResult = { ok: true; user: User; sessionToken: string } | { ok: false; error: SignInError };

const GENERIC = 'Wrong user name or password.';

/** Whether a throttled refusal for this key is already in the audit log within the rule's window. */
async function throttleAudited(db: Db, key: string, rule: ThrottleRule): Promise<boolean> {
  const since = new Date(Date.now() - rule.windowMs);
  const [row] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, 'auth.sign_in_throttled'),
        gte(auditEvents.at, since),
        sql`${auditEvents.details}->>'throttleKey' = ${key}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/**
 * The whole sign-in decision, independent of the auth framework. Unknown user, wrong password
 * and disabled account take the same path (one argon2 verification each) and the same answer.
 */
export async function signIn(
  db: Db,
  input: SignInInput,
  box: SecretBox = secretBox(),
): Promise<SignInResult> {
  const username = normalizeUsername(input.username);
  const password = typeof input.password === 'string' ? input.password : '';
  const actor: Actor = { userId: null, label: username || '(empty)', clientAddress: input.clientAddress };
  const keys = [accountKey(username), ...(input.clientAddress ? [addressKey(input.clientAddress)] : [])];

  // Every attempt is recorded as a failure before it is judged, so parallel guesses count each
  // other and cannot all slip under the limit; a refused or successful attempt is taken back.
  const attempt = await recordFailure(db, keys);
  for (const [key, rule] of [
    [keys[0]!, ACCOUNT_RULE],
    ...(keys[1] ? [[keys[1], ADDRESS_RULE] as const] : []),
  ] as const) {
    const state = await checkThrottle(db, key, rule, new Date(), true);
    if (state.throttled) {
      await forgetAttempts(db, attempt);
      const minutes = minutesLabel(state.retryAfterMs);
      metrics().throttled.inc({ kind: `sign_in_${key.split(':')[0]}` });
      // Refused attempts cost no password check, so they can arrive as fast as the network
      // allows; the append-only audit log gets the first refusal per key and window, the metric
      // counts them all.
      if (!(await throttleAudited(db, key, rule))) {
        await recordAudit(db, {
          actor,
          action: 'auth.sign_in_throttled',
          targetType: 'user',
          target: username,
          details: { key: key.split(':')[0], throttleKey: key, retryAfterMinutes: minutes },
        });
      }
      return {
        ok: false,
        error: {
          code: 'throttled',
          message: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
          retryAfterMinutes: minutes,
        },
      };
    }
  }

  const user = username
    ? (await db.select().from(users).where(eq(users.username, username)).limit(1))[0]
    : undefined;
  const passwordOk = await verifyPassword(user?.passwordHash, password);

  if (!user || !passwordOk || user.disabled) {
    const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'disabled';
    metrics().signInFailures.inc({ reason });
    await db.transaction(async (tx) => {
      await recordAudit(tx, {
        actor: { ...actor, userId: user?.id ?? null },
        action: 'auth.sign_in_failed',
        targetType: 'user',
        targetId: user?.id,
        target: username,
        details: { reason },
      });
    });
    return { ok: false, error: { code: 'invalid_credentials', message: GENERIC } };
  }

  let totpStep: number | undefined;
  let recoveryCodeId: string | undefined;
  if (user.totpEnabledAt && user.totpSecretEnc) {
    const code = (input.code ?? '').trim();
    if (!code) {
      // The password was right; asking for the second step is not a failed attempt.
      await forgetAttempts(db, attempt);
      return {
        ok: false,
        error: { code: 'totp_required', message: 'Enter the 6-digit code from your authenticator app.' },
      };
    }
    const totp = await verifyTotp(box.open(user.totpSecretEnc, 'totp-secret'), code, user.totpLastStep);
    if (totp.valid) {
      totpStep = totp.step;
    } else {
      recoveryCodeId = await findUnusedRecoveryCode(db, user.id, code);
    }
    if (totpStep === undefined && recoveryCodeId === undefined) {
      metrics().signInFailures.inc({ reason: 'wrong_code' });
      await db.transaction(async (tx) => {
        await recordAudit(tx, {
          actor: { ...actor, userId: user.id },
          action: 'auth.sign_in_failed',
          targetType: 'user',
          targetId: user.id,
          target: username,
          details: { reason: 'wrong_code' },
        });
      });
      return {
        ok: false,
        error: { code: 'totp_invalid', message: 'That code is not valid. Try the current one.' },
      };
    }
  }

  const now = new Date();
  const sessionToken = await db.transaction(async (tx) => {
    if (recoveryCodeId) {
      // The `used_at IS NULL` guard makes a recovery code single-use even under concurrency.
      const used = await tx
        .update(recoveryCodes)
        .set({ usedAt: now })
        .where(and(eq(recoveryCodes.id, recoveryCodeId), isNull(recoveryCodes.usedAt)))
        .returning({ id: recoveryCodes.id });
      if (used.length === 0) return null;
    }
    if (totpStep !== undefined) {
      // A code counts once: the step only moves forward, so a second sign-in racing with the same
      // code finds it taken (RFC 6238 §5.2).
      const stepped = await tx
        .update(users)
        .set({ totpLastStep: totpStep })
        .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, totpStep))))
        .returning({ id: users.id });
      if (stepped.length === 0) return null;
    }
    await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
    await clearFailures(tx, keys[0]!);
    await forgetAttempts(tx, attempt);
    const { token, session } = await createSession(tx, {
      userId: user.id,
      clientAddress: input.clientAddress,
      userAgent: input.userAgent,
      now,
    });
    await recordAudit(tx, {
      actor: { userId: user.id, label: user.username, clientAddress: input.clientAddress },
      action: 'auth.sign_in',
      targetType: 'user',
      targetId: user.id,
      target: user.username,
      details: {
        sessionId: session.id,
        second_factor: totpStep !== undefined ? 'totp' : recoveryCodeId ? 'recovery_code' : 'none',
      },
    });
    return token;
  });
  if (!sessionToken) {
    return { ok: false, error: { code: 'totp_invalid', message: 'That code was already used.' } };
  }
  return { ok: true, user, sessionToken };
}

async function findUnusedRecoveryCode(db: Db, userId: string, input: string): Promise<string | undefined> {
  const code = normalizeRecoveryCode(input);
  if (!code) return undefined;
  const [row] = await db
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, hashRecoveryCode(code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .limit(1);
  return row?.id;
}

export function normalizeUsername(input: unknown): string {
  return typeof input === 'string' ? input.trim().toLowerCase().slice(0, 100) : '';
}
