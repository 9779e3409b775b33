'use server';

import { z } from 'zod';
import type { Locale } from '@/i18n/locales';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { validatedAction } from '@/lib/auth/action';
import { endAccess, extendAccess, openAccessForUser } from '@/lib/grants/access';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';
import { userGrantViews } from '@/lib/grants/views';

const grantId = z.uuid({ message: 'Unknown grant.' });

// Each answer carries the caller's fresh grant list, so the portal updates in place without a
// server re-render of the page. Its messages (per target, a grant's last router error) are in the
// caller's language, like the errors.

/** The caller's grants with their router errors in the caller's language. */
async function grantsOf(db: Parameters<typeof userGrantViews>[0], userId: string, locale: Locale) {
  return localizeMessagesIn(await userGrantViews(db, userId), ['lastError'], locale);
}

/** "Open access for this device": the caller's own address, on every list their policy names. */
export const openAccessAction = validatedAction(
  z.object({}),
  {},
  async (_input, { user, actor, clientAddress }, { locale, text }) => {
    const ctx = await getGrantContext();
    const result = await openAccessForUser(ctx, user, actor, { address: clientAddress });
    if (!result.ok) return result;
    return {
      ok: true,
      data: {
        durationSeconds: result.value.durationSeconds,
        targets: result.value.targets.map((t) => {
          const outcome = t.ok
            ? describeOutcome(t.outcome)
            : { state: 'failed' as const, message: t.error.message };
          return { router: t.routerName, list: t.list, ...outcome, message: text(outcome.message) };
        }),
        grants: await grantsOf(ctx.db, user.id, locale),
      },
    };
  },
);

export const extendAccessAction = validatedAction(
  z.object({ grantId }),
  {},
  async (input, { user, actor }, { locale, text }) => {
    const ctx = await getGrantContext();
    const result = await extendAccess(ctx, user, actor, input.grantId);
    if (!result.ok) return result;
    const outcome = describeOutcome(result.value);
    return {
      ok: true,
      data: { ...outcome, message: text(outcome.message), grants: await grantsOf(ctx.db, user.id, locale) },
    };
  },
);

export const endAccessAction = validatedAction(
  z.object({ grantId }),
  {},
  async (input, { user, actor }, { locale, text }) => {
    const ctx = await getGrantContext();
    const result = await endAccess(ctx, user, actor, input.grantId);
    if (!result.ok) return result;
    const outcome = describeOutcome(result.value);
    return {
      ok: true,
      data: { ...outcome, message: text(outcome.message), grants: await grantsOf(ctx.db, user.id, locale) },
    };
  },
);
