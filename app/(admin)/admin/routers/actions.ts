'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { secretBox } from '@/lib/crypto';
import { getDb } from '@/lib/db';
import { endAllAccessOnRouter } from '@/lib/grants/access';
import { getGrantContext, getRouterGateway } from '@/lib/grants/context';
import { routerFormSchema } from '@/lib/routers/schema';
import {
  createRouter,
  deleteRouter,
  findRouter,
  routerConfig,
  testRouterConnection,
  updateRouter,
} from '@/lib/routers/service';

const admins = { roles: ['admin' as const] };
const routerId = z.uuid({ message: 'Unknown router.' });

async function forget(id: string) {
  (await getRouterGateway()).forget(id);
}

export const createRouterAction = validatedAction(routerFormSchema, admins, async (input, { actor }) => {
  const result = await createRouter(await getDb(), actor, input);
  if (!result.ok) return result;
  revalidatePath('/admin/routers');
  return { ok: true, data: { id: result.value.id, name: result.value.name } };
});

export const updateRouterAction = validatedAction(
  routerFormSchema.extend({ id: routerId }),
  admins,
  async ({ id, ...input }, { actor }) => {
    const result = await updateRouter(await getDb(), actor, id, input);
    if (!result.ok) return result;
    await forget(id);
    revalidatePath('/admin/routers');
    return { ok: true, data: { id, name: result.value.name } };
  },
);

export const deleteRouterAction = validatedAction(
  z.object({ id: routerId, force: z.literal('1').optional() }),
  admins,
  async ({ id, force }, { actor }) => {
    // Its grants end first, so no Knockgate entry is left behind on the router; a router that
    // cannot confirm that is deleted only when the admin says so (force).
    const ended = await endAllAccessOnRouter(await getGrantContext(), actor, id);
    const result = await deleteRouter(await getDb(), actor, id, { force: force === '1' });
    if (!result.ok) return result;
    await forget(id);
    revalidatePath('/admin/routers');
    return { ok: true, data: ended };
  },
);

/** Tests a saved router with its stored password. */
export const testRouterAction = validatedAction(z.object({ id: routerId }), admins, async ({ id }) => {
  const router = await findRouter(await getDb(), id);
  if (!router) return { ok: false, error: { code: 'not_found', message: 'No such router.' } };
  const result = await testRouterConnection(routerConfig(router, secretBox(), 5_000));
  if (!result.ok) return result;
  return { ok: true, data: result.value };
});

/** Tests the settings typed into the form, before saving them. */
export const testSettingsAction = validatedAction(routerFormSchema, admins, async (input) => {
  const result = await testRouterConnection({
    id: 'connection-test',
    host: input.host,
    port: input.port ?? (input.tls ? 8729 : 8728),
    tls: input.tls,
    ...(input.fingerprint ? { fingerprint: input.fingerprint } : {}),
    username: input.username,
    password: input.password,
    timeoutMs: 5_000,
  });
  if (!result.ok) return result;
  return { ok: true, data: result.value };
});
