/**
 * The grant lifecycle: open, extend, revoke, expire, and the retries that follow a router outage.
 * Success is reported only after the router confirmed; while it cannot be reached a grant stays
 * `pending` (or `revoke_pending`) and the worker retries with backoff. Every status change writes
 * its audit event in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit, recordAuditMany } from '../audit/record';
import type { Db, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { type Grant, type GrantSource, grants, LIVE_GRANT_STATUSES } from '../db/schema';
import { metrics } from '../observability/metrics';
import type { ListFamily, RouterClient } from '../routeros';
import { isRouterError } from '../routeros';
import { describeRouterError } from '../routers/service';
import { type DesiredEntry, type EntryKey, type EntryOutcome, ensureEntry, tryAddEntry } from './entry';
import { type EntryLocks, entryLockKey, processEntryLocks } from './key-lock';

export type GrantContext = {
  db: Db;
  /** The shared client of a router; throws when the router is unknown or disabled. */
  clientFor: (routerId: string) => Promise<RouterClient>;
  now?: () => Date;
  /** Serialises changes of one router entry; defaults to this process's (see key-lock.ts). */
  locks?: EntryLocks;
};

/** Runs `work` holding the lock of one key (a router entry, or another thing one at a time). */
export function withEntryLock<T>(ctx: GrantContext, lockKey: string, work: () => Promise<T>): Promise<T> {
  return (ctx.locks ?? processEntryLocks()).run(lockKey, work);
}

export type OpenInput = {
  userId: string | null;
  routerId: string;
  family: ListFamily;
  list: string;
  /** Canonical IPv4/IPv6 address or lower-case host name. */
  address: string;
  kind?: 'address' | 'hostname';
  source: GrantSource;
  durationSeconds: number;
  /** The approved request this grant comes from. */
  requestId?: string | null;
  /** The DynDNS2 device whose address this grant follows. */
  deviceId?: string | null;
};

export type GrantOutcome = {
  grant: Grant;
  /** The router confirmed: our entry is there, or an unmanaged entry already holds the address. */
  confirmed: boolean;
  extended: boolean;
  covered: boolean;
  error?: { code: string; message: string };
};

const nowOf = (ctx: GrantContext) => ctx.now?.() ?? new Date();
const keyOf = (g: Pick<Grant, 'family' | 'list' | 'address'>): EntryKey => ({
  family: g.family,
  list: g.list,
  address: g.address,
});
/** Whole seconds left, rounded down: a router entry must never outlive its grant. */
const remainingSeconds = (expiresAt: Date, now: Date) =>
  Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));

/** Backoff for router retries: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 2_000 * 2 ** Math.min(attempts, 8));
}

export function routerProblem(error: unknown) {
  return { code: isRouterError(error) ? error.code : 'router_error', message: describeRouterError(error) };
}

/** Live grants that share a router entry (same router, family, list, address). */
export async function groupOf(db: Queryable, routerId: string, key: EntryKey): Promise<Grant[]> {
  return db
    .select()
    .from(grants)
    .where(
      and(
        eq(grants.routerId, routerId),
        eq(grants.family, key.family),
        eq(grants.list, key.list),
        eq(grants.address, key.address),
        inArray(grants.status, [...LIVE_GRANT_STATUSES]),
      ),
    );
}

/** What the router should hold for a group: the longest-lasting grant that is not being revoked. */
export function desiredFor(group: Grant[], now: Date): DesiredEntry | null {
  let owner: Grant | undefined;
  for (const g of group) {
    if (g.status === 'revoke_pending' || g.expiresAt.getTime() <= now.getTime()) continue;
    if (!owner || g.expiresAt > owner.expiresAt) owner = g;
  }
  return owner ? { ownerId: owner.id, timeoutSeconds: remainingSeconds(owner.expiresAt, now) } : null;
}

/** Brings one router entry in line with the database (fresh read of both). */
export async function syncKey(ctx: GrantContext, routerId: string, key: EntryKey): Promise<EntryOutcome> {
  return (await syncKeySnapshot(ctx, routerId, key)).outcome;
}

