/**
 * What a signed-in person may do with grants, checked on the server: open access for their own
 * address on the lists their policy names, extend or end their own grants. Admins may end any.
 */
import { eq } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import type { Grant } from '../db/schema';
import { grants, type User } from '../db/schema';
import type { IpAddress } from '../net/ip';
import { clampDuration, effectivePolicy, listFor } from '../policies/service';
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
  const targets = await Promise.all(
    effective.targets.map(async (target): Promise<TargetOutcome> => {
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
        return { ...base, ok: false, error: { code: 'internal_error', message: (error as Error).message } };
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
  const duration = clampDuration(effective.policy, durationSeconds);
  try {
    return ok(await extendGrant(ctx, actor, grantId, duration.seconds));
  } catch (error) {
    if (error instanceof GrantNotLiveError) return fail('grant_not_live', 'This access has already ended.');
    throw error;
  }
}
