/**
 * The router side of grants, per key (router, family, list, address). Several live grants can share
 * a key — two people behind one NAT address, say — but RouterOS keeps one entry per list+address.
 * So the entry stands for the whole group: it carries the tag of the grant that lasts longest (the
 * owner) and that grant's remaining time as its timeout. When no live grant is left, the tagged
 * entry goes. Untagged entries are never modified or removed.
 */
import {
  type AddressListEntry,
  addAddressListEntry,
  addressListPath,
  type ListFamily,
  parseAddressListRow,
  type RouterClient,
  RouterError,
  RouterTrapError,
  removeAddressListEntries,
  routerQuery,
  setAddressListEntry,
} from '../routeros';
import { grantTag, isKnockgateComment } from './tag';

export type EntryKey = { family: ListFamily; list: string; address: string };

/**
 * RouterOS keeps IPv6 list entries as prefixes and prints a single host as `2001:db8::1/128`
 * (IPv4 hosts print bare). Knockgate stores bare addresses; this is the form the router holds.
 */
export function routerAddress(key: Pick<EntryKey, 'family' | 'address'>): string {
  return key.family === 'ipv6' && !key.address.includes('/') && key.address.includes(':')
    ? `${key.address}/128`
    : key.address;
}

/** The inverse: the address as Knockgate stores it, from what the router printed. */
export function storedAddress(family: ListFamily, printed: string): string {
  if (family === 'ipv6' && printed.endsWith('/128')) return printed.slice(0, -4);
  if (family === 'ip' && printed.endsWith('/32')) return printed.slice(0, -3);
  return printed;
}
export type DesiredEntry = { ownerId: string; timeoutSeconds: number };

export type EntryOutcome =
  /** Our tagged entry is on the router as desired. */
  | { kind: 'present'; entryId: string; adopted: boolean }
  /**
   * An enabled entry Knockgate does not manage already holds this list+address: access is open,
   * not by us.
   */
  | { kind: 'covered'; unmanagedEntryId: string }
  /** No tagged entry for the key remains on the router (verified by reading back). */
  | { kind: 'absent' };

const MAX_ATTEMPTS = 3;

/** The router kept changing under us; the caller retries later. */
export class EntryNotSettledError extends RouterError {
  readonly code = 'router_not_settled';
  constructor(key: EntryKey) {
    super(`The entry for ${key.address} on list ${key.list} kept changing; will retry.`);
  }
}

/**
 * The router holds the address on the list in a disabled entry Knockgate does not manage: access
 * is not open, and ours cannot be added beside it. The caller keeps the grant waiting and retries.
 */
export class DisabledUnmanagedEntryError extends RouterError {
  readonly code = 'router_disabled_entry';
  constructor(key: EntryKey) {
    super(
      `The router holds ${key.address} on list ${key.list} in a disabled entry Knockgate does not manage; enable or remove it.`,
    );
  }
}

/**
 * Whether a router entry's timeout must be set again. An entry never outlives its grant (fail
 * closed): anything more than a second above the grant's remaining time is cut back; an entry up
 * to `TIMEOUT_TOLERANCE_SECONDS` short is left alone (clock drift, the time the round trip took).
 */
export const TIMEOUT_TOLERANCE_SECONDS = 5;

export function timeoutNeedsSetting(routerSeconds: number | null, desiredSeconds: number): boolean {
  return (
    routerSeconds === null ||
    routerSeconds > desiredSeconds + 1 ||
    routerSeconds < desiredSeconds - TIMEOUT_TOLERANCE_SECONDS
  );
}

export async function entriesForKey(client: RouterClient, key: EntryKey): Promise<AddressListEntry[]> {
  const rows = await client.print(addressListPath(key.family), {
    query: routerQuery.and(routerQuery.eq('list', key.list), routerQuery.eq('address', routerAddress(key))),
  });
  return rows.map(parseAddressListRow).filter((e) => e.list === key.list);
}

