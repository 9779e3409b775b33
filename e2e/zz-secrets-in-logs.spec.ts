import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { E2E } from './env';

/**
 * Runs last (file order): the server's log of the whole e2e run must not contain any secret the
 * tests used or saw — the admin password, KNOCKGATE_SECRET, generated passwords, TOTP secrets,
 * recovery codes, device tokens.
 */
test('the server log of this run contains no secret', () => {
  const log = fs.readFileSync(E2E.logFile, 'utf8');
  // The log is real: JSON lines of requests that name signed-in users.
  const lines = log.split('\n').filter((l) => l.startsWith('{'));
  expect(lines.length).toBeGreaterThan(50);
  expect(lines.some((l) => l.includes('"userId"'))).toBe(true);
  const seen = fs.existsSync(E2E.secretsFile)
    ? fs.readFileSync(E2E.secretsFile, 'utf8').split('\n').filter(Boolean)
    : [];
  const secrets = [E2E.admin.password, E2E.secret, ...seen];
  expect(secrets.length).toBeGreaterThan(2);
  const leaked = secrets.filter((s) => log.includes(s));
  expect(leaked, `secrets found in ${E2E.logFile}`).toEqual([]);
  console.log(`checked ${lines.length} log lines for ${secrets.length} secrets`);
});
