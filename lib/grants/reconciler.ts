/**
 * The reconciler: compares the live grants in the database with the tagged entries on a router
 * and repairs the router (re-adds entries lost in a reboot with their remaining time, removes
 * tagged entries no live grant stands behind, fixes drifted timeouts and twins). It never touches
 * an entry without Knockgate's tag, and it does nothing at all when the database cannot be read.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { type AuditInput, recordAuditMany } from '../audit/record';
import { type Grant, grants, LIVE_GRANT_STATUSES, policyTargets } from '../db/schema';
import { errorText } from '../observability/error-text';
import {
  type AddressListEntry,
  addressListPath,
  isRouterError,
  type ListFamily,
  parseAddressListRow,
  routerQuery,
} from '../routeros';
import { describeRouterError } from '../routers/service';
import { type EntryKey, ensureEntry, storedAddress, timeoutNeedsSetting, tryAddEntry } from './entry';
import { desiredFor, type GrantContext, grantAudit, markRetry, routerProblem, syncEntryNow } from './service';
import { grantIdFromComment, grantTag, isKnockgateComment } from './tag';

export type ReconcileReport = {
  routerId: string;
  /** Set when nothing was done: the database could not be read, or the router not reached. */
  skipped?: { reason: 'database_unavailable' | 'router_unreachable'; message: string };
  liveGrants: number;
  taggedEntries: number;
  added: number;
  updated: number;
  removed: number;
  covered: number;
  activated: number;
  revokeConfirmed: number;
  failedKeys: number;
  durationMs: number;
};

/** Tagged entries whose grant id the database did not know, per router, from the previous cycle. */
export type OrphanMemory = Map<string, Set<string>>;

const keyString = (k: EntryKey) => `${k.family}|${k.list}|${k.address}`;
const PRINT_PROPS = ['.id', 'list', 'address', 'timeout', 'comment', 'dynamic', 'disabled'];
const CONCURRENCY = 64;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}

