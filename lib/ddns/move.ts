/**
 * Moving a device's grant to the address it reported, per router list: the new entry is added and
 * confirmed first, only then the old one is removed, so access never lapses during a move and a
 * router that cannot be reached leaves the old grant exactly as it was.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { type Device, devices, grants, LIVE_GRANT_STATUSES } from '../db/schema';
import { extendGrant, type GrantContext, type GrantOutcome, openGrant, revokeGrant } from '../grants/service';
import { listFor, type PolicyTarget } from '../policies/service';
import type { ListFamily } from '../routeros';

export type MoveOutcome = {
  routerId: string;
  routerName: string;
  family: ListFamily;
  list: string;
  address: string;
  /** moved: a new grant took over; refreshed: the grant for this address was extended. */
  state: 'moved' | 'refreshed' | 'failed';
  grantId: string | null;
  /** Grants of the device for older addresses that were ended. */
  replaced: string[];
  error?: { code: string; message: string };
};

export async function moveDeviceGrants(
  ctx: GrantContext,
  actor: Actor,
  input: {
    device: Pick<Device, 'id' | 'userId'>;
    targets: PolicyTarget[];
    addresses: Partial<Record<ListFamily, string>>;
    durationSeconds: number;
  },
): Promise<MoveOutcome[]> {
  const jobs: Promise<MoveOutcome>[] = [];
  for (const family of ['ip', 'ipv6'] as const) {
    const address = input.addresses[family];
    if (!address) continue;
    for (const target of input.targets) {
      jobs.push(moveOne(ctx, actor, input.device, target, family, address, input.durationSeconds));
    }
  }
  return Promise.all(jobs);
}

async function moveOne(
  ctx: GrantContext,
  actor: Actor,
  device: Pick<Device, 'id' | 'userId'>,
  target: PolicyTarget,
  family: ListFamily,
  address: string,
  durationSeconds: number,
): Promise<MoveOutcome> {
  const list = listFor(target, family);
  const base = { routerId: target.router.id, routerName: target.router.name, family, list, address };
  const held = await ctx.db
    .select()
    .from(grants)
    .where(
      and(
        eq(grants.deviceId, device.id),
        eq(grants.routerId, target.router.id),
        eq(grants.family, family),
        eq(grants.list, list),
        inArray(grants.status, [...LIVE_GRANT_STATUSES]),
      ),
    );
  const current = held.find((g) => g.address === address && g.status !== 'revoke_pending');
  let outcome: GrantOutcome;
  try {
    outcome = current
      ? await extendGrant(ctx, actor, current.id, durationSeconds)
      : await openGrant(ctx, actor, {
          userId: device.userId,
          routerId: target.router.id,
          family,
          list,
          address,
          kind: 'address',
          source: 'ddns',
          durationSeconds,
          deviceId: device.id,
        });
  } catch (error) {
    return {
      ...base,
      state: 'failed',
      grantId: null,
      replaced: [],
      error: { code: 'internal_error', message: (error as Error).message },
    };
  }
  if (!outcome.confirmed) {
    // The client hears 911 and will retry. A grant of this device for the new address that is
    // not yet confirmed is withdrawn, so a router that comes back does not open the new address
    // behind the client's back; the old grant stays as it was.
    if (outcome.grant.deviceId === device.id && outcome.grant.id !== current?.id) {
      await revokeGrant(ctx, actor, outcome.grant.id, 'device update not confirmed by the router').catch(
        () => {},
      );
    }
    return {
      ...base,
      state: 'failed',
      grantId: null,
      replaced: [],
      error: outcome.error ?? { code: 'router_unreachable', message: 'The router did not confirm.' },
    };
  }
  // The device may have been revoked while this update was in flight (it authenticated just
  // before): the revocation wins, and what this update opened is taken back.
  const [still] = await ctx.db
    .select({ revokedAt: devices.revokedAt })
    .from(devices)
    .where(eq(devices.id, device.id));
  if (!still || still.revokedAt !== null) {
    if (outcome.grant.deviceId === device.id) {
      await revokeGrant(ctx, actor, outcome.grant.id, 'device revoked').catch(() => {});
    }
    return {
      ...base,
      state: 'failed',
      grantId: null,
      replaced: [],
      error: { code: 'device_revoked', message: 'This device was revoked.' },
    };
  }
  const replaced: string[] = [];
  for (const old of held) {
    if (old.id === outcome.grant.id || old.status === 'revoke_pending') continue;
    // A router that fails between add and remove leaves the old grant revoke_pending: the worker
    // finishes the removal. The move itself is done (the new entry is confirmed).
    const ended = await revokeGrant(ctx, actor, old.id, `device moved to ${address}`).catch(() => null);
    if (ended) replaced.push(old.id);
  }
  return { ...base, state: current ? 'refreshed' : 'moved', grantId: outcome.grant.id, replaced };
}
