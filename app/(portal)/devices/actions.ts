'use server';

import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import {
  createDevice,
  deleteDevice,
  listDevices,
  revokeDevice,
  rotateDeviceToken,
} from '@/lib/devices/service';
import { getGrantContext } from '@/lib/grants/context';
import { describeOutcome } from '@/lib/grants/describe';
import { openHostnameAccess } from '@/lib/grants/hostname';

const deviceId = z.uuid({ message: 'Unknown device.' });

// Each answer carries the caller's fresh device list, so the page updates in place. A token in
// the clear appears only in the answer that created it (create, rotate) and nowhere else.
// Messages per target are in the caller's language, like the errors.

/** Puts a host name on every list the caller's policy names; the router resolves it. */
export const openHostnameAction = validatedAction(
  z.object({
    hostname: z.string().max(1024, 'That is too long to be a host name.'),
    family: z.enum(['ip', 'ipv6'], { error: 'Choose IPv4 or IPv6.' }).optional().default('ip'),
  }),
  {},
  async (input, { user, actor }, { text }) => {
    const ctx = await getGrantContext();
    const result = await openHostnameAccess(ctx, user, actor, input);
    if (!result.ok) return result;
    return {
      ok: true,
      data: {
        hostname: result.value.hostname,
        targets: result.value.targets.map((t) => {
          const outcome = t.ok
            ? describeOutcome(t.outcome)
            : { state: 'failed' as const, message: t.error.message };
          return { router: t.routerName, list: t.list, ...outcome, message: text(outcome.message) };
        }),
      },
    };
  },
);

export const createDeviceAction = validatedAction(
  z.object({
    name: z.string().max(1024, 'That is too long to be a host name.'),
    routerId: z.union([z.literal(''), z.uuid({ message: 'Choose one of your routers.' })]).optional(),
  }),
  {},
  async (input, { user, actor }) => {
    const db = await getDb();
    const result = await createDevice(db, user, actor, {
      name: input.name,
      routerId: input.routerId || null,
    });
    if (!result.ok) return result;
    return {
      ok: true,
      data: { issued: result.value, devices: await listDevices(db, user.id) },
    };
  },
);

export const rotateDeviceAction = validatedAction(
  z.object({ deviceId }),
  {},
  async (input, { user, actor }) => {
    const db = await getDb();
    const result = await rotateDeviceToken(db, user, actor, input.deviceId);
    if (!result.ok) return result;
    return { ok: true, data: { issued: result.value, devices: await listDevices(db, user.id) } };
  },
);

export const revokeDeviceAction = validatedAction(
  z.object({ deviceId }),
  {},
  async (input, { user, actor }, { text }) => {
    const ctx = await getGrantContext();
    const result = await revokeDevice(ctx, user, actor, input.deviceId);
    if (!result.ok) return result;
    return {
      ok: true,
      data: {
        ended: result.value.ended.map((g) => {
          const outcome = describeOutcome(g);
          return { ...outcome, message: text(outcome.message) };
        }),
        devices: await listDevices(ctx.db, user.id),
      },
    };
  },
);

export const deleteDeviceAction = validatedAction(
  z.object({ deviceId }),
  {},
  async (input, { user, actor }) => {
    const db = await getDb();
    const result = await deleteDevice(db, user, actor, input.deviceId);
    if (!result.ok) return result;
    return { ok: true, data: { devices: await listDevices(db, user.id) } };
  },
);
