import type { Queryable } from '../db/client';
import type { User } from '../db/schema';
import { metrics } from '../observability/metrics';
import { verifyPassword } from './password';
import {
  ACCOUNT_RULE,
  accountKey,
  checkThrottle,
  forgetAttempts,
  minutesLabel,
  recordFailure,
} from './throttle';

/**
 * Asking a signed-in person for their password again (change password, turn off TOTP, new
 * recovery codes) is throttled like sign-in, per account: a stolen session must not become a
 * password-guessing oracle.
 */
export async function confirmPassword(
  db: Queryable,
  user: Pick<User, 'username' | 'passwordHash'>,
  password: string,
): Promise<{ ok: true } | { ok: false; code: 'wrong_password' | 'throttled'; message: string }> {
  const key = accountKey(user.username);
  const attempt = await recordFailure(db, [key]);
  const state = await checkThrottle(db, key, ACCOUNT_RULE, new Date(), true);
  if (state.throttled) {
    await forgetAttempts(db, attempt);
    metrics().throttled.inc({ kind: 'password_confirm' });
    const minutes = minutesLabel(state.retryAfterMs);
    return {
      ok: false,
      code: 'throttled',
      message: `Too many wrong passwords. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    };
  }
  if (await verifyPassword(user.passwordHash, password)) {
    await forgetAttempts(db, attempt);
    return { ok: true };
  }
  return { ok: false, code: 'wrong_password', message: 'Your password is not right.' };
}
