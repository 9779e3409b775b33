'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { endAccess, extendAccess, openAccessForUser } from '@/lib/grants/access';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';

const grantId = z.uuid({ message: 'Unknown grant.' });

/** "Open access for this device": the caller's own address, on every list their policy names. */
export const openAccessAction = validatedAction(
  z.object({}),
  {},
  async (_input, { user, actor, clientAddress }) => {
    const result = await openAccessForUser(await getGrantContext(), user, actor, { address: clientAddress });
    if (!result.ok) return result;
    revalidatePath('/');
    return {
      ok: true,
      data: {
        durationSeconds: result.value.durationSeconds,
        targets: result.value.targets.map((t) => ({
          router: t.routerName,
          list: t.list,
          ...(t.ok ? describeOutcome(t.outcome) : { state: 'failed' as const, message: t.error.message }),
        })),
      },
    };
  },
);

export const extendAccessAction = validatedAction(
  z.object({ grantId }),
  {},
  async (input, { user, actor }) => {
    const result = await extendAccess(await getGrantContext(), user, actor, input.grantId);
    if (!result.ok) return result;
    revalidatePath('/');
    return { ok: true, data: describeOutcome(result.value) };
  },
);

export const endAccessAction = validatedAction(z.object({ grantId }), {}, async (input, { user, actor }) => {
  const result = await endAccess(await getGrantContext(), user, actor, input.grantId);
  if (!result.ok) return result;
  revalidatePath('/');
  return { ok: true, data: describeOutcome(result.value) };
});
