/**
 * The admin's live view: what the router actually holds, read back through the API, joined with
 * Knockgate's grants. A tagged entry is its grant's where the grant's list and address match;
 * tagged anywhere else, it is an orphan and the grant shows as waiting for its entry. Entries
 * without our tag are shown as "classic" (a dynamic entry on a list a classic knock profile fills)
 * or "not managed", and are never touched. The dynamic entries the
 * router keeps for a host-name entry (its resolved addresses) follow right after it, attributed
 * to the host-name grant.
 */

import { withinDeadline } from '../async/deadline';
import { classicAttribution } from '../profiles/service';
import {
  addressListPath,
  type ListFamily,
  parseAddressListRow,
  RouterTimeoutError,
  routerQuery,
} from '../routeros';
import { describeRouterError } from '../routers/service';
import { storedAddress } from './entry';
import { groupResolved } from './resolved';
import type { GrantContext } from './service';
import { grantIdFromComment, isKnockgateComment } from './tag';
import type { GrantView } from './views';

export type LiveEntry = {
  entryId: string | null;
  family: ListFamily;
  list: string;
  address: string;
  timeoutSeconds: number | null;
  dynamic: boolean;
  disabled: boolean;
  comment: string | null;
  kind: 'grant' | 'classic' | 'unmanaged' | 'orphan' | 'pending';
  /** The grant that owns the entry (or is waiting for it). */
  grant: GrantView | null;
  /** Other live grants sharing this address on this list (people behind one NAT address). */
  alsoFor: GrantView[];
  classicProfile: string | null;
  /** For an address the router resolved from a host-name entry: that name. */
  resolvedFrom: string | null;
  /** For a host-name entry: the addresses the router currently resolves it to. */
  resolved: string[];
};

/**
 * How long the live view waits for a router's lists: the admin page polls every few seconds and
 * shows a router that takes longer as an error instead of waiting on it.
 */
export const LIVE_READ_TIMEOUT_MS = 8_000;

export type LiveRouterView = {
  routerId: string;
  routerName: string;
  readAt: string;
  error: { code: string; message: string } | null;
  entries: LiveEntry[];
};

export async function liveRouterView(
  ctx: GrantContext,
  router: { id: string; name: string; ipv4List: string; ipv6List: string },
  grants: GrantView[],
  classicLists: { list: string; profileId: string; profileName: string }[] = [],
  options: { timeoutMs?: number } = {},
): Promise<LiveRouterView> {
  const readAt = new Date().toISOString();
  const timeoutMs = options.timeoutMs ?? LIVE_READ_TIMEOUT_MS;
  const lists: Record<ListFamily, Set<string>> = {
    ip: new Set([router.ipv4List]),
    ipv6: new Set([router.ipv6List]),
  };
  for (const g of grants) lists[g.family].add(g.list);
  for (const c of classicLists) lists.ip.add(c.list);
  // Grants by id (the tag) and by what they stand for on the router, so the join with the
  // entries is one look-up per entry, not a pass over the grants.
  const byId = new Map<string, GrantView>();
  const byKey = new Map<string, GrantView[]>();
  for (const g of grants) {
    byId.set(g.id, g);
    const k = keyOf(g.family, g.list, g.address);
    const group = byKey.get(k);
    if (group) group.push(g);
    else byKey.set(k, [g]);
  }
  const entries: LiveEntry[] = [];
  const seenGrantIds = new Set<string>();
  try {
    // Both families at once, the whole read (connecting included) under one deadline.
    const printed = await withinDeadline(
      (async () => {
        const client = await ctx.clientFor(router.id);
        return Promise.all(
          (['ip', 'ipv6'] as const).map(async (family) => ({
            family,
            rows: await client.print(addressListPath(family), {
              query: routerQuery.or(...[...lists[family]].map((n) => routerQuery.eq('list', n))),
              timeoutMs,
            }),
          })),
        );
      })(),
      timeoutMs,
    );
    if (!printed) throw new RouterTimeoutError('address-list print', timeoutMs, { routerId: router.id });
    for (const { family, rows } of printed) {
      const read = rows.map(parseAddressListRow).filter((e) => lists[family].has(e.list));
      for (const e of read) e.address = storedAddress(family, e.address);
      const { childrenOf, parentOf } = groupResolved(read);
      const toRow = (e: (typeof read)[number]): LiveEntry => {
        const parent = parentOf.get(e.id);
        // A resolved address belongs to the grant of its host-name entry; it is never an orphan.
        const tagged = parent ?? e;
        const id = grantIdFromComment(tagged.comment);
        const candidate = id ? byId.get(id) : undefined;
        // The tag names the grant; the entry is the grant's only where the grant says it is
        // (a tagged entry moved to another list or address stands for no grant).
        const owner =
          candidate &&
          keyOf(candidate.family, candidate.list, candidate.address) ===
            keyOf(family, tagged.list, tagged.address)
            ? candidate
            : undefined;
        const group = (byKey.get(keyOf(family, e.list, e.address)) ?? []).filter((g) => g !== owner);
        if (owner) seenGrantIds.add(owner.id);
        for (const g of group) seenGrantIds.add(g.id);
        // An uncommented dynamic entry on a profile's list was put there by the router's own rules.
        const classic = parent ? undefined : (classicAttribution(e, classicLists) ?? undefined);
        return {
          entryId: e.id,
          family,
          list: e.list,
          address: e.address,
          timeoutSeconds: e.timeoutSeconds,
          dynamic: e.dynamic,
          disabled: e.disabled,
          comment: e.comment ?? null,
          kind: owner
            ? 'grant'
            : !parent && isKnockgateComment(e.comment)
              ? 'orphan'
              : classic
                ? 'classic'
                : 'unmanaged',
          grant: owner ?? null,
          alsoFor: group,
          classicProfile: classic?.profileName ?? null,
          resolvedFrom: parent?.address ?? null,
          resolved: (childrenOf.get(e.id) ?? []).map((c) => c.address).sort(),
        };
      };
      for (const e of read) {
        if (parentOf.has(e.id)) continue;
        entries.push(toRow(e));
        for (const child of childrenOf.get(e.id) ?? []) entries.push(toRow(child));
      }
    }
  } catch (error) {
    return {
      routerId: router.id,
      routerName: router.name,
      readAt,
      error: {
        code: (error as { code?: string }).code ?? 'router_error',
        message: describeRouterError(error),
      },
      entries: grants.map((g) => pendingRow(g)),
    };
  }
  // Grants the router does not (yet) show: waiting for it, or being removed.
  for (const g of grants) if (!seenGrantIds.has(g.id)) entries.push(pendingRow(g));
  return { routerId: router.id, routerName: router.name, readAt, error: null, entries };
}

/**
 * What a grant stands for on a router: family, list and address (as Knockgate stores it: IPv6
 * hosts without `/128`; host names without regard to case).
 */
function keyOf(family: ListFamily, list: string, address: string): string {
  return `${family}|${list}|${address.toLowerCase()}`;
}

function pendingRow(g: GrantView): LiveEntry {
  return {
    entryId: null,
    family: g.family,
    list: g.list,
    address: g.address,
    timeoutSeconds: null,
    dynamic: false,
    disabled: false,
    comment: null,
    kind: 'pending',
    grant: g,
    alsoFor: [],
    classicProfile: null,
    resolvedFrom: null,
    resolved: [],
  };
}
