'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { disableTotp } from '@/lib/auth/totp-enrolment';
import { getDb } from '@/lib/db';
import { endAllAccessOfUser } from '@/lib/grants/access';
import { getGrantContext } from '@/lib/grants/context';
import { errorText } from '@/lib/observability/error-text';
import { log } from '@/lib/observability/log';
import { fail } from '@/lib/result';
import {
  changeRole,
  createUser,
  findUserById,
  resetPassword,
  revokeSessions,
  roleSchema,
  setDisabled,
} from '@/lib/users/service';

const admins = { roles: ['admin' as const] };
const userId = z.uuid({ message: 'Unknown user.' });

export const createUserAction = validatedAction(
  z.object({
    username: z.string().min(1, 'Enter a user name.'),
    email: z
      .union([z.literal(''), z.email({ message: 'Enter a valid e-mail address or leave it empty.' })])
      .optional(),
    role: roleSchema,
    password: z.string().optional(),
  }),
  admins,
  async (input, { actor }) => {
    const result = await createUser(await getDb(), actor, {
      username: input.username,
      role: input.role,
      email: input.email || null,
      ...(input.password ? { password: input.password } : {}),
    });
    if (!result.ok) return result;
    revalidatePath('/admin/users');
    return {
      ok: true,
      data: {
        username: result.value.user.username,
        generatedPassword: result.value.generatedPassword ?? null,
      },
    };
  },
);

export const changeRoleAction = validatedAction(
  z.object({ userId, role: roleSchema }),
  admins,
  async (input, { actor }) => {
    const result = await changeRole(await getDb(), actor, input.userId, input.role);
    if (!result.ok) return result;
    revalidatePath('/admin/users');
    return { ok: true, data: { role: result.value.role } };
  },
);

export const setDisabledAction = validatedAction(
  z.object({ userId, disabled: z.enum(['true', 'false']).transform((v) => v === 'true') }),
  admins,
  async (input, { actor }) => {
    const result = await setDisabled(await getDb(), actor, input.userId, input.disabled);
    if (!result.ok) return result;
    // A disabled account keeps no access: its grants end and its devices stop working now.
    if (input.disabled) {
      try {
        await endAllAccessOfUser(await getGrantContext(), actor, input.userId, 'user disabled');
      } catch (error) {
        // The disable itself is done; the worker ends what is left of the access.
        log().error({ err: errorText(error) }, 'ending the access of a disabled user failed');
        revalidatePath('/admin/users');
        return fail(
          'access_end_pending',
          'The user is disabled and signed out; ending their open access did not finish and is completed in the background.',
        );
      }
    }
    revalidatePath('/admin/users');
    return { ok: true, data: { disabled: result.value.disabled } };
  },
);

export const resetPasswordAction = validatedAction(z.object({ userId }), admins, async (input, { actor }) => {
  // A reset ends the person's sessions: one's own would end the session that is to show the new
  // password, leaving nobody knowing it.
  if (input.userId === actor.userId) {
    return fail('use_account', 'Change your own password under Account.');
  }
  const result = await resetPassword(await getDb(), actor, input.userId);
  if (!result.ok) return result;
  revalidatePath('/admin/users');
  return { ok: true, data: { generatedPassword: result.value.generatedPassword ?? null } };
});

export const revokeSessionsAction = validatedAction(
  z.object({ userId }),
  admins,
  async (input, { actor }) => {
    const result = await revokeSessions(await getDb(), actor, input.userId);
    if (!result.ok) return result;
    revalidatePath('/admin/users');
    return { ok: true, data: result.value };
  },
);

/**
 * Turns off someone's two-step sign-in (a lost phone and lost recovery codes): they sign in with
 * their password alone and can enrol again. One's own is turned off under Account, with the
 * password.
 */
export const disableTotpAction = validatedAction(z.object({ userId }), admins, async (input, { actor }) => {
  if (input.userId === actor.userId) {
    return fail('use_account', 'Turn off your own two-step sign-in under Account.');
  }
  const db = await getDb();
  const target = await findUserById(db, input.userId);
  if (!target) return fail('not_found', 'No such user.');
  if (!target.totpEnabledAt) return fail('not_enrolled', 'Two-step sign-in is not on for this user.');
  const result = await disableTotp(db, actor, input.userId, null);
  if (!result.ok) return result;
  revalidatePath('/admin/users');
  return { ok: true, data: null };
});
