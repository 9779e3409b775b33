'use server';

import { validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import { cancelFormSchema, requestFormSchema } from '@/lib/requests/form';
import { cancelRequest, createRequest } from '@/lib/requests/service';
import { requestsOfUser } from '@/lib/requests/views';

// Each answer carries the caller's fresh request list, so the page updates in place.

/** A request for access, checked against the caller's own policy on the server. */
export const createRequestAction = validatedAction(
  requestFormSchema,
  {},
  async (input, { user, actor, clientAddress }) => {
    const db = await getDb();
    const result = await createRequest(db, user, actor, { ...input, clientAddress });
    if (!result.ok) return result;
    return { ok: true, data: { id: result.value.id, requests: await requestsOfUser(db, user.id) } };
  },
);

/** The requester withdraws their own pending request. */
export const cancelRequestAction = validatedAction(
  cancelFormSchema,
  {},
  async ({ requestId }, { user, actor }) => {
    const db = await getDb();
    const result = await cancelRequest(db, user, actor, requestId);
    if (!result.ok) return result;
    return { ok: true, data: { requests: await requestsOfUser(db, user.id) } };
  },
);
