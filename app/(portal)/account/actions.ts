'use server';

import { eq } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { locales } from '@/i18n/locales';
import { validatedAction } from '@/lib/auth/action';
import {
  beginTotpEnrolment,
  changeOwnPassword,
  confirmTotpEnrolment,
  disableTotp,
  regenerateRecoveryCodes,
} from '@/lib/auth/totp-enrolment';
import { getDb } from '@/lib/db';
import { users } from '@/lib/db/schema';

export const changePasswordAction = validatedAction(
  z.object({
    currentPassword: z.string().min(1, 'Enter your current password.'),
    newPassword: z.string().min(1, 'Enter a new password.'),
  }),
  { duringPasswordChange: true },
  async (input, { user, session, actor }) => {
    const result = await changeOwnPassword(await getDb(), actor, {
      userId: user.id,
      currentSessionId: session.id,
      current: input.currentPassword,
      next: input.newPassword,
    });
    if (!result.ok) return result;
    revalidatePath('/', 'layout');
    return { ok: true, data: result.value };
  },
);

export const beginTotpAction = validatedAction(z.object({}), {}, async (_input, { user }) => {
  const result = await beginTotpEnrolment(await getDb(), user.id);
  if (!result.ok) return result;
  return { ok: true, data: { secret: result.value.secret, qrDataUrl: result.value.qrDataUrl } };
});

export const confirmTotpAction = validatedAction(
  z.object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'Enter the 6 digits your app shows.'),
    password: z.string().min(1, 'Enter your current password.').max(1024),
  }),
  {},
  async (input, { user, actor }) => {
    const result = await confirmTotpEnrolment(await getDb(), actor, user.id, input.code, input.password);
    if (!result.ok) return result;
    revalidatePath('/account');
    return { ok: true, data: result.value };
  },
);

export const disableTotpAction = validatedAction(
  z.object({ password: z.string().min(1, 'Enter your password.') }),
  {},
  async (input, { user, actor }) => {
    const result = await disableTotp(await getDb(), actor, user.id, input.password);
    if (!result.ok) return result;
    revalidatePath('/account');
    return { ok: true, data: null };
  },
);

export const regenerateRecoveryCodesAction = validatedAction(
  z.object({ password: z.string().min(1, 'Enter your password.') }),
  {},
  async (input, { user, actor }) => {
    const result = await regenerateRecoveryCodes(await getDb(), actor, user.id, input.password);
    if (!result.ok) return result;
    revalidatePath('/account');
    return { ok: true, data: result.value };
  },
);

/** The interface language follows the person to every browser they sign in on. */
export const saveLocaleAction = validatedAction(
  z.object({ locale: z.enum(locales, { error: 'Unknown language.' }) }),
  { duringPasswordChange: true },
  async ({ locale }, { user }) => {
    await (await getDb()).update(users).set({ locale }).where(eq(users.id, user.id));
    return { ok: true, data: { locale } };
  },
);
