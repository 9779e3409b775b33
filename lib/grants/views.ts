import { and, desc, eq, inArray, or } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { type Grant, grants, LIVE_GRANT_STATUSES, routers, users } from '../db/schema';

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

/** The user's live grants, plus those that ended in the last hour (so "ended" is visible). */
export async function userGrantViews(db: Queryable, userId: string): Promise<GrantView[]> {
  const since = new Date(Date.now() - 3600_000);
  const rows = await db
    .select(columns)
    .from(grants)
    .innerJoin(routers, eq(routers.id, grants.routerId))
    .leftJoin(users, eq(users.id, grants.userId))
    .where(
      and(
        eq(grants.userId, userId),
        or(
          inArray(grants.status, [...LIVE_GRANT_STATUSES]),
          and(inArray(grants.status, ['revoked', 'expired'])),
        ),
      ),
    )
    .orderBy(desc(grants.createdAt))
    .limit(50);
  return rows
    .filter(
      (r) =>
        LIVE_GRANT_STATUSES.includes(r.grant.status as never) ||
        (r.grant.endedAt ?? r.grant.updatedAt) > since,
    )
    .map(toView);
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