export async function reconcileRouter(
  ctx: GrantContext,
  actor: Actor,
  router: { id: string; ipv4List: string; ipv6List: string },
  orphans: OrphanMemory = new Map(),
): Promise<ReconcileReport> {
  const started = performance.now();
  const now = ctx.now?.() ?? new Date();
  const report: ReconcileReport = {
    routerId: router.id,
    liveGrants: 0,
    taggedEntries: 0,
    added: 0,
    updated: 0,
    removed: 0,
    covered: 0,
    activated: 0,
    revokeConfirmed: 0,
    failedKeys: 0,
    durationMs: 0,
  };
  const finish = () => ({ ...report, durationMs: Math.round(performance.now() - started) });

  // 1. The database first: if it cannot be read, stop before touching the router.
  let live: Grant[];
  try {
    live = await ctx.db
      .select()
      .from(grants)
      .where(and(eq(grants.routerId, router.id), inArray(grants.status, [...LIVE_GRANT_STATUSES])));
  } catch (error) {
    report.skipped = { reason: 'database_unavailable', message: errorText(error) };
    return finish();
  }
  report.liveGrants = live.length;

  // 2. The router's entries on every list in play.
  const lists: Record<ListFamily, Set<string>> = {
    ip: new Set([router.ipv4List]),
    ipv6: new Set([router.ipv6List]),
  };
  for (const g of live) lists[g.family].add(g.list);
  // Lists a policy names for this router are read even when no grant is live on them, so a stray
  // tagged entry there (a crash between router and database, say) is found and removed.
  try {
    const named = await ctx.db
      .select({ list: policyTargets.list })
      .from(policyTargets)
      .where(and(eq(policyTargets.routerId, router.id), isNotNull(policyTargets.list)));
    for (const { list } of named) {
      if (!list) continue;
      lists.ip.add(list);
      lists.ipv6.add(list);
    }
  } catch (error) {
    report.skipped = { reason: 'database_unavailable', message: errorText(error) };
    return finish();
  }
  const byKey = new Map<string, { key: EntryKey; entries: AddressListEntry[] }>();
  try {
    const client = await ctx.clientFor(router.id);
    for (const family of ['ip', 'ipv6'] as const) {
      const names = [...lists[family]];
      const print = () =>
        client.print(addressListPath(family), {
          proplist: PRINT_PROPS,
          query: routerQuery.or(...names.map((n) => routerQuery.eq('list', n))),
          timeoutMs: 60_000,
        });
      // A print is safe to repeat: after a router reboot the first command often meets the old,
      // dead connection; the second runs on a fresh one.
      const rows = await print().catch((error: unknown) => {
        if (isRouterError(error) && error.code === 'router_unreachable') return print();
        throw error;
      });
      for (const row of rows) {
        const entry = parseAddressListRow(row);
        if (!lists[family].has(entry.list)) continue;
        // Dynamic children of a DNS name carry no tag of ours; they follow their parent.
        const key = { family, list: entry.list, address: storedAddress(family, entry.address) };
        const slot = byKey.get(keyString(key)) ?? { key, entries: [] };
        slot.entries.push(entry);
        byKey.set(keyString(key), slot);
        if (isKnockgateComment(entry.comment)) report.taggedEntries++;
      }
    }
  } catch (error) {
    report.skipped = { reason: 'router_unreachable', message: describeRouterError(error) };
    return finish();
  }
  // The router's timeouts are as of this moment: compared with the grants' time left then.
  const printedAt = ctx.now?.() ?? new Date();

  // 3. Desired state per key from the live grants.
  const groups = new Map<string, { key: EntryKey; grants: Grant[] }>();
  for (const g of live) {
    const key = { family: g.family, list: g.list, address: g.address };
    const slot = groups.get(keyString(key)) ?? { key, grants: [] };
    slot.grants.push(g);
    groups.set(keyString(key), slot);
  }

  // Tagged entries with no live group: removal candidates, checked against a fresh read.
  const candidates: { key: EntryKey; entries: AddressListEntry[] }[] = [];
  for (const [k, slot] of byKey) {
    if (groups.has(k)) continue;
    const tagged = slot.entries.filter((e) => isKnockgateComment(e.comment));
    if (tagged.length > 0) candidates.push({ key: slot.key, entries: slot.entries });
  }
  const removable = await confirmRemovable(ctx, router.id, candidates, orphans);
  if (removable === null) {
    report.skipped = {
      reason: 'database_unavailable',
      message: 'The database could not be read; nothing was removed.',
    };
    return finish();
  }

  const client = await ctx.clientFor(router.id);
  /**
   * Re-adding an entry the router lost: one `add`. If the router holds the key again by then (a
   * knock or an extend since the snapshots re-added it), the key is synced under its lock from
   * fresh reads instead, so that newer change is kept.
   */
  const readd = async (key: EntryKey, group: Grant[]) => {
    // The time left when the entry is written, not when the run started (a slow router or many
    // keys must not make the entry outlive its grant).
    const desired = desiredFor(group, ctx.now?.() ?? new Date());
    if (desired === null) return { kind: 'absent' as const };
    const fast = await tryAddEntry(client, key, desired);
    return fast.kind === 'present' ? fast : (await syncEntryNow(ctx, router.id, key)).outcome;
  };
  const settledKeys: EntryKey[] = [];
  const addedOwners = new Map<string, EntryKey>();
  await inParallel([...groups.values()], CONCURRENCY, async ({ key, grants: group }) => {
    const desired = desiredFor(group, printedAt);
    const known = byKey.get(keyString(key))?.entries ?? [];
    const tagged = known.filter((e) => isKnockgateComment(e.comment));
    const needsWork =
      desired === null
        ? tagged.length > 0
        : tagged.length !== 1 ||
          tagged[0]!.disabled ||
          tagged[0]!.comment !== grantTag(desired.ownerId) ||
          timeoutNeedsSetting(tagged[0]!.timeoutSeconds, desired.timeoutSeconds);
    try {
      if (needsWork) {
        // Re-adding an entry the router lost needs nothing newer than the snapshots (a grant that
        // ended meanwhile is taken back in step 4). Changing or removing an existing entry does:
        // an extend or open since the snapshots may have changed it, so the key is synced again
        // under its lock from fresh reads.
        const outcome =
          tagged.length === 0 && desired !== null && known.length === 0
            ? await readd(key, group)
            : tagged.length === 0
              ? await ensureEntry(client, key, desired, known) // covered by an unmanaged entry
              : (await syncEntryNow(ctx, router.id, key)).outcome;
        if (outcome.kind === 'absent') report.removed += tagged.length;
        else if (outcome.kind === 'covered') report.covered++;
        else if (outcome.kind === 'present' && !outcome.adopted) {
          report.added++;
          if (tagged.length === 0 && desired) addedOwners.set(desired.ownerId, key);
        } else report.updated++;
      }
      settledKeys.push(key);
    } catch (error) {
      report.failedKeys++;
      // The router refused this key (not the whole router: an address held in a disabled entry
      // that is not ours, an entry that kept changing): the grants behind it say so and are
      // retried, instead of showing open while the router may not let them through.
      if (isRouterError(error)) {
        const waiting = group.filter((g) => g.status !== 'revoke_pending').map((g) => g.id);
        await markRetry(ctx.db, waiting, routerProblem(error), new Date()).catch(() => {});
      }
    }
  });

  await inParallel(removable, CONCURRENCY, async ({ key, entries }) => {
    try {
      // Synced again under the entry's lock: a knock since the snapshots may have re-tagged the
      // entry for a new grant, which must keep it.
      const { outcome } = await syncEntryNow(ctx, router.id, key);
      if (outcome.kind === 'absent')
        report.removed += entries.filter((e) => isKnockgateComment(e.comment)).length;
    } catch {
      report.failedKeys++;
    }
  });

  // 4. Entries re-added for grants that were revoked while we worked come straight off again.
  if (addedOwners.size > 0) {
    try {
      const fresh = await ctx.db
        .select({ id: grants.id, status: grants.status })
        .from(grants)
        .where(inArray(grants.id, [...addedOwners.keys()]));
      const stillLive = new Set(
        fresh.filter((g) => g.status === 'active' || g.status === 'pending').map((g) => g.id),
      );
      for (const [ownerId, key] of addedOwners) {
        if (stillLive.has(ownerId)) continue;
        // Under the entry's lock from fresh reads: someone may have knocked on this key meanwhile.
        await syncEntryNow(ctx, router.id, key);
      }
    } catch {
      // The next cycle repeats the check; a revoke also verifies removal itself.
    }
  }

  // 5. Statuses of the grants whose keys now match: pending → active, revoke_pending → revoked —
  // only grants nobody changed since the snapshot (an extend, a revoke or a failed retry since
  // then was not part of what the router was checked against).
  const asRead = (list: Grant[]) =>
    sql`(${grants.id}, date_trunc('milliseconds', ${grants.updatedAt})) in (${sql.join(
      list.map((g) => sql`(${g.id}::uuid, ${g.updatedAt.toISOString()}::timestamptz)`),
      sql`, `,
    )})`;
  const settled = new Set(settledKeys.map(keyString));
  const toActivate = live.filter(
    (g) =>
      g.status === 'pending' &&
      g.expiresAt > now &&
      settled.has(keyString({ family: g.family, list: g.list, address: g.address })),
  );
  const toConfirm = live.filter(
    (g) =>
      g.status === 'revoke_pending' &&
      settled.has(keyString({ family: g.family, list: g.list, address: g.address })),
  );
  try {
    await ctx.db.transaction(async (tx) => {
      const activated = toActivate.length
        ? await tx
            .update(grants)
            .set({
              status: 'active',
              activatedAt: now,
              lastError: null,
              attempts: 0,
              nextAttemptAt: null,
              updatedAt: now,
            })
            .where(and(asRead(toActivate), eq(grants.status, 'pending')))
            .returning()
        : [];
      const confirmed = toConfirm.length
        ? await tx
            .update(grants)
            .set({ status: 'revoked', lastError: null, nextAttemptAt: null, updatedAt: now })
            .where(and(asRead(toConfirm), eq(grants.status, 'revoke_pending')))
            .returning()
        : [];
      report.activated = activated.length;
      report.revokeConfirmed = confirmed.length;
      const rows: AuditInput[] = [
        ...activated.map((g) => grantAudit(actor, 'grant.activate', g, { by: 'reconciler' })),
        ...confirmed.map((g) => grantAudit(actor, 'grant.revoke_confirmed', g, { by: 'reconciler' })),
      ];
      if (report.added + report.removed + report.updated > 0) {
        rows.push({
          actor,
          action: 'router.reconcile',
          targetType: 'router',
          targetId: router.id,
          target: router.id,
          details: {
            added: report.added,
            removed: report.removed,
            updated: report.updated,
            covered: report.covered,
            liveGrants: report.liveGrants,
          },
        });
      }
      await recordAuditMany(tx, rows);
    });
  } catch {
    // Statuses are settled again on the next cycle.
  }
  return finish();
}

