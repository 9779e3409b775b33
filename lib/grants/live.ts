/**
 * The admin's live view: what the router actually holds, read back through the API, joined with
 * Knockgate's grants. Entries without our tag are shown as "classic" (a dynamic entry on a list a
 * classic knock profile fills) or "not managed", and are never touched.
 */

import { classicAttribution } from '../profiles/service';
import { addressListPath, type ListFamily, parseAddressListRow, routerQuery } from '../routeros';
import { describeRouterError } from '../routers/service';
import { storedAddress } from './entry';
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
};

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
): Promise<LiveRouterView> {
  const readAt = new Date().toISOString();
  const lists: Record<ListFamily, Set<string>> = {
    ip: new Set([router.ipv4List]),
    ipv6: new Set([router.ipv6List]),
  };
  for (const g of grants) lists[g.family].add(g.list);
  for (const c of classicLists) lists.ip.add(c.list);
  const byId = new Map(grants.map((g) => [g.id, g]));
  const entries: LiveEntry[] = [];
  const seenGrantIds = new Set<string>();
  try {
    const client = await ctx.clientFor(router.id);
    for (const family of ['ip', 'ipv6'] as const) {
      const names = [...lists[family]];
      const rows = await client.print(addressListPath(family), {
        query: routerQuery.or(...names.map((n) => routerQuery.eq('list', n))),
        timeoutMs: 30_000,
      });
      for (const row of rows) {
        const e = parseAddressListRow(row);
        e.address = storedAddress(family, e.address);
        if (!lists[family].has(e.list)) continue;
        const id = grantIdFromComment(e.comment);
        const owner = id ? byId.get(id) : undefined;
        const group = grants.filter(
          (g) => g.family === family && g.list === e.list && g.address === e.address && g.id !== owner?.id,
        );
        if (owner) seenGrantIds.add(owner.id);
        for (const g of group) seenGrantIds.add(g.id);
        // An uncommented dynamic entry on a profile's list was put there by the router's own rules.
        const classic = classicAttribution(e, classicLists) ?? undefined;
        entries.push({
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
            : isKnockgateComment(e.comment)
              ? 'orphan'
              : classic
                ? 'classic'
                : 'unmanaged',
          grant: owner ?? null,
          alsoFor: group,
          classicProfile: classic?.profileName ?? null,
        });
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
  };
}
