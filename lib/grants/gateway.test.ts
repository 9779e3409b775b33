import { afterEach, expect, it } from 'vitest';
import type { Router } from '@/lib/db/schema';
import { closeAllRouterClients, closeRouterClient } from '@/lib/routeros';
import { type Simulator, startSimulator } from '@/sim/server';
import { createRouterGateway } from './gateway';

/**
 * A router deleted (or changed) while a look-up of it was on its way: the gateway must not keep a
 * pooled, reconnecting client made from the old row. The database is a stand-in whose read of the
 * router row is held until the test lets it answer.
 */
let sim: Simulator | null = null;
afterEach(async () => {
  await closeAllRouterClients();
  await sim?.close();
  sim = null;
});

const pool = () =>
  (globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('knockgate.routerClients')];

async function setup() {
  sim = await startSimulator({ apiSslPort: null });
  const row = {
    id: 'r-del',
    name: 'x',
    host: '127.0.0.1',
    port: sim.apiPort,
    tls: false,
    fingerprint: null,
    username: 'admin',
    passwordEnc: 'x',
    ipv4List: 'knockgate',
    ipv6List: 'knockgate',
    enabled: true,
  } as unknown as Router;
  let deleted = false;
  const held: ((rows: unknown[]) => void)[] = [];
  const db = {
    select: () => ({
      from: () => ({
        where: () => ({
          limit: () => (deleted ? Promise.resolve([]) : new Promise((resolve) => held.push(resolve))),
        }),
      }),
    }),
  };
  const gateway = createRouterGateway(db as never, { open: () => '' } as never);
  return {
    gateway,
    answer: () => held.shift()?.([row]),
    waitForRead: async () => {
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    /** What deleteRouter does: commit, then close the pooled client. */
    commitDelete: async () => {
      deleted = true;
      await closeRouterClient('r-del');
    },
    /** …and what the admin action does afterwards. */
    deleteRouter: async () => {
      deleted = true;
      await closeRouterClient('r-del');
      gateway.forget('r-del');
    },
  };
}

it('deleted while its row was being read: the old row is not used', async () => {
  const s = await setup();
  const pending = s.gateway.clientFor('r-del');
  await s.waitForRead();
  await s.deleteRouter();
  s.answer(); // the read that began before the delete answers with the old row
  await expect(pending).rejects.toThrow('This router was deleted.');
  expect(pool()?.has('r-del') ?? false).toBe(false);
});

it('deleted while its row was read, the client made before the action forgot it: forgetting closes it', async () => {
  const s = await setup();
  const pending = s.gateway.clientFor('r-del');
  await s.waitForRead();
  await s.commitDelete(); // committed, the pooled client (none yet) closed
  s.answer(); // the old read answers before the action forgets the router
  const client = await pending;
  await client.connect();
  s.gateway.forget('r-del');
  expect(pool()?.has('r-del') ?? false).toBe(false);
  await expect.poll(() => sim!.connectionCount(), { timeout: 5_000 }).toBe(0);
  await expect(s.gateway.clientFor('r-del')).rejects.toThrow('This router was deleted.');
});
