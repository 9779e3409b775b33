/**
 * Access requests: a person whose policy does not open access directly asks for it; approvers
 * decide. Every transition is one guarded `UPDATE … WHERE status = 'pending'` in a transaction
 * with its audit event, so when two approvers act at once exactly one transition wins. An approved
 * request opens its grants through the grant service (source `request`), so a router outage shows
 * as a pending grant, never as done.
 */
import { and, count, eq, gt, inArray, isNull, lte, ne, sql } from 'drizzle-orm';
import { type Actor, systemActor } from '../audit/actor';
import { recordAudit, recordAuditMany } from '../audit/record';
import type { Db, Queryable } from '../db/client';
import { type AccessRequest, accessRequests, requestApprovals, type User, users } from '../db/schema';
import { type GrantContext, type GrantOutcome, openGrant } from '../grants/service';
import type { IpAddress } from '../net/ip';
import { internalError } from '../observability/internal-error';
import { effectivePolicy, listFor, type PolicyTarget } from '../policies/service';
import { fail, ok, type Result } from '../result';
import { formatDuration } from '../routeros';
import { lockUserRow } from '../users/service';
import { resolveRequestedAddress } from './address';
import type { RequestForm } from './form';
import { queueRequestEvent, type RequestNotifier, sharedSender } from './webhook';

/** More open requests than this per person is noise for the approvers. */
export const MAX_PENDING_PER_USER = 5;
export const APPROVER_ROLES = ['admin', 'approver'] as const;

export type RequestOptions = {
  now?: Date;
  /** Called after a change that queued webhook deliveries; defaults to the process-wide sender. */
  notify?: RequestNotifier;
};

type Person = Pick<User, 'id' | 'role' | 'username'>;

const notifierOf = (db: Db, options: RequestOptions) => options.notify ?? sharedSender(db);

function requestAudit(actor: Actor, action: string, r: AccessRequest, extra: Record<string, unknown> = {}) {
  return {
    actor,
    action,
    targetType: 'access_request',
    targetId: r.id,
    target: `${r.address} (${formatDuration(r.requestedSeconds)})`,
    details: {
      userId: r.userId,
      routerId: r.routerId,
      list: r.list,
      address: r.address,
      kind: r.kind,
      requestedSeconds: r.requestedSeconds,
      status: r.status,
      ...extra,
    },
  };
}

/** `routerId|list` of a policy target, as the request form names it. */
export function targetValue(target: PolicyTarget): string {
  return `${target.router.id}|${target.list ?? ''}`;
}

/** Creates a pending request after checking it against the requester's policy. */
export async function createRequest(
  db: Db,
  user: Person,
  actor: Actor,
  input: RequestForm & { clientAddress: IpAddress | undefined },
  options: RequestOptions = {},
): Promise<Result<AccessRequest>> {
  const now = options.now ?? new Date();
  const effective = await effectivePolicy(db, user);
  if (!effective || effective.targets.length === 0) {
    return fail('no_policy', 'No access policy applies to you. Ask an admin for access.');
  }
  const { policy } = effective;
  let routerId: string | null = null;
  let list: string | null = null;
  if (input.target !== 'any') {
    const chosen = effective.targets.find((t) => targetValue(t) === input.target);
    if (!chosen) {
      return fail('invalid_input', 'Your policy does not name that router or list.', {
        target: 'Your policy does not name that router or list.',
      });
    }
    routerId = chosen.router.id;
    list = chosen.list;
  }
  const address = resolveRequestedAddress(input.address, {
    own: input.clientAddress,
    requestOtherAddresses: policy.requestOtherAddresses,
    allowHostnames: policy.allowHostnames,
    hostnameSuffixes: policy.hostnameSuffixes,
  });
  if (!address.ok) return address;
  if (input.duration > policy.maxDurationSeconds) {
    const message = `At most ${formatDuration(policy.maxDurationSeconds)} (your policy's maximum).`;
    return fail('duration_too_long', message, { duration: message });
  }
  const created = await db.transaction(async (tx) => {
    // Parallel requests are counted one after the other.
    await lockUserRow(tx, user.id);
    const [open] = await tx
      .select({ n: count() })
      .from(accessRequests)
      .where(
        and(
          eq(accessRequests.userId, user.id),
          eq(accessRequests.status, 'pending'),
          gt(accessRequests.expiresAt, now),
        ),
      );
    if ((open?.n ?? 0) >= MAX_PENDING_PER_USER) return null;
    const [row] = await tx
      .insert(accessRequests)
      .values({
        userId: user.id,
        routerId,
        list,
        address: address.value.address,
        kind: address.value.kind,
        requestedSeconds: input.duration,
        reason: input.reason,
        status: 'pending',
        approvalsRequired: Math.max(1, policy.approvalsRequired),
        clientAddress: actor.clientAddress,
        createdAt: now,
        updatedAt: now,
        expiresAt: new Date(now.getTime() + policy.requestTtlSeconds * 1000),
      })
      .returning();
    await recordAudit(
      tx,
      requestAudit(actor, 'request.create', row!, {
        reason: row!.reason,
        approvalsRequired: row!.approvalsRequired,
        expiresAt: row!.expiresAt.toISOString(),
      }),
    );
    await queueRequestEvent(tx, 'request.created', row!, actor, now);
    return row!;
  });
  if (!created) {
    return fail(
      'too_many_pending',
      `You already have ${MAX_PENDING_PER_USER} requests waiting; cancel one or wait for a decision.`,
    );
  }
  notifierOf(db, options)();
  return ok(created);
}

