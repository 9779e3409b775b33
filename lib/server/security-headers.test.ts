import { describe, expect, it } from 'vitest';
import { baseSecurityHeaders, contentSecurityPolicy, isCrossSiteWrite, newNonce } from './security-headers';

describe('security headers', () => {
  it('builds a nonce CSP without unsafe-inline that forbids framing', () => {
    const nonce = newNonce();
    const csp = contentSecurityPolicy(nonce, { https: false, dev: false });
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(contentSecurityPolicy(nonce, { https: true, dev: false })).toContain('upgrade-insecure-requests');
    expect(newNonce()).not.toBe(nonce);
  });

  it('adds HSTS only over HTTPS', () => {
    expect(baseSecurityHeaders({ https: false })).not.toHaveProperty('Strict-Transport-Security');
    expect(baseSecurityHeaders({ https: true })['Strict-Transport-Security']).toMatch(/max-age=31536000/);
  });

  it.each([
    ['POST', 'https://evil.example', 'knock.example.net', true],
    ['POST', 'null', 'knock.example.net', true],
    ['POST', 'http://knock.example.net', 'knock.example.net', false],
    ['POST', undefined, 'knock.example.net', false],
    ['GET', 'https://evil.example', 'knock.example.net', false],
    ['DELETE', 'http://127.0.0.1:3000', '127.0.0.1:3000', false],
    ['PUT', 'not a url', '127.0.0.1:3000', true],
  ])('%s from %s to %s cross-site=%s', (method, origin, host, expected) => {
    expect(isCrossSiteWrite(method, origin, host)).toBe(expected);
  });
});
