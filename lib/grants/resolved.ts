/**
 * Host-name entries and the addresses the router resolved them to. A list entry whose address is
 * a DNS name makes RouterOS resolve it and keep each answer as a dynamic entry on the same list,
 * commented with the name (RouterOS 7; see docs/simulator.md "Address lists"). Those children
 * carry no tag of ours: Knockgate never changes or removes them — removing the name removes them
 * — and shows them under the host-name grant they came from.
 */
import {
  type AddressListEntry,
  addressListPath,
  type ListFamily,
  parseAddressListRow,
  type RouterClient,
  routerQuery,
} from '../routeros';
import { storedAddress } from './entry';
import { isKnockgateComment } from './tag';

/** A list address that is not an IPv4/IPv6 address, network or range: a DNS name. */
export function isDnsName(address: string): boolean {
  return address !== '' && !address.includes(':') && !/^[\d./-]+$/.test(address);
}

/** Whether `entry` is a dynamic entry the router made for the DNS name `name` on `list`. */
export function isResolvedChild(entry: AddressListEntry, list: string, name: string): boolean {
  return (
    entry.list === list &&
    entry.dynamic &&
    !isKnockgateComment(entry.comment) &&
    entry.comment?.toLowerCase() === name.toLowerCase() &&
    !isDnsName(entry.address)
  );
}

/**
 * Groups the resolved children under their parent names, from one read of a list: for each
 * name entry on `entries`, the child entries (same list, dynamic, commented with the name).
 * Returns the children by the parent's entry id, and the ids of all children.
 */
export function groupResolved(entries: AddressListEntry[]): {
  childrenOf: Map<string, AddressListEntry[]>;
  parentOf: Map<string, AddressListEntry>;
} {
  const parents = new Map<string, AddressListEntry>();
  for (const e of entries) {
    if (isDnsName(e.address)) parents.set(`${e.list}|${e.address.toLowerCase()}`, e);
  }
  const childrenOf = new Map<string, AddressListEntry[]>();
  const parentOf = new Map<string, AddressListEntry>();
  if (parents.size === 0) return { childrenOf, parentOf };
  for (const e of entries) {
    if (!e.dynamic || isKnockgateComment(e.comment) || !e.comment || isDnsName(e.address)) continue;
    const parent = parents.get(`${e.list}|${e.comment.toLowerCase()}`);
    if (!parent) continue;
    parentOf.set(e.id, parent);
    const list = childrenOf.get(parent.id) ?? [];
    list.push(e);
    childrenOf.set(parent.id, list);
  }
  return { childrenOf, parentOf };
}

export type HostnameKey = { family: ListFamily; list: string; address: string };
const keyOf = (k: HostnameKey) => `${k.family}|${k.list}|${k.address.toLowerCase()}`;

/**
 * Reads back what one router resolved each host name to: one print per address family, asking
 * only for entries commented with one of the names. Addresses come back as Knockgate stores them
 * (IPv6 hosts without `/128`), sorted. Throws when the router cannot be read.
 */
export async function readResolvedAddresses(
  client: RouterClient,
  names: HostnameKey[],
  options: { timeoutMs?: number } = {},
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const family of ['ip', 'ipv6'] as const) {
    const wanted = names.filter((n) => n.family === family);
    if (wanted.length === 0) continue;
    for (const n of wanted) out.set(keyOf(n), []);
    const distinct = [...new Set(wanted.map((n) => n.address.toLowerCase()))];
    const rows = await client.print(addressListPath(family), {
      query: routerQuery.or(...distinct.map((name) => routerQuery.eq('comment', name))),
      timeoutMs: options.timeoutMs ?? 5_000,
    });
    for (const row of rows) {
      const entry = parseAddressListRow(row);
      for (const n of wanted) {
        if (!isResolvedChild(entry, n.list, n.address)) continue;
        out.get(keyOf(n))!.push(storedAddress(family, entry.address));
      }
    }
  }
  for (const list of out.values()) list.sort();
  return out;
}

export function resolvedKey(k: HostnameKey): string {
  return keyOf(k);
}
