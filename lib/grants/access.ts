/**
 * What a signed-in person may do with grants, checked on the server: open access for their own
 * address on the lists their policy names, extend or end their own grants. Admins may end any.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { devices, type Grant, grants, routers, type User, users } from '../db/schema';
import { parseHostname } from '../net/hostname';
import type { IpAddress } from '../net/ip';
import { internalError } from '../observability/internal-error';
import { clampDuration, effectivePolicy, listFor, listPolicies } from '../policies/service';
import { fail, ok, type Result } from '../result';
import {
  extendGrant,
  type GrantContext,
  GrantNotLiveError,
  type GrantOutcome,
  openGrant,
  revokeGrant,
} from './service';

export type TargetOutcome = { routerId: string; routerName: string; list: string } & (
  | { ok: true; outcome: GrantOutcome }
  | { ok: false; error: { code: string; message: string } }
);

export async function openAccessForUser(
  ctx: GrantContext,
  user: Pick<User, 'id' | 'role' | 'username'>,
  actor: Actor,
  input: { address: IpAddress | undefined; durationSeconds?: number; source?: 'web' },
): Promise<Result<{ targets: TargetOutcome[]; durationSeconds: number; clamped: boolean }>> {
  if (!input.address) {
    return fail(
      'address_unknown',
      'Knockgate cannot tell your address. Ask the admin to check the proxy settings (TRUSTED_PROXIES).',
    );
  }
  const effective = await effectivePolicy(ctx.db, user);
  if (!effective || effective.targets.length === 0) {
    return fail('no_policy', 'No access policy applies to you. Ask an admin for access.');
  }
  if (!effective.policy.directAccess) {
    return fail('request_required', 'Your policy does not open access directly; request access instead.');
  }
  const duration = clampDuration(effective.policy, input.durationSeconds);
  const family = input.address.family === 6 ? 'ipv6' : 'ip';
  // One knock per router list, even when two targets name the same one (the router's default
  // list, and that list by name).
  const distinct = effective.targets.filter(
    (target, i, all) =>
      all.findIndex(
        (o) => o.router.id === target.router.id && listFor(o, family) === listFor(target, family),
      ) === i,
  );
  const targets = await Promise.all(
    distinct.map(async (target): Promise<TargetOutcome> => {
      const list = listFor(target, family);
      const base = { routerId: target.router.id, routerName: target.router.name, list };
      try {
        const outcome = await openGrant(ctx, actor, {
          userId: user.id,
          routerId: target.router.id,
          family,
          list,
          address: input.address!.address,
          source: input.source ?? 'web',
          durationSeconds: duration.seconds,
        });
        return { ...base, ok: true, outcome };
      } catch (error) {
        return { ...base, ok: false, error: { code: 'internal_error', message: internalError(error) } };
      }
    }),
  );
  return ok({ targets, durationSeconds: duration.seconds, clamped: duration.clamped });
}

async function loadOwnOrAdmin(
  ctx: GrantContext,
  user: Pick<User, 'id' | 'role'>,
  grantId: string,
): Promise<Result<Grant>> {
  const [grant] = await ctx.db.select().from(grants).where(eq(grants.id, grantId)).limit(1);
  // The same answer for "not yours" and "does not exist": ids of others are not confirmed.
  if (!grant || (grant.userId !== user.id && user.role !== 'admin')) {
    return fail('not_found', 'No such grant.');
  }
  return ok(grant);
}

export async function endAccess(
  ctx: GrantContext,
  user: Pick<User, 'id' | 'role'>,
  actor: Actor,
  grantId: string,
): Promise<Result<GrantOutcome>> {
  const found = await loadOwnOrAdmin(ctx, user, grantId);
  if (!found.ok) return found;
  try {
    return ok(
      await revokeGrant(
        ctx,
        actor,
        grantId,
        found.value.userId === user.id ? 'ended by user' : 'revoked by admin',
      ),
    );
  } catch (error) {
    if (error instanceof GrantNotLiveError) return fail('grant_not_live', 'This access has already ended.');
    throw error;
  }
}

export async function extendAccess(
  ctx: GrantContext,
  user: Pick<User, 'id' | 'role'>,
  actor: Actor,
  grantId: string,
  durationSeconds?: number,
): Promise<Result<GrantOutcome>> {
  const found = await loadOwnOrAdmin(ctx, user, grantId);
  if (!found.ok) return found;
  if (found.value.userId !== user.id) return fail('not_found', 'No such grant.');
  const effective = await effectivePolicy(ctx.db, user);
  if (!effective) return fail('no_policy', 'No access policy applies to you any more.');
  if (!effective.policy.directAccess)
    return fail('request_required', 'Your policy requires a request for more time.');
  const grant = found.value;
  // Only access the person opened themselves is theirs to lengthen: an approved request runs for
  // the time an approver granted, a device's access follows the device's own updates.
  if (grant.source === 'request') {
    return fail('extend_not_allowed', 'This access was approved for a set time; request again for more.');
  }
  if (grant.source !== 'web') {
    return fail('extend_not_allowed', "A device's access is extended by the device's own updates.");
  }
  // Being ended (by an admin, say, while the router was away): not revived by Extend.
  if (grant.status === 'revoke_pending') {
    return fail('grant_ending', 'This access is being ended; open access again if your policy allows it.');
  }
  // Only what the policy still allows may be extended: a router or list taken out of it, or host
  // names no longer allowed, end with their time.
  const stillAllowed = effective.targets.some(
    (t) => t.router.id === grant.routerId && listFor(t, grant.family) === grant.list,
  );
  if (!stillAllowed || (grant.kind === 'hostname' && !effective.policy.allowHostnames)) {
    return fail('not_allowed_any_more', 'Your policy no longer covers this access; it ends with its time.');
  }
  const duration = clampDuration(effective.policy, durationSeconds);
  try {
    return ok(await extendGrant(ctx, actor, grantId, duration.seconds));
  } catch (error) {
    if (error instanceof GrantNotLiveError) return fail('grant_not_live', 'This access has already ended.');
    throw error;
  }
}

/**
 * Ends every live grant of a user (disabled, or removed from a policy) and revokes their devices,
 * so no access stays open after the person lost the right to it. Router changes are confirmed as
 * for any revoke; those that fail stay `revoke_pending` and are retried.
 */
