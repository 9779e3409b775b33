'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import { deletePolicy, policyFormSchema, savePolicy } from '@/lib/policies/service';

export const savePolicyAction = validatedAction(
  policyFormSchema.and(z.object({ id: z.union([z.literal(''), z.uuid()]).optional() })),
  { roles: ['admin'], arrays: ['targets'] },
  async (input, { actor }) => {
    const result = await savePolicy(await getDb(), actor, input.id || null, input);
    if (!result.ok) return result;
    revalidatePath('/admin/policies');
    return { ok: true, data: { name: result.value.name } };
  },
);

export const deletePolicyAction = validatedAction(
  z.object({ id: z.uuid({ message: 'Unknown policy.' }) }),
  { roles: ['admin'] },
  async ({ id }, { actor }) => {
    const result = await deletePolicy(await getDb(), actor, id);
    if (!result.ok) return result;
    revalidatePath('/admin/policies');
    return { ok: true, data: null };
  },
);