/** syncKey, also returning the grants (as read) that the router now reflects. */
async function syncKeySnapshot(
  ctx: GrantContext,
  routerId: string,
  key: EntryKey,
): Promise<{ outcome: EntryOutcome; group: Grant[] }> {
  const group = await groupOf(ctx.db, routerId, key);
  const client = await ctx.clientFor(routerId);
  return { outcome: await ensureEntry(client, key, desiredFor(group, nowOf(ctx))), group };
}

/**
 * Brings one router entry in line with the live grants of its key as they are now (database and
 * router read again), holding the entry's lock: for the reconciler, whose snapshots may be older
 * than a change someone made meanwhile.
 */
export function syncEntryNow(
  ctx: GrantContext,
  routerId: string,
  key: EntryKey,
): Promise<{ outcome: EntryOutcome; group: Grant[] }> {
  return withEntryLock(ctx, entryLockKey(routerId, key), () => syncKeySnapshot(ctx, routerId, key));
}

/**
 * After a successful sync of a key: pending → active, revoke_pending → revoked, dirty flags
 * cleared, each status change audited. Only grants in `synced` — the group as it was read for the
 * sync — and only from the status they had then: a grant revoked after that read was not part of
 * what the router now reflects, so its removal is not yet confirmed.
 */
async function settleGroup(db: Db, synced: Grant[], now: Date, actor: Actor): Promise<Grant[]> {
  return db.transaction(async (tx) => {
    const changed: Grant[] = [];
    for (const g of synced) {
      if (g.status === 'pending' && g.expiresAt > now) {
        const [row] = await tx
          .update(grants)
          .set({
            status: 'active',
            activatedAt: now,
            lastError: null,
            attempts: 0,
            nextAttemptAt: null,
            updatedAt: now,
          })
          .where(and(eq(grants.id, g.id), eq(grants.status, 'pending')))
          .returning();
        if (row) {
          changed.push(row);
          await recordAudit(tx, grantAudit(actor, 'grant.activate', row, { attemptsBefore: g.attempts }));
        }
      } else if (g.status === 'revoke_pending') {
        const [row] = await tx
          .update(grants)
          .set({
            status: 'revoked',
            endedAt: g.endedAt ?? now,
            lastError: null,
            nextAttemptAt: null,
            updatedAt: now,
          })
          .where(and(eq(grants.id, g.id), eq(grants.status, 'revoke_pending')))
          .returning();
        if (row) {
          changed.push(row);
          await recordAudit(tx, grantAudit(actor, 'grant.revoke_confirmed', row));
        }
      } else if (g.nextAttemptAt || g.lastError) {
        await tx
          .update(grants)
          .set({ nextAttemptAt: null, lastError: null, attempts: 0, updatedAt: now })
          .where(and(eq(grants.id, g.id), eq(grants.status, g.status)));
      }
    }
    return changed;
  });
}

/** After a failed sync: remember the error and when to try again. */
export async function markRetry(db: Queryable, ids: string[], error: { message: string }, now: Date) {
  if (ids.length === 0) return;
  await db
    .update(grants)
    .set({
      lastError: error.message,
      attempts: sql`${grants.attempts} + 1`,
      nextAttemptAt: sql`${now.toISOString()}::timestamptz + (least(300, 2 * power(2, least(${grants.attempts}, 8))) * interval '1 second')`,
      updatedAt: now,
    })
    .where(inArray(grants.id, ids));
}

export function grantAudit(actor: Actor, action: string, g: Grant, extra: Record<string, unknown> = {}) {
  return {
    actor,
    action,
    targetType: 'grant',
    targetId: g.id,
    target: `${g.address} → ${g.list}`,
    details: {
      routerId: g.routerId,
      family: g.family,
      list: g.list,
      address: g.address,
      source: g.source,
      status: g.status,
      expiresAt: g.expiresAt.toISOString(),
      ...(g.userId ? { userId: g.userId } : {}),
      ...extra,
    },
  };
}

/**
 * The caller's live grant for this key: the person's own (no device), or the given device's —
 * never another device's, whose moves must not carry the person's access away with them.
 */
