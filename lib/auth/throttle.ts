import { and, count, eq, gte, inArray, lt, min } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { authFailures } from '../db/schema';
import { formatCidr, parseCidr } from '../net/ip';

/**
 * Sign-in throttling in the database, so it holds across instances and restarts.
 * A key is throttled once it has `limit` failures inside `windowMs`; it is free again when the
 * oldest of them leaves the window. Attempts refused while throttled are not counted, so an
 * attacker cannot keep an account locked forever by hammering it.
 */
export type ThrottleRule = { limit: number; windowMs: number };

export const ACCOUNT_RULE: ThrottleRule = { limit: 5, windowMs: 15 * 60_000 };
export const ADDRESS_RULE: ThrottleRule = { limit: 20, windowMs: 15 * 60_000 };

export const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;
/**
 * The client-address key: the address itself for IPv4, its /64 network for IPv6. One IPv6
 * client holds a whole /64 (and picks new addresses in it at will, RFC 8981), so per-address
 * counting would let one attacker spray guesses from 2^64 "different" addresses.
 */
export const addressKey = (address: string) => `address:${throttleNetwork(address)}`;

export function throttleNetwork(address: string): string {
  if (!address.includes(':')) return address;
  const network = parseCidr(`${address}/64`);
  return network.ok ? formatCidr(network.value) : address;
}

export type ThrottleState = { throttled: false } | { throttled: true; retryAfterMs: number };

export async function checkThrottle(
  db: Queryable,
  key: string,
  rule: ThrottleRule,
  now = new Date(),
  /** The attempt being decided is already recorded (reserved) and counted among the failures. */
  includesOwn = false,
): Promise<ThrottleState> {
  const since = new Date(now.getTime() - rule.windowMs);
  const [row] = await db
    .select({ failures: count(), oldest: min(authFailures.at) })
    .from(authFailures)
    .where(and(eq(authFailures.key, key), gte(authFailures.at, since)));
  const failures = Number(row?.failures ?? 0) - (includesOwn ? 1 : 0);
  if (failures < rule.limit || !row?.oldest) return { throttled: false };
  const oldest = new Date(row.oldest);
  return { throttled: true, retryAfterMs: Math.max(1000, oldest.getTime() + rule.windowMs - now.getTime()) };
}

export async function recordFailure(db: Queryable, keys: string[], now = new Date()): Promise<number[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .insert(authFailures)
    .values(keys.map((key) => ({ key, at: now })))
    .returning({ id: authFailures.id });
  return rows.map((r) => r.id);
}

/** Takes back recorded attempts (a refused or a successful one is not a failure). */
export async function forgetAttempts(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length > 0) await db.delete(authFailures).where(inArray(authFailures.id, ids));
}

/** A successful sign-in forgives the account's failures (not the address's). */
export async function clearFailures(db: Queryable, key: string): Promise<void> {
  await db.delete(authFailures).where(eq(authFailures.key, key));
}

/** Housekeeping: rows older than the longest window are useless. */
export async function pruneFailures(db: Queryable, olderThan: Date): Promise<void> {
  await db.delete(authFailures).where(lt(authFailures.at, olderThan));
}

export function minutesLabel(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}
