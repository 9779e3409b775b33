import type { IpAddress } from './ip';
import { parseAddress } from './ip';

/**
 * How the client address travels from `server.ts` (which sees the socket) to route handlers,
 * server actions and the auth layer (which see only headers). `server.ts` deletes any incoming
 * `x-knockgate-*` header, then sets these two. The token is random per process, so a request
 * that did not pass through server.ts (for example `next start` run directly) carries no
 * address we would trust.
 */
export const CLIENT_ADDRESS_HEADER = 'x-knockgate-client-address';
export const SERVER_TOKEN_HEADER = 'x-knockgate-server-token';
/** The requested path, so a layout can send an anonymous visitor back there after sign-in. */
export const REQUEST_PATH_HEADER = 'x-knockgate-path';

const tokenKey = Symbol.for('knockgate.serverToken');
type TokenHolder = { [tokenKey]?: string };

export function setServerToken(token: string): void {
  (globalThis as TokenHolder)[tokenKey] = token;
}

export function serverToken(): string | undefined {
  return (globalThis as TokenHolder)[tokenKey];
}

type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function read(source: HeaderSource, name: string): string | undefined {
  if (typeof (source as { get?: unknown }).get === 'function') {
    return (source as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (source as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's address as established by server.ts, or undefined when it cannot be trusted. */
export function clientAddressFrom(source: HeaderSource): IpAddress | undefined {
  const expected = serverToken();
  if (!expected || read(source, SERVER_TOKEN_HEADER) !== expected) return undefined;
  const raw = read(source, CLIENT_ADDRESS_HEADER);
  if (!raw) return undefined;
  const parsed = parseAddress(raw);
  return parsed.ok ? parsed.value : undefined;
}
