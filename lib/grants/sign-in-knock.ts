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