/**
 * The fast path of a fresh knock: one `add` round trip. Returns `duplicate` when the router already
 * holds this list+address, so the caller takes the slow path with the whole group in view.
 */
export async function tryAddEntry(
  client: RouterClient,
  key: EntryKey,
  desired: DesiredEntry,
): Promise<{ kind: 'present'; entryId: string; adopted: false } | { kind: 'duplicate' }> {
  try {
    const id = await addAddressListEntry(client, {
      family: key.family,
      list: key.list,
      address: routerAddress(key),
      timeoutSeconds: desired.timeoutSeconds,
      comment: grantTag(desired.ownerId),
    });
    return { kind: 'present', entryId: id, adopted: false };
  } catch (error) {
    if (error instanceof RouterTrapError && error.isDuplicate) return { kind: 'duplicate' };
    throw error;
  }
}

/**
 * Makes the router hold what `desired` says for this key, reading first. With `desired` null the
 * tagged entries are removed and their absence is verified by reading back.
 */
export async function ensureEntry(
  client: RouterClient,
  key: EntryKey,
  desired: DesiredEntry | null,
  known?: AddressListEntry[],
  attempt = 1,
): Promise<EntryOutcome> {
  const entries = known ?? (await entriesForKey(client, key));
  const tagged = entries.filter((e) => isKnockgateComment(e.comment));
  if (!desired) {
    if (tagged.length === 0) return { kind: 'absent' };
    await removeAddressListEntries(
      client,
      key.family,
      tagged.map((e) => e.id),
      { ignoreMissing: true },
    );
    const left = (await entriesForKey(client, key)).filter((e) => isKnockgateComment(e.comment));
    if (left.length === 0) return { kind: 'absent' };
    // Something re-added an entry between our remove and our read-back; try again, boundedly.
    if (attempt >= MAX_ATTEMPTS) throw new EntryNotSettledError(key);
    return ensureEntry(client, key, null, left, attempt + 1);
  }
  // An enabled entry is kept over a disabled twin; a disabled one we keep is enabled again (it
  // carries our tag, so the access it stands for is ours to give — disabled, it matches nothing).
  const [keep, ...twins] = [...tagged].sort((a, b) => Number(a.disabled) - Number(b.disabled));
  if (twins.length > 0) {
    await removeAddressListEntries(
      client,
      key.family,
      twins.map((e) => e.id),
      { ignoreMissing: true },
    );
  }
  if (keep) {
    const change: { comment?: string; timeoutSeconds?: number; disabled?: boolean } = {};
    if (keep.comment !== grantTag(desired.ownerId)) change.comment = grantTag(desired.ownerId);
    if (timeoutNeedsSetting(keep.timeoutSeconds, desired.timeoutSeconds)) {
      change.timeoutSeconds = desired.timeoutSeconds;
    }
    if (keep.disabled) change.disabled = false;
    if (
      change.comment !== undefined ||
      change.timeoutSeconds !== undefined ||
      change.disabled !== undefined
    ) {
      await setAddressListEntry(client, key.family, keep.id, change);
    }
    return { kind: 'present', entryId: keep.id, adopted: true };
  }
  const unmanaged = entries.filter((e) => !isKnockgateComment(e.comment));
  const covering = unmanaged.find((e) => !e.disabled);
  if (covering) return { kind: 'covered', unmanagedEntryId: covering.id };
  // A disabled entry matches nothing, so it covers nothing; but the router keeps one entry per
  // list+address, disabled or not, and refuses ours beside it. It is not ours to change.
  if (unmanaged.length > 0) throw new DisabledUnmanagedEntryError(key);
  const added = await tryAddEntry(client, key, desired);
  if (added.kind === 'present') return added;
  // Someone added the same list+address between our read and our add: read again, boundedly.
  if (attempt >= MAX_ATTEMPTS) throw new EntryNotSettledError(key);
  return ensureEntry(client, key, desired, undefined, attempt + 1);
}
