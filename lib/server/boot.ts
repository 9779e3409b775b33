import { closeDatabase, getDatabase } from '../db';
import { getEnv } from '../env';
import { countAdmins, ensureFirstAdmin } from '../users/service';

export type BootOptions = { demo: boolean };

/**
 * Everything the server starts besides HTTP: the database (migrated), the first admin, and the
 * background services added by later features. Returns a handle to print the banner and stop.
 */
export async function boot(options: BootOptions) {
  const env = getEnv();
  const database = await getDatabase();
  const lines: string[] = [];

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
  } else {
    if ((await countAdmins(database.db)) === 0)
      lines.push('No admin exists yet. Create one with: npm run knockgate -- create-admin');
  }

  return {
    printBanner() {
      for (const line of lines) console.log(line);
      console.log(
        `Database: ${database.driver === 'pglite' ? `embedded (PGlite) in ${env.dataDir}` : 'PostgreSQL'}`,
      );
    },
    async stop() {
      await closeDatabase();
    },
  };
}
