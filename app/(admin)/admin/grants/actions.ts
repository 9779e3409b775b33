'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { endAccess } from '@/lib/grants/access';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';

/** Admins end anyone's grant; the entry is removed from the router and verified gone. */
export const revokeGrantAction = validatedAction(
  z.object({ grantId: z.uuid({ message: 'Unknown grant.' }) }),
  { roles: ['admin'] },
  async ({ grantId }, { user, actor }, { text }) => {
    const result = await endAccess(await getGrantContext(), user, actor, grantId);
    if (!result.ok) return result;
    revalidatePath('/admin/grants');
    const outcome = describeOutcome(result.value);
    return { ok: true, data: { ...outcome, message: text(outcome.message) } };
  },
);
