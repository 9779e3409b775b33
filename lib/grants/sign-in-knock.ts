import { withinDeadline } from '../async/deadline';
import type { User } from '../db/schema';
import type { IpAddress } from '../net/ip';
import { effectivePolicy } from '../policies/service';
import { openAccessForUser } from './access';
import { getGrantContext } from './context';

/**
 * "Signing in is a knock": after a successful sign-in (password and, when enrolled, TOTP), open
 * access for the caller's address when their policy says so. A router problem never fails the
 * sign-in; the grant then shows as pending in the portal and is retried.
 */
export async function knockOnSignIn(user: User, address: IpAddress | undefined): Promise<void> {
  // No access before a password an admin reset has been replaced.
  if (!address || user.mustChangePassword) return;
  const ctx = await getGrantContext();
  const effective = await effectivePolicy(ctx.db, user);
  if (!effective?.policy.knockOnSignIn || !effective.policy.directAccess) return;
  await openAccessForUser(
    ctx,
    user,
    { userId: user.id, label: user.username, role: user.role, clientAddress: address.address },
    { address, source: 'web' },
  );
}

/** How long a sign-in waits for its knock before the knock goes on without it. */
export const SIGN_IN_KNOCK_WAIT_MS = 2_000;

/**
 * Waits for the sign-in knock at most `waitMs`: a slow router (one that accepts the connection
 * and answers late) must not hold the sign-in for the client's whole deadline. The knock goes on
 * in the background and records its grant as it would have; the portal shows it when it lands.
 * Its failure is reported through `onError`, never thrown into the sign-in.
 */
export async function knockWithoutHoldingSignIn(
  knock: Promise<void>,
  onError: (error: unknown) => void,
  waitMs = SIGN_IN_KNOCK_WAIT_MS,
): Promise<'done' | 'continues'> {
  const settled = knock.then(
    () => 'done' as const,
    (error: unknown) => {
      onError(error);
      return 'done' as const;
    },
  );
  return (await withinDeadline(settled, waitMs)) ?? 'continues';
}