/** The requester withdraws a request that is still pending. */
export async function cancelRequest(
  db: Db,
  user: Pick<User, 'id'>,
  actor: Actor,
  requestId: string,
  options: RequestOptions = {},
): Promise<Result<AccessRequest>> {
  const now = options.now ?? new Date();
  const result = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(accessRequests)
      .set({ status: 'cancelled', decidedAt: now, updatedAt: now })
      .where(
        and(
          eq(accessRequests.id, requestId),
          eq(accessRequests.userId, user.id),
          eq(accessRequests.status, 'pending'),
        ),
      )
      .returning();
    if (row) {
      await recordAudit(tx, requestAudit(actor, 'request.cancel', row, { before: { status: 'pending' } }));
      await queueRequestEvent(tx, 'request.cancelled', row, actor, now);
      return ok(row);
    }
    const [current] = await tx.select().from(accessRequests).where(eq(accessRequests.id, requestId));
    // "Not yours" and "does not exist" look the same: ids of others are not confirmed.
    if (!current || current.userId !== user.id) return fail('not_found', 'No such request.');
    return fail('already_decided', `This request is already ${current.status}.`);
  });
  if (result.ok) notifierOf(db, options)();
  return result;
}

type Locked = { request: AccessRequest } | { error: ReturnType<typeof fail> };

/**
 * Takes the request row for a decision: locked for the rest of the transaction (so two-approval
 * counting cannot race), refused for the requester themself, for decided requests, and for
 * requests past their TTL (which become `expired` here, even before the worker gets to them).
 */
async function lockForDecision(
  tx: Queryable,
  approver: Person,
  requestId: string,
  now: Date,
  expired: AccessRequest[],
): Promise<Locked> {
  if (!(APPROVER_ROLES as readonly string[]).includes(approver.role)) {
    return { error: fail('not_allowed', 'Only approvers and admins decide requests.') };
  }
  const [request] = await tx
    .select()
    .from(accessRequests)
    .where(eq(accessRequests.id, requestId))
    .for('update');
  if (!request) return { error: fail('not_found', 'No such request.') };
  if (request.userId === approver.id) {
    return {
      error: fail('own_request', 'You cannot decide your own request; another approver has to.'),
    };
  }
  if (request.status !== 'pending') {
    return { error: fail('already_decided', `This request is already ${request.status}.`) };
  }
  if (request.expiresAt.getTime() <= now.getTime()) {
    const [row] = await tx
      .update(accessRequests)
      .set({ status: 'expired', updatedAt: now })
      .where(and(eq(accessRequests.id, requestId), eq(accessRequests.status, 'pending')))
      .returning();
    if (row) {
      await recordAudit(
        tx,
        requestAudit(systemActor, 'request.expire', row, { before: { status: 'pending' } }),
      );
      await queueRequestEvent(tx, 'request.expired', row, systemActor, now);
      expired.push(row);
    }
    return { error: fail('request_expired', 'This request expired before it was decided.') };
  }
  return { request };
}