export async function findLiveGrant(
  db: Queryable,
  input: Pick<OpenInput, 'userId' | 'routerId' | 'family' | 'list' | 'address' | 'deviceId'>,
): Promise<Grant | undefined> {
  if (!input.userId) return undefined;
  return (
    await db
      .select()
      .from(grants)
      .where(
        and(
          eq(grants.userId, input.userId),
          eq(grants.routerId, input.routerId),
          eq(grants.family, input.family),
          eq(grants.list, input.list),
          eq(grants.address, input.address),
          input.deviceId ? eq(grants.deviceId, input.deviceId) : isNull(grants.deviceId),
          inArray(grants.status, [...LIVE_GRANT_STATUSES]),
        ),
      )
      .limit(1)
  )[0];
}

/**
 * Opens access for an address on one router list, or extends the caller's live grant for it.
 * The fast path is one `add` on the router and one database transaction.
 */
export async function openGrant(ctx: GrantContext, actor: Actor, input: OpenInput): Promise<GrantOutcome> {
  const now = nowOf(ctx);
  const existing = await findLiveGrant(ctx.db, input);
  if (existing) {
    // An approved request that extends a grant opened otherwise is linked to it, once. (A device
    // is not: its later moves must not end access the person opened themselves.)
    if (input.requestId && !existing.requestId) {
      await ctx.db.update(grants).set({ requestId: input.requestId }).where(eq(grants.id, existing.id));
    }
    try {
      return await extendGrant(ctx, actor, existing.id, input.durationSeconds);
    } catch (error) {
      // It ended between the look-up and the extend (expired, revoke confirmed): open anew.
      if (!(error instanceof GrantNotLiveError)) throw error;
    }
  }

  const id = randomUUID();
  const key: EntryKey = { family: input.family, list: input.list, address: input.address };
  const expiresAt = new Date(now.getTime() + input.durationSeconds * 1000);
  const opened = await withEntryLock(ctx, entryLockKey(input.routerId, key), async () => {
    let outcome: EntryOutcome | undefined;
    let problem: { code: string; message: string } | undefined;
    try {
      const client = await ctx.clientFor(input.routerId);
      // Time left when the entry is written, not when the grant was asked for.
      const fast = await tryAddEntry(client, key, {
        ownerId: id,
        timeoutSeconds: remainingSeconds(expiresAt, new Date()),
      });
      if (fast.kind === 'present') outcome = fast;
      // Slow path: the router already holds this list+address (our lost ack, another grant of the
      // group, or an unmanaged entry). Decide with the group, including the new grant.
      else
        outcome = await ensureEntry(
          client,
          key,
          desiredFor(
            [...(await groupOf(ctx.db, input.routerId, key)), { id, expiresAt, status: 'active' } as Grant],
            // Time left as of now, not as of the call (the lock may have been waited for).
            nowOf(ctx),
          ),
        );
    } catch (error) {
      problem = routerProblem(error);
    }

    const confirmed = outcome !== undefined && outcome.kind !== 'absent';
    try {
      const grant = await ctx.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(grants)
          .values({
            id,
            userId: input.userId,
            routerId: input.routerId,
            family: input.family,
            list: input.list,
            address: input.address,
            kind: input.kind ?? 'address',
            source: input.source,
            status: confirmed ? 'active' : 'pending',
            expiresAt,
            createdAt: now,
            updatedAt: now,
            activatedAt: confirmed ? now : null,
            openedBy: actor.label,
            routerEntryId: outcome?.kind === 'present' ? outcome.entryId : null,
            lastError: problem?.message ?? null,
            attempts: problem ? 1 : 0,
            nextAttemptAt: problem ? new Date(now.getTime() + retryDelayMs(0)) : null,
            requestId: input.requestId ?? null,
            deviceId: input.deviceId ?? null,
          })
          .returning();
        await recordAudit(
          tx,
          grantAudit(actor, 'grant.open', row!, {
            durationSeconds: input.durationSeconds,
            ...(outcome?.kind === 'covered' ? { coveredByUnmanagedEntry: outcome.unmanagedEntryId } : {}),
            ...(problem ? { routerError: problem.code } : {}),
          }),
        );
        return row!;
      });
      if (confirmed) metrics().grantsOpened.inc({ router: input.routerId, source: input.source });
      if (problem) metrics().grantsFailed.inc({ router: input.routerId, code: problem.code });
      return {
        kind: 'opened' as const,
        outcome: {
          grant,
          confirmed,
          extended: false,
          covered: outcome?.kind === 'covered',
          ...(problem ? { error: problem } : {}),
        },
      };
    } catch (error) {
      if (isUniqueViolation(error)) return { kind: 'raced' as const };
      // The grant could not be recorded: take back the entry just added (fail closed), or the
      // router would keep an address open that no grant stands behind. A fresh add means no
      // entry existed for this address before, so removing it restores the router as it was.
      if (outcome?.kind === 'present' && !outcome.adopted) {
        await ctx
          .clientFor(input.routerId)
          .then((client) => ensureEntry(client, key, null))
          .catch(() => {});
      }
      throw error;
    }
  });
  if (opened.kind === 'opened') return opened.outcome;
  // Someone opened the same grant at the same moment (double click, two tabs): extend theirs;
  // the sync inside retags the router entry we may just have added.
  const winner = await findLiveGrant(ctx.db, input);
  if (!winner) throw new Error('A concurrent open of this grant vanished; try again.');
  return extendGrant(ctx, actor, winner.id, input.durationSeconds);
}

