import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Start-up with a bad setting stops before listening, naming the variable. */
async function start(env: Record<string, string>) {
  const child = await run('node', ['--import', 'tsx', 'server.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      NODE_ENV: 'production',
      PORT: '0',
      ...env,
    },
    timeout: 30_000,
  }).catch((e: { code: number; stderr: string; stdout: string }) => e);
  return child as { code?: number; stderr: string; stdout: string };
}

describe('server start-up configuration', () => {
  it.each([
    [{ KNOCKGATE_SECRET: 'too-short' }, /KNOCKGATE_SECRET: must be at least 32 characters/],
    [{}, /KNOCKGATE_SECRET: is required/],
    [
      { KNOCKGATE_SECRET: 'x'.repeat(40), DATABASE_URL: 'mysql://db/kg' },
      /DATABASE_URL: must be a postgres:\/\//,
    ],
    [
      { KNOCKGATE_SECRET: 'x'.repeat(40), TRUSTED_PROXIES: '10.0.0.0/33' },
      /TRUSTED_PROXIES: "10.0.0.0\/33" is not/,
    ],
    [{ KNOCKGATE_SECRET: 'x'.repeat(40), KNOCKGATE_ADMIN_USER: 'root' }, /KNOCKGATE_ADMIN_PASSWORD/],
  ])('refuses %j', async (env, message) => {
    const result = await start(env as Record<string, string>);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toMatch(/listening/);
  });
});
