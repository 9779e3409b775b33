import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ADDRESS_HEADER, SERVER_TOKEN_HEADER } from '@/lib/net/client-address';
import { cidrMatcher } from '@/lib/net/ip';
import { createRequestFront, MAX_BODY_BYTES } from './front';

/** The front through a real HTTP server on loopback, with a stand-in for Next that echoes headers. */
let server: http.Server;
let base: string;
beforeAll(async () => {
  const front = createRequestFront({
    env: { TRUSTED_PROXY_HEADER: 'x-forwarded-for', authUrl: 'http://127.0.0.1' },
    isTrusted: cidrMatcher(['::1']),
    serverToken: 'tok',
    dev: false,
    handle: async (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.headers));
    },
  });
  server = http.createServer(front);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('request front', () => {
  it('strips forged internal and forwarding headers from an untrusted peer and sets its own', async () => {
    const res = await fetch(`${base}/portal`, {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        [CLIENT_ADDRESS_HEADER]: '6.6.6.6',
        [SERVER_TOKEN_HEADER]: 'forged',
        'x-middleware-subrequest': 'middleware',
        'x-forwarded-host': 'evil.example',
        'content-security-policy': 'forged',
      },
    });
    const seen = (await res.json()) as Record<string, string>;
    expect(seen[CLIENT_ADDRESS_HEADER]).toBe('127.0.0.1');
    expect(seen[SERVER_TOKEN_HEADER]).toBe('tok');
    expect(seen['x-forwarded-for']).toBeUndefined();
    expect(seen['x-middleware-subrequest']).toBeUndefined();
    expect(seen['x-forwarded-host']).toBeUndefined();
    // The page gets a fresh nonce CSP, the same one the browser is sent.
    expect(seen['content-security-policy']).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('content-security-policy')).toBe(seen['content-security-policy']);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives API responses a deny-all CSP', async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('refuses cross-site writes and oversized bodies before the app sees them', async () => {
    const cross = await fetch(`${base}/admin/users`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: 'x',
    });
    expect(cross.status).toBe(403);
    const same = await fetch(`${base}/admin/users`, { method: 'POST', headers: { origin: base }, body: 'x' });
    expect(same.status).toBe(200);
    const big = await fetch(`${base}/api/auth/callback/credentials`, {
      method: 'POST',
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    expect(big.status).toBe(413);
    // A chunked body has no length to check up front: refused outside server actions.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/api/auth/callback/credentials`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('x'.repeat(1000));
      req.end();
    });
    expect(chunked).toBe(411);
    // Claiming to be a server action does not help on a route handler.
    const claimed = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${base}/api/auth/callback/credentials`,
        { method: 'POST', headers: { 'next-action': 'anything' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('x'.repeat(1000));
      req.end();
    });
    expect(claimed).toBe(411);
    const crossSiteUpdate = await fetch(`${base}/nic/update?hostname=x`, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSiteUpdate.status).toBe(403);
    expect((await fetch(`${base}/nic/update?hostname=x`)).status).toBe(200);
  });
});