/**
 * Extends a live grant to `now + duration` (never shortens it). A grant being revoked is taken
 * back into use. The router's timeout is updated before success is reported.
 */
export async function extendGrant(
  ctx: GrantContext,
  actor: Actor,
  grantId: string,
  durationSeconds: number,
): Promise<GrantOutcome> {
  const now = nowOf(ctx);
  const grant = await ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(grants).where(eq(grants.id, grantId)).for('update');
    if (!current || !LIVE_GRANT_STATUSES.includes(current.status as (typeof LIVE_GRANT_STATUSES)[number])) {
      return null;
    }
    const target = new Date(Math.max(current.expiresAt.getTime(), now.getTime() + durationSeconds * 1000));
    const [row] = await tx
      .update(grants)
      .set({
        expiresAt: target,
        status: current.status === 'revoke_pending' ? 'pending' : current.status,
        endedBy: null,
        updatedAt: now,
      })
      .where(eq(grants.id, grantId))
      .returning();
    await recordAudit(
      tx,
      grantAudit(actor, 'grant.extend', row!, {
        before: { expiresAt: current.expiresAt.toISOString(), status: current.status },
        durationSeconds,
      }),
    );
    return row!;
  });
  if (!grant) {
    throw new GrantNotLiveError(grantId);
  }
  return confirmAfterChange(ctx, actor, grant, now, { extended: true });
}

export class GrantNotLiveError extends Error {
  readonly code = 'grant_not_live';
  constructor(grantId: string) {
    super(`Grant ${grantId} has ended.`);
  }
}

/** Ends a grant: `revoke_pending` at once, `revoked` when the router entry is verifiably gone. */
export async function revokeGrant(
  ctx: GrantContext,
  actor: Actor,
  grantId: string,
  reason = 'revoked',
): Promise<GrantOutcome> {
  const now = nowOf(ctx);
  const grant = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(grants)
      .set({
        status: 'revoke_pending',
        endedAt: now,
        endedBy: actor.label,
        nextAttemptAt: now,
        updatedAt: now,
      })
      .where(and(eq(grants.id, grantId), inArray(grants.status, ['pending', 'active'])))
      .returning();
    if (row) await recordAudit(tx, grantAudit(actor, 'grant.revoke', row, { reason }));
    return row;
  });
  if (!grant) {
    const [current] = await ctx.db.select().from(grants).where(eq(grants.id, grantId));
    if (!current) throw new GrantNotLiveError(grantId);
    if (current.status !== 'revoke_pending') {
      return { grant: current, confirmed: current.status === 'revoked', extended: false, covered: false };
    }
    return confirmAfterChange(ctx, actor, current, now, {});
  }
  return confirmAfterChange(ctx, actor, grant, now, {});
}

