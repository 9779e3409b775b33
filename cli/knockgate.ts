#!/usr/bin/env -S npx --no-install tsx
/**
 * `npm run knockgate -- <command>`: operator commands that work on the database directly.
 *
 *   create-admin [--username NAME]   create an admin and print their password once
 *   help
 *
 * With the embedded database (PGlite), stop the server first: only one process may open it.
 */
import { closeDatabase, getDatabase } from '../lib/db';
import { DataDirInUseError } from '../lib/db/client';
import { ConfigError, getEnv } from '../lib/env';
import { createUser } from '../lib/users/service';

export type CliIo = { out: (line: string) => void; err: (line: string) => void };

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out('Usage: knockgate create-admin [--username NAME]');
    return command ? 0 : 2;
  }
  if (command !== 'create-admin') {
    io.err(`Unknown command "${command}". Try: knockgate help`);
    return 2;
  }
  let username = 'admin';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--username' && rest[i + 1]) username = rest[++i]!;
    else {
      io.err(`Unknown option "${rest[i]}". Usage: knockgate create-admin [--username NAME]`);
      return 2;
    }
  }
  try {
    getEnv();
    const { db } = await getDatabase();
    const result = await createUser(
      db,
      { userId: null, label: 'cli', clientAddress: null },
      { username, role: 'admin' },
    );
    if (!result.ok) {
      const detail = Object.values(result.error.fields ?? {}).join(' ');
      io.err(`Could not create admin "${username}": ${result.error.message} ${detail}`.trim());
      if (result.error.code === 'username_taken') io.err('Choose another name with --username NAME.');
      return 1;
    }
    io.out(`Admin created. Sign in with:`);
    io.out(`  user name: ${result.value.user.username}`);
    io.out(`  password:  ${result.value.generatedPassword}`);
    io.out('(shown only this once; change it under Account)');
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataDirInUseError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await closeDatabase();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2), { out: console.log, err: console.error }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
