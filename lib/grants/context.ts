import { getDb } from '../db';
import { getEnv } from '../env';
import { createRouterGateway, type RouterGateway } from './gateway';
import { processEntryLocks } from './key-lock';
import type { GrantContext } from './service';

/**
 * The process-wide router gateway (one cache, one set of reconnect listeners), shared on
 * globalThis by server.ts and the Next.js server bundle.
 */
const key = Symbol.for('knockgate.routerGateway');
type Holder = { [key]?: Promise<RouterGateway> };

export function getRouterGateway(): Promise<RouterGateway> {
  const g = globalThis as Holder;
  g[key] ??= getDb().then((db) => createRouterGateway(db));
  return g[key];
}

export async function getGrantContext(): Promise<GrantContext> {
  const [db, gateway] = await Promise.all([getDb(), getRouterGateway()]);
  return {
    db,
    clientFor: gateway.clientFor,
    locks: processEntryLocks(getEnv().DATABASE_URL ? db : undefined),
  };
}
