import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { withinDeadline } from '../async/deadline';
import type { Queryable } from '../db/client';
import { type Grant, grants, LIVE_GRANT_STATUSES, routers, users } from '../db/schema';
import { addressListPath, parseAddressListRow, routerQuery } from '../routeros';
import { routerAddress, storedAddress } from './entry';
import { readResolvedAddresses, resolvedKey } from './resolved';
import type { GrantContext } from './service';

/** A grant as pages and JSON endpoints show it. */
export type GrantView = {
  id: string;
  routerId: string;
  routerName: string;
  list: string;
  family: 'ip' | 'ipv6';
  address: string;
  kind: 'address' | 'hostname';
  source: Grant['source'];
  status: Grant['status'];
  expiresAt: string;
  createdAt: string;
  openedBy: string;
  username: string | null;
  lastError: string | null;
  /**
   * Host-name grants: the addresses the router currently resolves the name to, read back from the
   * router; null when it could not be read (or for address grants).
   */
  resolved?: string[] | null;
  /**
   * What the router holds for this grant's address on its list, read back: whether an enabled
   * entry is there, and its time left. null when the router could not be read in time.
   */
  onRouter?: { present: boolean; timeoutSeconds: number | null } | null;
};

const columns = {
  grant: grants,
  routerName: routers.name,
  username: users.username,
};

function toView(row: { grant: Grant; routerName: string; username: string | null }): GrantView {
  const g = row.grant;
  return {
    id: g.id,
    routerId: g.routerId,
    routerName: row.routerName,
    list: g.list,
    family: g.family,
    address: g.address,
    kind: g.kind,
    source: g.source,
    status: g.status,
    expiresAt: g.expiresAt.toISOString(),
    createdAt: g.createdAt.toISOString(),
    openedBy: g.openedBy,
    username: row.username,
    lastError: g.lastError,
  };
}

/**
 * The user's live grants, plus those that ended in the last hour (so "ended" is visible). Live
 * host-name grants carry the addresses their router resolved the name to, read back from the
 * router (through `options.ctx`, else the process-wide routers).
 */
export async function userGrantViews(
  db: Queryable,
  userId: string,
  options: { ctx?: GrantContext; routerTimeoutMs?: number; routerPresence?: boolean } = {},
): Promise<GrantView[]> {
  const since = new Date(Date.now() - 3600_000);
  // Live grants, all of them; and, apart, the latest of those that ended in the last hour — so
  // many ended grants (a device moving often) can never push a live one out of the page.
  const base = () =>
    db
      .select(columns)
      .from(grants)
      .innerJoin(routers, eq(routers.id, grants.routerId))
      .leftJoin(users, eq(users.id, grants.userId));
  const [liveRows, endedRows] = await Promise.all([
    base()
      .where(and(eq(grants.userId, userId), inArray(grants.status, [...LIVE_GRANT_STATUSES])))
      .orderBy(desc(grants.createdAt))
      .limit(1000),
    base()
      .where(
        and(
          eq(grants.userId, userId),
          inArray(grants.status, ['revoked', 'expired']),
          sql`coalesce(${grants.endedAt}, ${grants.updatedAt}) > ${since.toISOString()}::timestamptz`,
        ),
      )
      .orderBy(desc(grants.createdAt))
      .limit(50),
  ]);
  const rows = [...liveRows, ...endedRows].sort(
    (a, b) => b.grant.createdAt.getTime() - a.grant.createdAt.getTime(),
  );
  const views = rows.map(toView);
  const named = views.filter((v) => v.kind === 'hostname' && v.status === 'active');
  const live = views.filter((v) => LIVE_GRANT_STATUSES.includes(v.status as never));
  await Promise.all([
    named.length > 0 ? addResolvedAddresses(named, options) : undefined,
    options.routerPresence && live.length > 0 ? addRouterPresence(live, options) : undefined,
  ]);
  return views;
}

/**
 * Fills `onRouter` from the routers themselves (one filtered read per router and family, in
 * parallel, bounded by a short deadline), so the portal shows what the router actually holds.
 */
export async function addRouterPresence(
  views: GrantView[],
  options: { ctx?: GrantContext; routerTimeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.routerTimeoutMs ?? 3_000;
  const ctx = options.ctx ?? (await (await import('./context')).getGrantContext());
  const groups = new Map<string, GrantView[]>();
  for (const v of views) {
    const k = `${v.routerId}|${v.family}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const { routerId, family } = group[0]!;
      try {
        const client = await ctx.clientFor(routerId);
        const rows = await withinDeadline(
          client.print(addressListPath(family), {
            query: routerQuery.or(...group.map((v) => routerQuery.eq('address', routerAddress(v)))),
            proplist: ['.id', 'list', 'address', 'timeout', 'disabled'],
            timeoutMs,
          }),
          timeoutMs,
        );
        for (const v of group) {
          if (!rows) {
            v.onRouter = null;
            continue;
          }
          // A disabled entry matches nothing on the router: it does not stand for access.
          const mine = rows
            .map(parseAddressListRow)
            .filter(
              (e) => !e.disabled && e.list === v.list && storedAddress(family, e.address) === v.address,
            );
          const timeouts = mine.map((e) => e.timeoutSeconds);
          v.onRouter = {
            present: mine.length > 0,
            timeoutSeconds:
              timeouts.includes(null) || timeouts.length === 0 ? null : Math.max(...(timeouts as number[])),
          };
        }
      } catch {
        for (const v of group) v.onRouter = null;
      }
    }),
  );
}

/**
 * Fills `resolved` of host-name grant views from their routers (one read per router and family,
 * in parallel). A router that does not answer in time leaves `resolved` null: the portal then
 * says the addresses are unknown instead of waiting.
 */
export async function addResolvedAddresses(
  views: GrantView[],
  options: { ctx?: GrantContext; routerTimeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.routerTimeoutMs ?? 3_000;
  const ctx = options.ctx ?? (await (await import('./context')).getGrantContext());
  const byRouter = new Map<string, GrantView[]>();
  for (const v of views) byRouter.set(v.routerId, [...(byRouter.get(v.routerId) ?? []), v]);
  await Promise.all(
    [...byRouter].map(async ([routerId, group]) => {
      try {
        const client = await ctx.clientFor(routerId);
        const found = await withinDeadline(readResolvedAddresses(client, group, { timeoutMs }), timeoutMs);
        for (const v of group) v.resolved = found ? (found.get(resolvedKey(v)) ?? []) : null;
      } catch {
        for (const v of group) v.resolved = null;
      }
    }),
  );
}

/** Every live grant of a router (the admin's live view joins these with the router's entries). */
export async function liveGrantViews(db: Queryable, routerId?: string): Promise<GrantView[]> {
  const rows = await db
    .select(columns)
    .from(grants)
    .innerJoin(routers, eq(routers.id, grants.routerId))
    .leftJoin(users, eq(users.id, grants.userId))
    .where(
      and(
        inArray(grants.status, [...LIVE_GRANT_STATUSES]),
        routerId ? eq(grants.routerId, routerId) : undefined,
      ),
    )
    .orderBy(desc(grants.createdAt));
  return rows.map(toView);
}
