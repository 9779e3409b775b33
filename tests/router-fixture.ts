import { afterAll, beforeAll } from 'vitest';
import type { Actor } from '@/lib/audit/actor';
import { createSecretBox } from '@/lib/crypto/secret-box';
import type { DatabaseHandle, Db } from '@/lib/db/client';
import type { Router } from '@/lib/db/schema';
import { createRouterGateway } from '@/lib/grants/gateway';
import type { GrantContext } from '@/lib/grants/service';
import { closeRouterClient } from '@/lib/routeros';
import { createRouter } from '@/lib/routers/service';
import { type Simulator, type SimulatorOptions, startSimulator } from '@/sim';
import { openTestDatabase } from './db';

export const testBox = createSecretBox('router-fixture-secret-0123456789abcdef');
export const fixtureActor: Actor = { userId: null, label: 'test', clientAddress: '127.0.0.1' };

/**
 * A simulated RouterOS on an ephemeral loopback port, registered as a router in the database, and
 * a grant context whose clients talk to it over real TCP.
 */
export async function startRouterFixture(
  db: Db,
  options: SimulatorOptions & { name?: string; ipv4List?: string; ipv6List?: string } = {},
): Promise<{
  sim: Simulator;
  router: Router;
  ctx: GrantContext;
  gateway: ReturnType<typeof createRouterGateway>;
  close(): Promise<void>;
}> {
  const sim = await startSimulator({ apiSslPort: null, ...options });
  const created = await createRouter(
    db,
    fixtureActor,
    {
      name: options.name ?? `sim-${sim.apiPort}`,
      host: '127.0.0.1',
      port: sim.apiPort,
      tls: false,
      fingerprint: null,
      username: 'admin',
      password: '',
      ipv4List: options.ipv4List ?? 'knockgate',
      ipv6List: options.ipv6List ?? 'knockgate',
      enabled: true,
    },
    testBox,
  );
  if (!created.ok) throw new Error(created.error.message);
  const gateway = createRouterGateway(db, testBox, 0);
  const ctx: GrantContext = { db, clientFor: gateway.clientFor };
  return {
    sim,
    router: created.value,
    ctx,
    gateway,
    async close() {
      await closeRouterClient(created.value.id);
      await sim.close();
    },
  };
}

/** The router's entries on a list, read from the simulator. */
export function routerEntries(sim: Simulator, list = 'knockgate', family: 'ip' | 'ipv6' = 'ip') {
  return sim.addressList(family).entries(sim.state.ctx, list);
}

export type RouterFixture = Awaited<ReturnType<typeof startRouterFixture>>;

/**
 * A migrated database and a simulated router for a whole test file: opened before its tests,
 * closed after them. `use` receives both; the file keeps them in its own variables.
 */
export function routerFixturePerFile(
  use: (db: DatabaseHandle, fx: RouterFixture) => void,
  options: Parameters<typeof startRouterFixture>[1] = {},
): void {
  let db: DatabaseHandle | undefined;
  let fx: RouterFixture | undefined;
  beforeAll(async () => {
    db = await openTestDatabase();
    fx = await startRouterFixture(db.db, options);
    use(db, fx);
  });
  afterAll(async () => {
    await fx?.close();
    await db?.close();
  });
}
