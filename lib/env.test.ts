import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from './env';

const good = { KNOCKGATE_SECRET: 'x'.repeat(40) };

function problems(source: Record<string, string>) {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('has sane defaults', () => {
    const env = parseEnv(good);
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.authUrl).toBe('http://127.0.0.1:3000');
    expect(env.TRUSTED_PROXIES).toEqual([]);
  });

  it('names a missing or short KNOCKGATE_SECRET', () => {
    expect(problems({}).message).toMatch(/KNOCKGATE_SECRET: is required/);
    expect(problems({ KNOCKGATE_SECRET: 'short' }).message).toMatch(/KNOCKGATE_SECRET: must be at least 32/);
  });

  it('names a malformed DATABASE_URL', () => {
    const error = problems({ ...good, DATABASE_URL: 'mysql://x' });
    expect(error.problems).toEqual([
      { variable: 'DATABASE_URL', message: expect.stringMatching(/postgres:\/\//) },
    ]);
    expect(parseEnv({ ...good, DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/kg' }).DATABASE_URL).toContain(
      '5432',
    );
  });

  it('names bad TRUSTED_PROXIES entries and a bad PORT', () => {
    expect(problems({ ...good, TRUSTED_PROXIES: '10.0.0.0/8, nonsense' }).message).toMatch(
      /TRUSTED_PROXIES: "nonsense" is not/,
    );
    expect(parseEnv({ ...good, TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).TRUSTED_PROXIES).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(problems({ ...good, PORT: '70000' }).message).toMatch(/PORT/);
  });

  it('requires the first-admin variables together', () => {
    expect(problems({ ...good, KNOCKGATE_ADMIN_USER: 'root' }).message).toMatch(/KNOCKGATE_ADMIN_PASSWORD/);
    expect(
      parseEnv({ ...good, KNOCKGATE_ADMIN_USER: 'root', KNOCKGATE_ADMIN_PASSWORD: 'p'.repeat(16) })
        .KNOCKGATE_ADMIN_USER,
    ).toBe('root');
  });
});

describe('HOST', () => {
  it('accepts a list of listen addresses and builds the auth URL from the first', () => {
    const env = parseEnv({ ...good, HOST: '127.0.0.1, ::1', PORT: '3100' });
    expect(env.hosts).toEqual(['127.0.0.1', '::1']);
    expect(env.authUrl).toBe('http://127.0.0.1:3100');
    expect(parseEnv({ ...good, HOST: '::1' }).authUrl).toBe('http://[::1]:3000');
  });
});
