'use server';

import { z } from 'zod';
import { type ActionResult, validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';
import { approveFormSchema, denyFormSchema } from '@/lib/requests/form';
import { APPROVER_ROLES, approveRequest, denyRequest } from '@/lib/requests/service';
import { redeliver, saveWebhook, sharedSender, testWebhook, webhookFormSchema } from '@/lib/requests/webhook';

const approvers = { roles: [...APPROVER_ROLES] };

export type ApprovedGrant = {
  router: string;
  list: string;
  state: ReturnType<typeof describeOutcome>['state'] | 'failed';
  message: string;
};
type ApproveData = {
  state: 'approved' | 'awaiting_approval';
  approvedSeconds: number | null;
  grants: ApprovedGrant[];
};

/**
 * Approve as asked or shorter. The service refuses the requester's own request and anyone who is
 * not an approver or admin; the role check here only answers early.
 */
export const approveRequestAction = validatedAction(
  approveFormSchema,
  approvers,
  async ({ requestId, duration, note }, { user, actor }, { text }): Promise<ActionResult<ApproveData>> => {
    const result = await approveRequest(await getGrantContext(), user, actor, requestId, {
      seconds: duration,
      note,
    });
    if (!result.ok) return result;
    const value = result.value;
    if (value.state === 'awaiting_approval') {
      return { ok: true, data: { state: value.state, approvedSeconds: null, grants: [] } };
    }
    return {
      ok: true,
      data: {
        state: value.state,
        approvedSeconds: value.request.approvedSeconds,
        grants: value.grants.map((g) => {
          const described = g.ok ? describeOutcome(g.outcome) : null;
          return {
            router: g.routerName,
            list: g.list,
            state: described?.state ?? 'failed',
            message: text(described?.message ?? (g.ok ? '' : g.error.message)),
          };
        }),
      },
    };
  },
);

export const denyRequestAction = validatedAction(
  denyFormSchema,
  approvers,
  async ({ requestId, note }, { user, actor }) => {
    const result = await denyRequest(await getDb(), user, actor, requestId, { note });
    if (!result.ok) return result;
    return { ok: true, data: { state: 'denied' as const } };
  },
);

/** Admins only: the webhook's URL, on/off, and a new secret when asked (shown once). */
export const saveWebhookAction = validatedAction(
  webhookFormSchema,
  { roles: ['admin'] },
  async (input, { actor }) => {
    const result = await saveWebhook(await getDb(), actor, input);
    if (!result.ok) return result;
    return { ok: true, data: result.value };
  },
);

export const testWebhookAction = validatedAction(
  z.object({}),
  { roles: ['admin'] },
  async (_input, { actor }, { text }) => {
    const result = await testWebhook(await getDb(), actor);
    if (!result) return { ok: false, error: { code: 'webhook_off', message: 'The webhook is off.' } };
    // A failed delivery's reason: ours in the admin's language, the network's own words as they are.
    return { ok: true, data: result.delivered ? result : { ...result, error: text(result.error) } };
  },
);

/** Admins only: queue a given-up webhook delivery again (same delivery id) and send it now. */
export const redeliverWebhookAction = validatedAction(
  z.object({ id: z.string().uuid('No such delivery.') }),
  { roles: ['admin'] },
  async ({ id }, { actor }) => {
    const db = await getDb();
    const result = await redeliver(db, actor, id);
    if (!result.ok) return result;
    sharedSender(db)();
    return { ok: true, data: result.value };
  },
);
