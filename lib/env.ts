import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { parseCidr } from './net/ip';

/**
 * Validated configuration. This is the one module that reads `process.env`.
 *
 * Parsing is lazy (first call to `getEnv()`), because `next build` imports server modules
 * without the run-time secrets; `server.ts` calls `getEnv()` before it listens so a bad setting
 * stops start-up with a message naming the variable.
 */

const cidrList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const items = value
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!parseCidr(item).ok) {
        ctx.addIssue({
          code: 'custom',
          message: `"${item}" is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1)`,
        });
      }
    }
    return items;
  });

const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .default('')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || isPostgresUrl(v), {
        message:
          'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:pass@127.0.0.1:5432/knockgate',
      }),
    KNOCKGATE_SECRET: z
      .string({
        error: 'is required: a random string of at least 32 characters (e.g. `openssl rand -base64 48`)',
      })
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)'),
    AUTH_URL: z
      .url({ message: 'must be the public URL of Knockgate, e.g. https://knock.example.net' })
      .optional(),
    NEXTAUTH_URL: z
      .url({ message: 'must be the public URL of Knockgate, e.g. https://knock.example.net' })
      .optional(),
    TRUSTED_PROXIES: cidrList,
    /** The one forwarding header a trusted proxy sets; the others are ignored and removed. */
    TRUSTED_PROXY_HEADER: z.enum(['x-forwarded-for', 'forwarded', 'x-real-ip']).default('x-forwarded-for'),
    KNOCKGATE_ADMIN_USER: z.string().optional(),
    KNOCKGATE_ADMIN_PASSWORD: z.string().optional(),
    KNOCKGATE_DEMO: boolish,
    /** Seconds between reconciler cycles (router entries vs. grants). */
    RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(2).max(3600).default(30),
    /** Demo only: the simulated router's API and API-SSL ports (0 = any free port). */
    KNOCKGATE_DEMO_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(8728),
    KNOCKGATE_DEMO_SIM_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(8729),
    /** Bearer token for GET /api/metrics; without it only loopback clients may scrape. */
    METRICS_TOKEN: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || v.length >= 16, { message: 'must be at least 16 characters' }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    const user = env.KNOCKGATE_ADMIN_USER;
    const pass = env.KNOCKGATE_ADMIN_PASSWORD;
    if ((user && !pass) || (!user && pass)) {
      ctx.addIssue({
        code: 'custom',
        path: [user ? 'KNOCKGATE_ADMIN_PASSWORD' : 'KNOCKGATE_ADMIN_USER'],
        message: 'KNOCKGATE_ADMIN_USER and KNOCKGATE_ADMIN_PASSWORD must be set together',
      });
    }
    if (pass && pass.length < 12) {
      ctx.addIssue({
        code: 'custom',
        path: ['KNOCKGATE_ADMIN_PASSWORD'],
        message: 'must be at least 12 characters',
      });
    }
  });

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export type Env = z.infer<typeof schema> & {
  /** Addresses to listen on (HOST is a comma-separated list, e.g. `127.0.0.1,::1`). */
  hosts: string[];
  /** Absolute data directory. */
  dataDir: string;
  /** Public base URL used by the auth layer. */
  authUrl: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}\n` +
        'Fix the environment and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** Parses an environment map; throws ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        message: issue.message,
      })),
    );
  }
  const env = result.data;
  const hosts = env.HOST.split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const first = hosts[0] ?? '127.0.0.1';
  const authUrl =
    env.AUTH_URL ?? env.NEXTAUTH_URL ?? `http://${first.includes(':') ? `[${first}]` : first}:${env.PORT}`;
  return { ...env, hosts, dataDir: path.resolve(env.DATA_DIR), authUrl };
}

const globalKey = Symbol.for('knockgate.env');
type GlobalWithEnv = typeof globalThis & { [globalKey]?: Env };

export function getEnv(): Env {
  const g = globalThis as GlobalWithEnv;
  if (!g[globalKey]) {
    const env = parseEnv(process.env);
    // next-auth v4 reads these two itself; derive them so operators set only our variables.
    process.env.NEXTAUTH_URL = env.authUrl;
    process.env.NEXTAUTH_SECRET ??= deriveAuthSecret(env.KNOCKGATE_SECRET);
    g[globalKey] = env;
  }
  return g[globalKey];
}

function deriveAuthSecret(secret: string): string {
  // A derived key, so that NEXTAUTH_SECRET never equals KNOCKGATE_SECRET itself.
  return Buffer.from(hkdfSync('sha256', secret, 'knockgate', 'nextauth-jwt', 32)).toString('base64url');
}

/** For tests: forget the cached configuration. */
export function resetEnvForTests(): void {
  delete (globalThis as GlobalWithEnv)[globalKey];
}