export type ResolvedTarget = { routerId: string; routerName: string; list: string };

/** Where an approved request opens access, by the requester's policy at the time of approval. */
export async function targetsOfRequest(
  db: Queryable,
  request: AccessRequest,
  requester: Pick<User, 'id' | 'role'>,
): Promise<ResolvedTarget[]> {
  const effective = await effectivePolicy(db, requester);
  if (!effective) return [];
  const family = familyOf(request);
  return effective.targets
    .filter(
      (t) =>
        request.routerId === null || (t.router.id === request.routerId && (t.list ?? null) === request.list),
    )
    .map((t) => ({ routerId: t.router.id, routerName: t.router.name, list: listFor(t, family) }));
}

function familyOf(request: Pick<AccessRequest, 'kind' | 'address'>): 'ip' | 'ipv6' {
  return request.kind === 'address' && request.address.includes(':') ? 'ipv6' : 'ip';
}

export type OpenedTarget = ResolvedTarget &
  ({ ok: true; outcome: GrantOutcome } | { ok: false; error: { code: string; message: string } });

export type ApproveOutcome =
  | { state: 'approved'; request: AccessRequest; grants: OpenedTarget[] }
  /** Two approvals required and this was the first. */
  | { state: 'awaiting_approval'; request: AccessRequest; approvals: number };

/**
 * Approves a request as asked or shorter. With two approvals required, the first approval is
 * recorded and the request stays pending until a second, different approver agrees (the shorter
 * of the two durations wins). The transition to `approved` is one guarded UPDATE; its grants are
 * opened afterwards through `openGrant`.
 */
