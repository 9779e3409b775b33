/**
 * One client per router for the whole process: the app, the reconciler and background jobs share a
 * single logged-in connection per router id. A changed config (new password, host, pin) replaces it.
 */
import { createHash } from 'node:crypto';
import { RouterOSClient } from './client';
import type { RouterClient, RouterConfig } from './types';

interface Entry {
  client: RouterOSClient;
  fingerprint: string;
}

// On globalThis: server.ts (background jobs) and the Next.js server bundle load separate copies of
// this module in one process; they must still share one connection per router.
const poolKey = Symbol.for('knockgate.routerClients');
const globalPools = globalThis as { [poolKey]?: Map<string, Entry> };
globalPools[poolKey] ??= new Map<string, Entry>();
const clients: Map<string, Entry> = globalPools[poolKey];

function configKey(config: RouterConfig): string {
  // The password is part of the identity of a config; only a digest of it is kept as the key.
  const json = JSON.stringify([
    config.host,
    config.port,
    config.tls,
    config.fingerprint,
    config.ca,
    config.username,
    config.password,
    config.timeoutMs,
    config.connectTimeoutMs,
  ]);
  return createHash('sha256').update(json).digest('hex');
}

export function getRouterClient(config: RouterConfig): RouterClient {
  const key = configKey(config);
  const existing = clients.get(config.id);
  if (existing && existing.fingerprint === key && existing.client.state !== 'closed') return existing.client;
  if (existing) void existing.client.close();
  const client = new RouterOSClient(config);
  clients.set(config.id, { client, fingerprint: key });
  return client;
}

/** Closes and forgets one router's client (router deleted or disabled). */
export async function closeRouterClient(id: string): Promise<void> {
  const entry = clients.get(id);
  clients.delete(id);
  await entry?.client.close();
}

export async function closeAllRouterClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((e) => e.client.close()));
}
