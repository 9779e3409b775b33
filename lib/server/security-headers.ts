import { randomBytes } from 'node:crypto';

/**
 * The security headers of every response. Pages get a strict Content-Security-Policy with a fresh
 * nonce: Next.js reads the nonce from the request's CSP header and puts it on its own scripts, so
 * an injected inline script (no nonce) does not run.
 */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string, options: { https: boolean; dev: boolean }): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by the nonced bootstrap may load further chunks.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** API and text responses never render HTML; nothing at all may run or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function baseSecurityHeaders(options: { https: boolean }): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(options.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * CSRF for everything that is not a server action (Next.js checks those itself): a browser always
 * sends Origin on a cross-site POST, so a mutating request whose Origin names another site is
 * refused. Requests without Origin (curl, ddclient) carry no ambient browser cookies to abuse.
 */
export function isCrossSiteWrite(
  method: string | undefined,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (!method || ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) return false;
  if (!origin) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
