/**
 * Typed address-list commands the app needs. IPv4 entries live in `/ip/firewall/address-list`,
 * IPv6 in `/ipv6/firewall/address-list`; a host name goes to the family the caller names (RouterOS
 * resolves it and keeps the addresses as dynamic entries).
 */
import { isIPv6 } from 'node:net';
import { formatDuration, parseDuration } from './duration';
import { RouterTrapError } from './errors';
import { and, eq } from './query';
import type { CommandOptions, RouterClient, RouterRow } from './types';

export type ListFamily = 'ip' | 'ipv6';

export function addressListPath(family: ListFamily): string {
  return family === 'ipv6' ? '/ipv6/firewall/address-list' : '/ip/firewall/address-list';
}

/** IPv6 literals (with or without a prefix length) go to the IPv6 table; everything else to IPv4. */
export function familyOf(address: string): ListFamily {
  const bare = address.split('/')[0] ?? '';
  return isIPv6(bare) ? 'ipv6' : 'ip';
}

export interface AddressListEntry {
  id: string;
  list: string;
  address: string;
  comment: string | undefined;
  /** Seconds left; null for an entry without timeout. */
  timeoutSeconds: number | null;
  dynamic: boolean;
  disabled: boolean;
  creationTime: string | undefined;
}

/** RouterOS prints booleans as true/false (yes/no in some menus and versions). */
function flag(value: string | undefined): boolean {
  return value === 'true' || value === 'yes';
}

export function parseAddressListRow(row: RouterRow): AddressListEntry {
  const timeout = row.timeout;
  let timeoutSeconds: number | null = null;
  if (timeout !== undefined && timeout !== '') {
    try {
      timeoutSeconds = parseDuration(timeout);
    } catch {
      timeoutSeconds = null;
    }
  }
  return {
    id: row['.id'] ?? '',
    list: row.list ?? '',
    address: row.address ?? '',
    comment: row.comment,
    timeoutSeconds,
    dynamic: flag(row.dynamic),
    disabled: flag(row.disabled),
    creationTime: row['creation-time'],
  };
}

export interface PrintAddressListOptions extends CommandOptions {
  family?: ListFamily;
  list?: string;
  /** Exact comment match, done by the router (`?comment=`). */
  comment?: string;
  /** Comment prefix (e.g. `knockgate:`), filtered here: API queries only compare whole values. */
  commentPrefix?: string;
  /** Extra query words (query.ts). */
  query?: readonly string[];
}

export async function printAddressList(
  client: RouterClient,
  options: PrintAddressListOptions = {},
): Promise<AddressListEntry[]> {
  const parts: (readonly string[])[] = [];
  if (options.list !== undefined) parts.push(eq('list', options.list));
  if (options.comment !== undefined) parts.push(eq('comment', options.comment));
  if (options.query) parts.push(options.query);
  const rows = await client.print(addressListPath(options.family ?? 'ip'), {
    ...options,
    query: and(...parts),
  });
  const entries = rows.map(parseAddressListRow);
  const prefix = options.commentPrefix;
  return prefix === undefined ? entries : entries.filter((e) => e.comment?.startsWith(prefix));
}

export function findAddressListEntriesByComment(
  client: RouterClient,
  comment: string,
  options: Omit<PrintAddressListOptions, 'comment'> = {},
): Promise<AddressListEntry[]> {
  return printAddressList(client, { ...options, comment });
}

export interface NewAddressListEntry {
  family?: ListFamily;
  list: string;
  /** IPv4/IPv6 address or network, or a DNS name. */
  address: string;
  /** Omitted: a permanent entry. Knockgate always sets one (fail closed). */
  timeoutSeconds?: number;
  comment?: string;
}

function entryAttributes(entry: Omit<NewAddressListEntry, 'family'>): Record<string, string> {
  const attributes: Record<string, string> = { list: entry.list, address: entry.address };
  if (entry.timeoutSeconds !== undefined)
    attributes.timeout = formatDuration(Math.ceil(entry.timeoutSeconds));
  if (entry.comment !== undefined) attributes.comment = entry.comment;
  return attributes;
}

/** Adds an entry and returns its `.id`. A duplicate list+address throws RouterTrapError (`isDuplicate`). */
export function addAddressListEntry(
  client: RouterClient,
  entry: NewAddressListEntry,
  options?: CommandOptions,
): Promise<string> {
  const family = entry.family ?? familyOf(entry.address);
  return client.add(addressListPath(family), entryAttributes(entry), options);
}

/**
 * Adds an entry, or — when the router already has list+address — adopts that entry and refreshes its
 * timeout and comment, so no twin is ever created. Returns the id and whether it was adopted.
 */
export async function addOrRefreshAddressListEntry(
  client: RouterClient,
  entry: NewAddressListEntry,
  options?: CommandOptions,
): Promise<{ id: string; adopted: boolean }> {
  const family = entry.family ?? familyOf(entry.address);
  try {
    return { id: await addAddressListEntry(client, { ...entry, family }, options), adopted: false };
  } catch (error) {
    if (!(error instanceof RouterTrapError && error.isDuplicate)) throw error;
  }
  const rows = await client.print(addressListPath(family), {
    ...options,
    query: and(eq('list', entry.list), eq('address', entry.address)),
  });
  const existing = rows.map(parseAddressListRow).find((e) => e.list === entry.list);
  if (!existing) {
    // The router normalised the address (e.g. 10.0.0.7/24 → 10.0.0.0/24): look it up by list only.
    const all = await printAddressList(client, { ...options, family, list: entry.list });
    const match = all.find(
      (e) => e.address === entry.address || e.address.split('/')[0] === entry.address.split('/')[0],
    );
    if (!match)
      throw new RouterTrapError(
        'failure: already have such entry',
        undefined,
        `${addressListPath(family)}/add`,
      );
    await setAddressListEntry(client, family, match.id, entry, options);
    return { id: match.id, adopted: true };
  }
  await setAddressListEntry(client, family, existing.id, entry, options);
  return { id: existing.id, adopted: true };
}

export interface AddressListChange {
  timeoutSeconds?: number;
  comment?: string;
  disabled?: boolean;
  address?: string;
  list?: string;
}

export async function setAddressListEntry(
  client: RouterClient,
  family: ListFamily,
  id: string,
  change: AddressListChange,
  options?: CommandOptions,
): Promise<void> {
  const attributes: Record<string, string | boolean> = {};
  if (change.timeoutSeconds !== undefined)
    attributes.timeout = formatDuration(Math.ceil(change.timeoutSeconds));
  if (change.comment !== undefined) attributes.comment = change.comment;
  if (change.disabled !== undefined) attributes.disabled = change.disabled;
  if (change.address !== undefined) attributes.address = change.address;
  if (change.list !== undefined) attributes.list = change.list;
  await client.set(addressListPath(family), id, attributes, options);
}

/**
 * Removes entries by id. With `ignoreMissing`, an entry that is already gone (expired, removed by
 * someone else) counts as removed: the goal — the entry is not on the router — is met.
 */
export async function removeAddressListEntries(
  client: RouterClient,
  family: ListFamily,
  ids: readonly string[],
  options: CommandOptions & { ignoreMissing?: boolean } = {},
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await client.remove(addressListPath(family), ids, options);
  } catch (error) {
    if (!(options.ignoreMissing && error instanceof RouterTrapError && error.isNoSuchItem)) throw error;
    // One missing id makes RouterOS refuse the whole batch; remove the others one by one.
    if (ids.length > 1) {
      for (const id of ids) await removeAddressListEntries(client, family, [id], options);
    }
  }
}