/**
 * Which tagged entries may go. Entries of grants that ended (revoked, expired) go at once. An
 * entry whose grant id the database does not know goes only if it was already unknown on the
 * previous cycle: a knock adds to the router a moment before its row commits. Returns null when
 * the database cannot be read (then nothing is removed).
 */
async function confirmRemovable(
  ctx: GrantContext,
  routerId: string,
  candidates: { key: EntryKey; entries: AddressListEntry[] }[],
  orphans: OrphanMemory,
): Promise<{ key: EntryKey; entries: AddressListEntry[] }[] | null> {
  const ids = new Set<string>();
  for (const c of candidates)
    for (const e of c.entries) {
      const id = grantIdFromComment(e.comment);
      if (id) ids.add(id);
    }
  let known: Map<string, string>;
  try {
    const rows = ids.size
      ? await ctx.db
          .select({ id: grants.id, status: grants.status })
          .from(grants)
          .where(inArray(grants.id, [...ids]))
      : [];
    known = new Map(rows.map((r) => [r.id, r.status]));
  } catch {
    return null;
  }
  const previous = orphans.get(routerId) ?? new Set<string>();
  const unknownNow = new Set<string>();
  const out: { key: EntryKey; entries: AddressListEntry[] }[] = [];
  for (const c of candidates) {
    const tagged = c.entries.filter((e) => isKnockgateComment(e.comment));
    let keep = false;
    for (const e of tagged) {
      const id = grantIdFromComment(e.comment);
      const status = id ? known.get(id) : undefined;
      if (status && (LIVE_GRANT_STATUSES as readonly string[]).includes(status)) keep = true; // a grant appeared meanwhile
      if (id && status === undefined) {
        unknownNow.add(id);
        if (!previous.has(id)) keep = true;
      }
    }
    if (!keep) out.push(c);
  }
  orphans.set(routerId, unknownNow);
  return out;
}