async function confirmAfterChange(
  ctx: GrantContext,
  actor: Actor,
  grant: Grant,
  now: Date,
  flags: { extended?: boolean },
): Promise<GrantOutcome> {
  try {
    const { outcome, fresh } = await withEntryLock(
      ctx,
      entryLockKey(grant.routerId, keyOf(grant)),
      async () => {
        const synced = await syncKeySnapshot(ctx, grant.routerId, keyOf(grant));
        // Statuses only need a transaction when something was waiting on the router.
        const needsSettling = synced.group.some(
          (g) => g.status !== 'active' || g.nextAttemptAt !== null || g.lastError !== null,
        );
        if (!needsSettling) return { outcome: synced.outcome, fresh: grant };
        const changed = await settleGroup(ctx.db, synced.group, now, actor);
        return {
          outcome: synced.outcome,
          fresh:
            changed.find((g) => g.id === grant.id) ??
            (await ctx.db.select().from(grants).where(eq(grants.id, grant.id)))[0]!,
        };
      },
    );
    if (flags.extended) metrics().grantsOpened.inc({ router: grant.routerId, source: grant.source });
    return {
      grant: fresh,
      confirmed: true,
      extended: flags.extended ?? false,
      covered: outcome.kind === 'covered',
    };
  } catch (error) {
    const problem = routerProblem(error);
    metrics().grantsFailed.inc({ router: grant.routerId, code: problem.code });
    await markRetry(ctx.db, [grant.id], problem, now);
    const [fresh] = await ctx.db.select().from(grants).where(eq(grants.id, grant.id));
    return {
      grant: fresh ?? grant,
      confirmed: false,
      extended: flags.extended ?? false,
      covered: false,
      error: problem,
    };
  }
}

/** Grants past their expiry become `expired` (the router entry timed out on its own). */
export async function expireGrants(ctx: GrantContext, actor: Actor): Promise<Grant[]> {
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const expired = await tx
      .update(grants)
      .set({ status: 'expired', endedAt: sql`${grants.expiresAt}`, nextAttemptAt: null, updatedAt: now })
      .where(and(inArray(grants.status, ['pending', 'active']), lte(grants.expiresAt, now)))
      .returning();
    // Being revoked, and past its time: the router's entry ran out with it (entries never outlive
    // their grants), so the removal needs no router any more — however long the router is away.
    const ranOut = await tx
      .update(grants)
      .set({ status: 'revoked', lastError: null, nextAttemptAt: null, updatedAt: now })
      .where(and(eq(grants.status, 'revoke_pending'), lte(grants.expiresAt, now)))
      .returning();
    await recordAuditMany(tx, [
      ...expired.map((g) => grantAudit(actor, 'grant.expire', g)),
      ...ranOut.map((g) => grantAudit(actor, 'grant.revoke_confirmed', g, { by: 'expiry' })),
    ]);
    return expired;
  });
}

/**
 * Retries the router side of grants whose last attempt failed (or that changed and were not yet
 * confirmed), grouped by router entry. Returns how many keys were settled and how many failed.
 */
export async function retryDueGrants(
  ctx: GrantContext,
  actor: Actor,
  options: { routerId?: string; limit?: number } = {},
): Promise<{ settled: number; failed: number }> {
  const now = nowOf(ctx);
  const due = await ctx.db
    .select()
    .from(grants)
    .where(
      and(
        inArray(grants.status, [...LIVE_GRANT_STATUSES]),
        isNotNull(grants.nextAttemptAt),
        lte(grants.nextAttemptAt, now),
        options.routerId ? eq(grants.routerId, options.routerId) : undefined,
      ),
    )
    .limit(options.limit ?? 500);
  const keys = new Map<string, Grant>();
  for (const g of due) keys.set(`${g.routerId}|${g.family}|${g.list}|${g.address}`, g);
  let settled = 0;
  let failed = 0;
  for (const g of keys.values()) {
    try {
      await withEntryLock(ctx, entryLockKey(g.routerId, keyOf(g)), async () => {
        const synced = await syncKeySnapshot(ctx, g.routerId, keyOf(g));
        await settleGroup(ctx.db, synced.group, now, actor);
      });
      settled++;
    } catch (error) {
      failed++;
      const ids = due
        .filter(
          (d) =>
            d.routerId === g.routerId &&
            d.family === g.family &&
            d.list === g.list &&
            d.address === g.address,
        )
        .map((d) => d.id);
      await markRetry(ctx.db, ids, routerProblem(error), now);
    }
  }
  return { settled, failed };
}
