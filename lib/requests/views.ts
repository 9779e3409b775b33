/** Requests as the pages and JSON endpoints show them (read-only queries). */
import { and, desc, eq, gt, gte, inArray, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../db/client';
import { type AccessRequest, accessRequests, grants, requestApprovals, routers, users } from '../db/schema';

/** "Lately", for the approver's "how many grants this person had". */
export const RECENT_GRANTS_DAYS = 30;

export type RequestGrantView = {
  id: string;
  routerName: string;
  list: string;
  status: string;
  expiresAt: string;
  lastError: string | null;
};

export type RequestView = {
  id: string;
  status: AccessRequest['status'];
  routerName: string | null;
  list: string | null;
  address: string;
  kind: AccessRequest['kind'];
  requestedSeconds: number;
  approvedSeconds: number | null;
  reason: string;
  clientAddress: string | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  approvalsRequired: number;
  approvedBy: string[];
};

export type MyRequestView = RequestView & { grants: RequestGrantView[] };

export type QueueItem = RequestView & {
  requester: string;
  requesterRole: string;
  recentGrants: number;
  /** The viewer's own request: shown, never decidable by them. */
  own: boolean;
  approvedByMe: boolean;
};

const decider = alias(users, 'decider');
const requester = alias(users, 'requester');

const baseColumns = {
  request: accessRequests,
  routerName: routers.name,
  decidedBy: decider.username,
};

function toView(
  row: { request: AccessRequest; routerName: string | null; decidedBy: string | null },
  approvedBy: string[],
): RequestView {
  const r = row.request;
  return {
    id: r.id,
    status: r.status,
    routerName: row.routerName,
    list: r.list,
    address: r.address,
    kind: r.kind,
    requestedSeconds: r.requestedSeconds,
    approvedSeconds: r.approvedSeconds,
    reason: r.reason,
    clientAddress: r.clientAddress,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decidedBy: row.decidedBy,
    decisionNote: r.decisionNote,
    approvalsRequired: r.approvalsRequired,
    approvedBy,
  };
}

async function approversOf(
  db: Queryable,
  ids: string[],
): Promise<Map<string, { id: string; username: string }[]>> {
  const map = new Map<string, { id: string; username: string }[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .select({ requestId: requestApprovals.requestId, id: users.id, username: users.username })
    .from(requestApprovals)
    .innerJoin(users, eq(users.id, requestApprovals.approverId))
    .where(inArray(requestApprovals.requestId, ids))
    .orderBy(requestApprovals.createdAt);
  for (const r of rows)
    map.set(r.requestId, [...(map.get(r.requestId) ?? []), { id: r.id, username: r.username }]);
  return map;
}

/** The requester's own recent requests with the grants each opened (newest first). */
export async function requestsOfUser(db: Queryable, userId: string, limit = 20): Promise<MyRequestView[]> {
  const rows = await db
    .select(baseColumns)
    .from(accessRequests)
    .leftJoin(routers, eq(routers.id, accessRequests.routerId))
    .leftJoin(decider, eq(decider.id, accessRequests.decidedBy))
    .where(eq(accessRequests.userId, userId))
    .orderBy(desc(accessRequests.createdAt))
    .limit(limit);
  const ids = rows.map((r) => r.request.id);
  const approvers = await approversOf(db, ids);
  const opened =
    ids.length === 0
      ? []
      : await db
          .select({ grant: grants, routerName: routers.name })
          .from(grants)
          .innerJoin(routers, eq(routers.id, grants.routerId))
          .where(inArray(grants.requestId, ids));
  return rows.map((row) => ({
    ...toView(
      row,
      (approvers.get(row.request.id) ?? []).map((a) => a.username),
    ),
    grants: opened
      .filter((g) => g.grant.requestId === row.request.id)
      .map((g) => ({
        id: g.grant.id,
        routerName: g.routerName,
        list: g.grant.list,
        status: g.grant.status,
        expiresAt: g.grant.expiresAt.toISOString(),
        lastError: g.grant.lastError,
      })),
  }));
}

/**
 * The approver's queue: pending requests not past their TTL, oldest first, with who asked, from
 * where, and how many grants they had in the last 30 days.
 */
export async function approvalQueue(db: Queryable, viewerId: string, now = new Date()): Promise<QueueItem[]> {
  const since = new Date(now.getTime() - RECENT_GRANTS_DAYS * 86_400_000);
  const recent = db
    .select({ userId: grants.userId, n: sql<number>`count(*)::int`.as('n') })
    .from(grants)
    .where(gte(grants.createdAt, since))
    .groupBy(grants.userId)
    .as('recent');
  const rows = await db
    .select({
      ...baseColumns,
      requester: requester.username,
      requesterRole: requester.role,
      recentGrants: recent.n,
    })
    .from(accessRequests)
    .innerJoin(requester, eq(requester.id, accessRequests.userId))
    .leftJoin(routers, eq(routers.id, accessRequests.routerId))
    .leftJoin(decider, eq(decider.id, accessRequests.decidedBy))
    .leftJoin(recent, eq(recent.userId, accessRequests.userId))
    .where(and(eq(accessRequests.status, 'pending'), gt(accessRequests.expiresAt, now)))
    .orderBy(accessRequests.createdAt)
    .limit(200);
  const approvers = await approversOf(
    db,
    rows.map((r) => r.request.id),
  );
  return rows.map((row) => {
    const approvedBy = approvers.get(row.request.id) ?? [];
    return {
      ...toView(
        row,
        approvedBy.map((a) => a.username),
      ),
      requester: row.requester,
      requesterRole: row.requesterRole,
      recentGrants: Number(row.recentGrants ?? 0),
      own: row.request.userId === viewerId,
      approvedByMe: approvedBy.some((a) => a.id === viewerId),
    };
  });
}

/** The last decisions (approved, denied, expired, cancelled), newest first. */
export async function recentDecisions(
  db: Queryable,
  limit = 20,
): Promise<(RequestView & { requester: string })[]> {
  const rows = await db
    .select({ ...baseColumns, requester: requester.username })
    .from(accessRequests)
    .innerJoin(requester, eq(requester.id, accessRequests.userId))
    .leftJoin(routers, eq(routers.id, accessRequests.routerId))
    .leftJoin(decider, eq(decider.id, accessRequests.decidedBy))
    .where(ne(accessRequests.status, 'pending'))
    .orderBy(desc(accessRequests.updatedAt))
    .limit(limit);
  const approvers = await approversOf(
    db,
    rows.map((r) => r.request.id),
  );
  return rows.map((row) => ({
    ...toView(
      row,
      (approvers.get(row.request.id) ?? []).map((a) => a.username),
    ),
    requester: row.requester,
  }));
}
