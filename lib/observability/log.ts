import pino, { type Logger } from 'pino';
import { currentRequest } from './context';

/**
 * Structured JSON logs (pino). Every line carries the request id, client address and user of the
 * request it belongs to. Secrets never reach the output: known secret fields are redacted
 * wherever they appear, and callers log ids and codes, not payloads.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'currentPassword',
  '*.currentPassword',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.cookie',
  'headers.authorization',
  'passwordEnc',
  '*.passwordEnc',
  'KNOCKGATE_SECRET',
  'NEXTAUTH_SECRET',
];

const key = Symbol.for('knockgate.logger');
type Holder = { [key]?: Logger };

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'knockgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const ctx = currentRequest();
        if (!ctx) return {};
        return {
          requestId: ctx.requestId,
          ...(ctx.clientAddress ? { clientAddress: ctx.clientAddress } : {}),
          ...(ctx.userId ? { userId: ctx.userId, user: ctx.username } : {}),
        };
      },
    },
    options.destination,
  );
}

/** The process-wide logger (shared by server.ts and the Next.js bundle). */
export function log(): Logger {
  const holder = globalThis as Holder;
  holder[key] ??= createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  return holder[key];
}

export function setLogger(logger: Logger): void {
  (globalThis as Holder)[key] = logger;
}
