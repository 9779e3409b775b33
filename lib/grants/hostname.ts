/**
 * Host-name grants: a user (whose policy allows it) puts a DNS name — typically their dynamic-DNS
 * name — on the lists their policy names. The router resolves the name and keeps the answers as
 * dynamic entries, so access follows the name's address without Knockgate being told. The entry
 * carries the tag and a timeout like any grant; extend and end work as for addresses.
 */

import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { grants, LIVE_GRANT_STATUSES, type User } from '../db/schema';
import { parseHostname } from '../net/hostname';
import { internalError } from '../observability/internal-error';
import { clampDuration, effectivePolicy, listFor } from '../policies/service';
import { fail, ok, type Result } from '../result';
import type { ListFamily } from '../routeros';
import type { TargetOutcome } from './access';
import { type GrantContext, openGrant, withEntryLock } from './service';

export type HostnameAccessInput = {
  hostname: string;
  /** Which records the router resolves: A (IPv4 list) or AAAA (IPv6 list). */
  family: ListFamily;
  durationSeconds?: number;
};

/** Different host names one person may have open at once (extending one does not count). */
export const MAX_HOSTNAMES_PER_USER = 5;

export async function openHostnameAccess(
  ctx: GrantContext,
  user: Pick<User, 'id' | 'role' | 'username'>,
  actor: Actor,
  input: HostnameAccessInput,
): Promise<
  Result<{ hostname: string; targets: TargetOutcome[]; durationSeconds: number; clamped: boolean }>
> {
  const effective = await effectivePolicy(ctx.db, user);
  if (!effective || effective.targets.length === 0) {
    return fail('no_policy', 'No access policy applies to you. Ask an admin for access.');
  }
  if (!effective.policy.directAccess) {
    return fail('request_required', 'Your policy does not open access directly; request access instead.');
  }
  if (!effective.policy.allowHostnames) {
    return fail('hostnames_not_allowed', 'Your policy does not allow host-name grants. Ask an admin.');
  }
  const parsed = parseHostname(input.hostname, { suffixes: effective.policy.hostnameSuffixes });
  if (!parsed.ok) {
    return fail(parsed.error.code, parsed.error.message, { hostname: parsed.error.message });
  }
  const hostname = parsed.value;
  const duration = clampDuration(effective.policy, input.durationSeconds);
  // Each name is a DNS lookup the router repeats for as long as it is listed: a few per person.
  // Counted and opened holding the person's lock (across instances too), so parallel opens
  // cannot all pass the count.
  return withEntryLock(ctx, `hostnames|${user.id}`, async () => {
    const others = await ctx.db
      .selectDistinct({ address: grants.address })
      .from(grants)
      .where(
        and(
          eq(grants.userId, user.id),
          eq(grants.kind, 'hostname'),
          inArray(grants.status, [...LIVE_GRANT_STATUSES]),
          ne(grants.address, hostname),
        ),
      );
    if (others.length >= MAX_HOSTNAMES_PER_USER) {
      const message = `At most ${MAX_HOSTNAMES_PER_USER} host names open at once; end one you no longer use.`;
      return fail('too_many_hostnames', message, { hostname: message });
    }

    const targets = await Promise.all(
      effective.targets.map(async (target): Promise<TargetOutcome> => {
        const list = listFor(target, input.family);
        const base = { routerId: target.router.id, routerName: target.router.name, list };
        try {
          const outcome = await openGrant(ctx, actor, {
            userId: user.id,
            routerId: target.router.id,
            family: input.family,
            list,
            address: hostname,
            kind: 'hostname',
            source: 'web',
            durationSeconds: duration.seconds,
          });
          return { ...base, ok: true, outcome };
        } catch (error) {
          return { ...base, ok: false, error: { code: 'internal_error', message: internalError(error) } };
        }
      }),
    );
    return ok({ hostname, targets, durationSeconds: duration.seconds, clamped: duration.clamped });
  });
}