export async function endAllAccessOfUser(
  ctx: GrantContext,
  actor: Actor,
  userId: string,
  reason: string,
): Promise<{ ended: number; pending: number; devicesRevoked: number }> {
  const now = new Date();
  const revokedDevices = await ctx.db
    .update(devices)
    .set({ revokedAt: now, updatedAt: now })
    .where(and(eq(devices.userId, userId), isNull(devices.revokedAt)))
    .returning({ id: devices.id, name: devices.name });
  for (const d of revokedDevices) {
    await recordAudit(ctx.db, {
      actor,
      action: 'device.revoke',
      targetType: 'device',
      targetId: d.id,
      target: d.name,
      details: { reason },
    });
  }
  const live = await ctx.db
    .select({ id: grants.id })
    .from(grants)
    .where(and(eq(grants.userId, userId), inArray(grants.status, ['pending', 'active'])));
  let ended = 0;
  let pending = 0;
  for (const g of live) {
    const outcome = await revokeGrant(ctx, actor, g.id, reason);
    if (outcome.grant.status === 'revoked') ended++;
    else pending++;
  }
  return { ended, pending, devicesRevoked: revokedDevices.length };
}

/**
 * Safety net run by the worker each cycle: a live grant stays only while its person may still
 * hold it — the account is enabled, and their current policy still names its router and list (and
 * allows host names under its suffixes, devices, and direct access for such grants). Everything else is ended, so a disabled account, a
 * changed role or a narrowed policy never leaves access open until it times out.
 */
export async function endUncoveredAccess(ctx: GrantContext, actor: Actor): Promise<number> {
  const live = await ctx.db
    .select({ grant: grants, role: users.role, disabled: users.disabled })
    .from(grants)
    .innerJoin(users, eq(users.id, grants.userId))
    .where(inArray(grants.status, ['pending', 'active']));
  if (live.length === 0) return 0;
  const allPolicies = await listPolicies(ctx.db);
  const enabledRouters = new Set(
    (await ctx.db.select({ id: routers.id }).from(routers).where(eq(routers.enabled, true))).map((r) => r.id),
  );
  const routerLists = new Map(
    (await ctx.db.select().from(routers)).map((r) => [r.id, { ip: r.ipv4List, ipv6: r.ipv6List }]),
  );
  const policyFor = (userId: string, role: string) =>
    allPolicies.find((p) => p.subjectUserId === userId) ?? allPolicies.find((p) => p.subjectRole === role);
  const uncovered: { id: string; reason: string }[] = [];
  for (const { grant, role, disabled } of live) {
    if (disabled) {
      uncovered.push({ id: grant.id, reason: 'user disabled' });
      continue;
    }
    const policy = policyFor(grant.userId!, role);
    const covered =
      policy !== undefined &&
      policy.targets.some(
        (t) =>
          t.routerId === grant.routerId &&
          enabledRouters.has(t.routerId) &&
          (t.list ?? routerLists.get(t.routerId)?.[grant.family]) === grant.list,
      ) &&
      (grant.kind !== 'hostname' ||
        (policy.allowHostnames && parseHostname(grant.address, { suffixes: policy.hostnameSuffixes }).ok)) &&
      (grant.source !== 'ddns' || policy.allowDevices) &&
      // Opened directly (portal, sign-in): only while the policy still opens access directly.
      (grant.source !== 'web' || policy.directAccess);
    if (!covered) uncovered.push({ id: grant.id, reason: 'no longer covered by the policy' });
  }
  for (const u of uncovered) await revokeGrant(ctx, actor, u.id, u.reason);
  return uncovered.length;
}

/** Ends every live grant on a router (before it is deleted), confirming each removal if it can. */
export async function endAllAccessOnRouter(
  ctx: GrantContext,
  actor: Actor,
  routerId: string,
): Promise<{ ended: number; pending: number }> {
  const live = await ctx.db
    .select({ id: grants.id })
    .from(grants)
    .where(
      and(eq(grants.routerId, routerId), inArray(grants.status, ['pending', 'active', 'revoke_pending'])),
    );
  let ended = 0;
  let pending = 0;
  for (const g of live) {
    const outcome = await revokeGrant(ctx, actor, g.id, 'router deleted');
    if (outcome.grant.status === 'revoked') ended++;
    else pending++;
  }
  return { ended, pending };
}
