import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import type { Router } from '../db/schema';
import { metrics } from '../observability/metrics';
import { closeRouterClient, type RouterClient, RouterConnectionError } from '../routeros';
import { clientForRouter, findRouter } from '../routers/service';

/**
 * Router rows are read at most every `ttlMs` per router: a knock should not pay a database round
 * trip just to learn the router's address. A changed router closes its pooled client anyway
 * (routers/service.ts), and the short TTL bounds how long another instance uses old settings.
 */
export function createRouterGateway(db: Db, box?: SecretBox, ttlMs = 2_000) {
  const cache = new Map<string, { router: Router | undefined; at: number }>();
  const listeners = new Set<(routerId: string) => void>();
  const watched = new WeakSet<RouterClient>();
  /** Bumped by `forget`: a read that began before it may hold a deleted or changed row. */
  const generations = new Map<string, number>();

  async function router(routerId: string): Promise<Router | undefined> {
    const hit = cache.get(routerId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.router;
    for (;;) {
      const generation = generations.get(routerId) ?? 0;
      const row = await findRouter(db, routerId);
      if ((generations.get(routerId) ?? 0) !== generation) continue; // changed meanwhile: read again
      cache.set(routerId, { router: row, at: Date.now() });
      return row;
    }
  }

  return {
    router,
    async clientFor(routerId: string): Promise<RouterClient> {
      const row = await router(routerId);
      if (!row) throw new RouterConnectionError('This router was deleted.', { routerId });
      // A disabled router still gets revokes and clean-ups: disabling must never strand an open
      // entry. New grants never reach it (policies only name enabled routers).
      const client = clientForRouter(row, box);
      if (!watched.has(client)) {
        watched.add(client);
        // Reconnected after an outage (or a reboot): the reconciler should look at once.
        client.on('connected', () => {
          for (const listener of listeners) listener(routerId);
        });
        client.on('command', (info) => {
          metrics().routerCommand.observe(
            { router: routerId, command: info.command, outcome: info.error ?? 'ok' },
            info.ms / 1000,
          );
        });
      }
      return client;
    },
    /** Called with a router id whenever its connection is (re-)established. */
    onConnected(listener: (routerId: string) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * After a router was changed or deleted: its row is read again, and its pooled client is
     * closed — also one that a read begun before the change had just created with the old row.
     */
    forget(routerId: string) {
      cache.delete(routerId);
      generations.set(routerId, (generations.get(routerId) ?? 0) + 1);
      void closeRouterClient(routerId);
    },
  };
}

export type RouterGateway = ReturnType<typeof createRouterGateway>;