export async function approveRequest(
  ctx: GrantContext,
  approver: Person,
  actor: Actor,
  requestId: string,
  input: { seconds?: number; note?: string } = {},
  options: RequestOptions = {},
): Promise<Result<ApproveOutcome>> {
  const now = options.now ?? ctx.now?.() ?? new Date();
  const expired: AccessRequest[] = [];
  let targets: ResolvedTarget[] = [];
  const decided = await ctx.db.transaction(async (tx): Promise<Result<ApproveOutcome>> => {
    const locked = await lockForDecision(tx, approver, requestId, now, expired);
    if ('error' in locked) return locked.error;
    const { request } = locked;
    const seconds = input.seconds ?? request.requestedSeconds;
    if (seconds > request.requestedSeconds) {
      const message = `At most the requested ${formatDuration(request.requestedSeconds)}; approve as asked or shorter.`;
      return fail('duration_too_long', message, { duration: message });
    }
    const [requester] = await tx.select().from(users).where(eq(users.id, request.userId));
    if (!requester || requester.disabled) {
      return fail('requester_disabled', "The requester's account is disabled; deny the request.");
    }
    targets = await targetsOfRequest(tx, request, requester);
    if (targets.length === 0) {
      return fail(
        'no_targets',
        "The requester's policy no longer names that router; deny the request or change the policy.",
      );
    }
    // The policy's maximum may have been lowered since the request was made.
    const currentMax = (await effectivePolicy(tx, requester))?.policy.maxDurationSeconds;
    if (currentMax !== undefined && seconds > currentMax) {
      const message = `The requester's policy now allows at most ${formatDuration(currentMax)}; approve for that or less.`;
      return fail('duration_too_long', message, { duration: message });
    }
    const inserted = await tx
      .insert(requestApprovals)
      .values({
        requestId,
        approverId: approver.id,
        approvedSeconds: seconds,
        note: input.note ?? null,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) {
      return fail('already_approved', 'You approved this request already; it needs another approver.');
    }
    // Only approvals by people who may still decide count: an approver since disabled or made a
    // plain user no longer stands behind their first approval.
    const approvals = (
      await tx
        .select({ approval: requestApprovals })
        .from(requestApprovals)
        .innerJoin(users, eq(users.id, requestApprovals.approverId))
        .where(
          and(
            eq(requestApprovals.requestId, requestId),
            eq(users.disabled, false),
            inArray(users.role, [...APPROVER_ROLES]),
          ),
        )
    ).map((r) => r.approval);
    if (approvals.length < request.approvalsRequired) {
      await recordAudit(
        tx,
        requestAudit(actor, 'request.approval', request, {
          approvedSeconds: seconds,
          approvals: approvals.length,
          approvalsRequired: request.approvalsRequired,
          ...(input.note ? { note: input.note } : {}),
        }),
      );
      return ok({ state: 'awaiting_approval', request, approvals: approvals.length });
    }
    const approvedSeconds = Math.min(...approvals.map((a) => a.approvedSeconds));
    const [row] = await tx
      .update(accessRequests)
      .set({
        status: 'approved',
        approvedSeconds,
        decidedAt: now,
        decidedBy: approver.id,
        decisionNote: input.note ?? null,
        updatedAt: now,
      })
      .where(and(eq(accessRequests.id, requestId), eq(accessRequests.status, 'pending')))
      .returning();
    if (!row) return fail('already_decided', 'Another approver decided this request a moment ago.');
    await recordAudit(
      tx,
      requestAudit(actor, 'request.approve', row, {
        approvedSeconds,
        approvers: approvals.map((a) => a.approverId),
        before: { status: 'pending' },
        after: { status: 'approved', approvedSeconds },
        ...(input.note ? { note: input.note } : {}),
      }),
    );
    await queueRequestEvent(tx, 'request.approved', row, actor, now);
    return ok({ state: 'approved', request: row, grants: [] });
  });
  if (expired.length > 0 || (decided.ok && decided.value.state === 'approved')) notifierOf(ctx.db, options)();
  if (!decided.ok || decided.value.state !== 'approved') return decided;

  const request = decided.value.request;
  const grants = await openRequestGrants(ctx, actor, request, targets, request.approvedSeconds!);
  return ok({ state: 'approved', request, grants });
}

/**
 * Opens the grants of an approved request (each active, or pending while its router is away)
 * and, once every one is recorded, marks the request so the worker does not open them again.
 */
async function openRequestGrants(
  ctx: GrantContext,
  actor: Actor,
  request: AccessRequest,
  targets: ResolvedTarget[],
  durationSeconds: number,
): Promise<OpenedTarget[]> {
  const family = familyOf(request);
  const opened = await Promise.all(
    targets.map(async (t): Promise<OpenedTarget> => {
      try {
        const outcome = await openGrant(ctx, actor, {
          userId: request.userId,
          routerId: t.routerId,
          family,
          list: t.list,
          address: request.address,
          kind: request.kind,
          source: 'request',
          durationSeconds,
          requestId: request.id,
        });
        return { ...t, ok: true, outcome };
      } catch (error) {
        return { ...t, ok: false, error: { code: 'internal_error', message: internalError(error) } };
      }
    }),
  );
  if (opened.every((o) => o.ok)) {
    await ctx.db
      .update(accessRequests)
      .set({ grantsOpenedAt: nowOf(ctx) })
      .where(eq(accessRequests.id, request.id));
  }
  return opened;
}

const nowOf = (ctx: GrantContext) => ctx.now?.() ?? new Date();

/** An approval younger than this may still be opening its grants in the request that made it. */
export const INTERRUPTED_APPROVAL_GRACE_MS = 60_000;

/**
 * Approved requests whose grants were never recorded (the process stopped, or the database
 * failed, between the approval and the grants) get them now, for the time the approval has left.
 * Run by the grant worker every cycle. A requester who was disabled or lost the policy's targets
 * meanwhile gets nothing; the request is marked so it is not looked at again.
 */
export async function openInterruptedApprovals(
  ctx: GrantContext,
  actor: Actor = systemActor,
): Promise<{ opened: number; skipped: number }> {
  const now = nowOf(ctx);
  const rows = await ctx.db
    .select()
    .from(accessRequests)
    .where(
      and(
        eq(accessRequests.status, 'approved'),
        isNull(accessRequests.grantsOpenedAt),
        lte(accessRequests.decidedAt, new Date(now.getTime() - INTERRUPTED_APPROVAL_GRACE_MS)),
        // Still inside the approved window (a second or more left).
        sql`${accessRequests.decidedAt} + make_interval(secs => ${accessRequests.approvedSeconds}) > ${new Date(now.getTime() + 1000).toISOString()}::timestamptz`,
      ),
    )
    .limit(100);
  let opened = 0;
  let skipped = 0;
  for (const request of rows) {
    const left = Math.floor(
      (request.decidedAt!.getTime() + request.approvedSeconds! * 1000 - now.getTime()) / 1000,
    );
    const [requester] = await ctx.db.select().from(users).where(eq(users.id, request.userId));
    const targets =
      requester && !requester.disabled ? await targetsOfRequest(ctx.db, request, requester) : [];
    if (targets.length === 0) {
      await ctx.db.transaction(async (tx) => {
        await tx.update(accessRequests).set({ grantsOpenedAt: now }).where(eq(accessRequests.id, request.id));
        await recordAudit(
          tx,
          requestAudit(actor, 'request.open_skipped', request, {
            reason: requester && !requester.disabled ? 'no_targets' : 'requester_disabled',
          }),
        );
      });
      skipped++;
      continue;
    }
    const results = await openRequestGrants(ctx, actor, request, targets, left);
    if (results.every((r) => r.ok)) opened++;
  }
  return { opened, skipped };
}

/** Denies a pending request, with an optional note for the requester. */
export async function denyRequest(
  db: Db,
  approver: Person,
  actor: Actor,
  requestId: string,
  input: { note?: string } = {},
  options: RequestOptions = {},
): Promise<Result<AccessRequest>> {
  const now = options.now ?? new Date();
  const expired: AccessRequest[] = [];
  const result = await db.transaction(async (tx): Promise<Result<AccessRequest>> => {
    const locked = await lockForDecision(tx, approver, requestId, now, expired);
    if ('error' in locked) return locked.error;
    const [row] = await tx
      .update(accessRequests)
      .set({
        status: 'denied',
        decidedAt: now,
        decidedBy: approver.id,
        decisionNote: input.note ?? null,
        updatedAt: now,
      })
      .where(and(eq(accessRequests.id, requestId), eq(accessRequests.status, 'pending')))
      .returning();
    if (!row) return fail('already_decided', 'Another approver decided this request a moment ago.');
    await recordAudit(
      tx,
      requestAudit(actor, 'request.deny', row, {
        before: { status: 'pending' },
        after: { status: 'denied' },
        ...(input.note ? { note: input.note } : {}),
      }),
    );
    await queueRequestEvent(tx, 'request.denied', row, actor, now);
    return ok(row);
  });
  if (expired.length > 0 || result.ok) notifierOf(db, options)();
  return result;
}

/**
 * Pending requests past their TTL become `expired` (one audit event each). Run by the grant
 * worker every cycle; approve/deny also refuse an expired request on their own.
 */
export async function expireRequests(
  db: Db,
  now: Date = new Date(),
  options: Omit<RequestOptions, 'now'> = {},
): Promise<AccessRequest[]> {
  const expired = await db.transaction(async (tx) => {
    const rows = await tx
      .update(accessRequests)
      .set({ status: 'expired', updatedAt: now })
      .where(and(eq(accessRequests.status, 'pending'), lte(accessRequests.expiresAt, now)))
      .returning();
    await recordAuditMany(
      tx,
      rows.map((r) =>
        requestAudit(systemActor, 'request.expire', r, {
          before: { status: 'pending' },
          expiresAt: r.expiresAt.toISOString(),
        }),
      ),
    );
    for (const r of rows) await queueRequestEvent(tx, 'request.expired', r, systemActor, now);
    return rows;
  });
  if (expired.length > 0) notifierOf(db, options)();
  return expired;
}

/** Requests waiting for this approver (not their own, not yet approved by them, not expired). */
export async function pendingCountFor(db: Queryable, approverId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(accessRequests)
    .where(
      and(
        eq(accessRequests.status, 'pending'),
        gt(accessRequests.expiresAt, now),
        ne(accessRequests.userId, approverId),
        sql`not exists (select 1 from ${requestApprovals} ra where ra.request_id = ${accessRequests.id} and ra.approver_id = ${approverId})`,
      ),
    );
  return row?.n ?? 0;
}
