'use server';

import type { Locale } from '@/i18n/locales';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import { cancelFormSchema, requestFormSchema } from '@/lib/requests/form';
import { cancelRequest, createRequest } from '@/lib/requests/service';
import { requestsOfUser } from '@/lib/requests/views';

// Each answer carries the caller's fresh request list, so the page updates in place; a grant's
// last router error in it is in the caller's language.
const requestsIn = async (db: Awaited<ReturnType<typeof getDb>>, userId: string, locale: Locale) =>
  localizeMessagesIn(await requestsOfUser(db, userId), ['lastError'], locale);

/** A request for access, checked against the caller's own policy on the server. */
export const createRequestAction = validatedAction(
  requestFormSchema,
  {},
  async (input, { user, actor, clientAddress }, { locale }) => {
    const db = await getDb();
    const result = await createRequest(db, user, actor, { ...input, clientAddress });
    if (!result.ok) return result;
    return { ok: true, data: { id: result.value.id, requests: await requestsIn(db, user.id, locale) } };
  },
);

/** The requester withdraws their own pending request. */
export const cancelRequestAction = validatedAction(
  cancelFormSchema,
  {},
  async ({ requestId }, { user, actor }, { locale }) => {
    const db = await getDb();
    const result = await cancelRequest(db, user, actor, requestId);
    if (!result.ok) return result;
    return { ok: true, data: { requests: await requestsIn(db, user.id, locale) } };
  },
);
