import { closeDatabase, getDatabase } from '../db';
import { getEnv } from '../env';
import { getRouterGateway } from '../grants/context';
import { closeProcessEntryLocks, processEntryLocks } from '../grants/key-lock';
import { postgresLeader, singleProcessLeader } from '../grants/leader';
import { type GrantWorker, startGrantWorker } from '../grants/worker';
import { log } from '../observability/log';
import { closeAllRouterClients } from '../routeros';
import { countAdmins, ensureFirstAdmin } from '../users/service';
import { ensureDemoSetup } from './demo';

export type BootOptions = { demo: boolean };

/**
 * Everything the server starts besides HTTP: the database (migrated), the first admin, the demo's
 * simulated router, and the grant worker (reconciler + retries). Returns a handle to print the
 * banner and stop.
 */
export async function boot(options: BootOptions) {
  const env = getEnv();
  const database = await getDatabase();
  const lines: string[] = [];
  const stops: (() => Promise<void>)[] = [];

  const explicit =
    env.KNOCKGATE_ADMIN_USER && env.KNOCKGATE_ADMIN_PASSWORD
      ? { username: env.KNOCKGATE_ADMIN_USER, password: env.KNOCKGATE_ADMIN_PASSWORD }
      : undefined;
  if (explicit || options.demo) {
    const admin = await ensureFirstAdmin(database.db, explicit);
    if (admin.created && admin.password) {
      lines.push(
        '',
        '  First admin created. Sign in with:',
        `    user name: ${admin.username}`,
        `    password:  ${admin.password}`,
        '  (shown only this once; change it under Account)',
        '',
      );
    } else if (admin.created) {
      lines.push(`First admin "${admin.username}" created from KNOCKGATE_ADMIN_USER.`);
    }
  } else if ((await countAdmins(database.db)) === 0) {
    lines.push(
      'No admin exists yet. Create one with: npm run knockgate -- create-admin ' +
        '(same settings as this server; on the embedded database, stop Knockgate first).',
    );
  }

  if (options.demo) {
    // Loaded only in demo mode: production never starts a simulated router.
    const { startSimulator } = await import('../../sim');
    const sim = await startSimulator({
      host: '127.0.0.1',
      apiPort: env.KNOCKGATE_DEMO_SIM_PORT,
      apiSslPort: env.KNOCKGATE_DEMO_SIM_TLS_PORT,
      identity: 'knockgate-demo',
    });
    stops.push(() => sim.close());
    await ensureDemoSetup(database.db, sim);
    lines.push(
      `Simulated router: RouterOS API on 127.0.0.1:${sim.apiPort}, API-SSL on 127.0.0.1:${sim.apiSslPort} (user admin, empty password)`,
    );
  }

  const gateway = await getRouterGateway();
  const leader = env.DATABASE_URL ? postgresLeader(env.DATABASE_URL) : singleProcessLeader();
  // On PostgreSQL, router entries are locked across instances (lib/grants/key-lock.ts).
  const locks = processEntryLocks(database.driver === 'postgres' ? database.db : undefined);
  const worker: GrantWorker = startGrantWorker({
    db: database.db,
    gateway,
    leader,
    locks,
    intervalMs: env.RECONCILE_INTERVAL_SECONDS * 1000,
    log: (level, message, data) => log()[level]({ component: 'reconciler', ...data }, message),
  });

  return {
    worker,
    printBanner() {
      for (const line of lines) console.log(line);
      console.log(
        `Database: ${database.driver === 'pglite' ? `embedded (PGlite) in ${env.dataDir}` : 'PostgreSQL'}`,
      );
    },
    async stop() {
      await worker.stop();
      await closeProcessEntryLocks();
      await closeAllRouterClients();
      for (const stop of stops.reverse()) await stop();
      await closeDatabase();
    },
  };
}
