#!/usr/bin/env -S npx --no-install tsx
/**
 * `npm run knockgate -- <command>`: operator commands that work on the database directly.
 *
 *   create-admin [--username NAME]   create an admin and print their password once
 *   help
 *
 * With the embedded database (PGlite), stop the server first: only one process may open it.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { closeDatabase, getDatabase } from '../lib/db';
import { DataDirInUseError } from '../lib/db/client';
import { ConfigError, getEnv } from '../lib/env';
import { createUser } from '../lib/users/service';

export type CliIo = { out: (line: string) => void; err: (line: string) => void };

const USAGE =
  'Usage: knockgate create-admin [--username NAME]  (same settings as the server; with the embedded database, stop the server first)';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    // Asked for: the usage on stdout. Nothing asked: a mistake, on stderr.
    (command ? io.out : io.err)(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'create-admin') {
    io.err(`Unknown command "${command}". Try: knockgate help`);
    return 2;
  }
  let username = 'admin';
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg.startsWith('--username=')) username = arg.slice('--username='.length);
    else if (arg === '--username') {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) {
        io.err('--username needs a name, e.g. --username alice');
        return 2;
      }
      username = value;
    } else {
      io.err(`Unknown option "${arg}". ${USAGE}`);
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
      // Field messages that only repeat the summary are said once.
      const detail = [...new Set(Object.values(result.error.fields ?? {}))]
        .filter((m) => m !== result.error.message)
        .join(' ');
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

// Run as a program (not imported by tests): compared as URLs, so a path with spaces matches too.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  runCli(process.argv.slice(2), { out: console.log, err: console.error }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
