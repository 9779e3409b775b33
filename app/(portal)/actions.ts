'use server';

import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { endAccess, extendAccess, openAccessForUser } from '@/lib/grants/access';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';
import { userGrantViews } from '@/lib/grants/views';

const grantId = z.uuid({ message: 'Unknown grant.' });

// Each answer carries the caller's fresh grant list, so the portal updates in place without a
// server re-render of the page.

/** "Open access for this device": the caller's own address, on every list their policy names. */
export const openAccessAction = validatedAction(
  z.object({}),
  {},
  async (_input, { user, actor, clientAddress }) => {
    const ctx = await getGrantContext();
    const result = await openAccessForUser(ctx, user, actor, { address: clientAddress });
    if (!result.ok) return result;
    return {
      ok: true,
      data: {
        durationSeconds: result.value.durationSeconds,
        targets: result.value.targets.map((t) => ({
          router: t.routerName,
          list: t.list,
          ...(t.ok ? describeOutcome(t.outcome) : { state: 'failed' as const, message: t.error.message }),
        })),
        grants: await userGrantViews(ctx.db, user.id),
      },
    };
  },
);

export const extendAccessAction = validatedAction(
  z.object({ grantId }),
  {},
  async (input, { user, actor }) => {
    const ctx = await getGrantContext();
    const result = await extendAccess(ctx, user, actor, input.grantId);
    if (!result.ok) return result;
    return {
      ok: true,
      data: { ...describeOutcome(result.value), grants: await userGrantViews(ctx.db, user.id) },
    };
  },
);

export const endAccessAction = validatedAction(z.object({ grantId }), {}, async (input, { user, actor }) => {
  const ctx = await getGrantContext();
  const result = await endAccess(ctx, user, actor, input.grantId);
  if (!result.ok) return result;
  return {
    ok: true,
    data: { ...describeOutcome(result.value), grants: await userGrantViews(ctx.db, user.id) },
  };
});
