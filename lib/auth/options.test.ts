import { describe, expect, it, vi } from 'vitest';

/** What the sign-in path met: a failure inside, and what the log was told. */
const seen = vi.hoisted(() => ({ logged: [] as unknown[] }));

vi.mock('../env', () => ({ getEnv: () => ({ authUrl: 'http://127.0.0.1:3000' }) }));
vi.mock('../db', () => ({ getDb: async () => ({}) }));
vi.mock('./sign-in', () => ({
  signIn: async () => {
    throw new Error('Unsupported state or unable to authenticate data (totp-secret)');
  },
}));
vi.mock('../observability/log', () => ({
  log: () => ({ error: (...args: unknown[]) => seen.logged.push(args), warn: () => {}, info: () => {} }),
}));

const { authOptions } = await import('./options');

describe('the credentials sign-in', () => {
  it('an internal failure reaches the caller as a code, its text only the log', async () => {
    const provider = authOptions().providers[0] as unknown as {
      options: { authorize: (c: Record<string, string>, req: unknown) => Promise<unknown> };
    };
    const attempt = provider.options.authorize(
      { username: 'alice', password: 'correct horse battery', code: '' },
      { headers: {} },
    );
    await expect(attempt).rejects.toThrow(/^internal_error$/);
    expect(JSON.stringify(seen.logged)).toContain('unable to authenticate data (totp-secret)');
  });
});
