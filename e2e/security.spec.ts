import { expect, test } from '@playwright/test';
import { E2E } from './env';
import { signInAsAdmin } from './helpers';

test("CSP blocks an injected inline script while the page's own scripts still run", async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  // An attacker's inline script in the markup, as a stored XSS would put it there; the response
  // keeps the server's own headers, CSP included.
  await page.route('**/signin', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace(
      '</body>',
      '<script>window.__injected = true;</script></body>',
    );
    await route.fulfill({ response, body: html });
  });
  await page.goto('/signin');
  // The page is live: React hydrated and the form signs in through JavaScript.
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  await page.getByLabel('User name').fill('nobody-here');
  await page.getByLabel('Password').fill('wrong-password-123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'invalid_credentials');
  expect(await page.evaluate(() => (window as { __injected?: boolean }).__injected)).toBeUndefined();
  expect(violations.some((v) => /inline/i.test(v))).toBe(true);
});

/** Headers the server puts on every response (lib/server/security-headers.ts). */
function expectBaseHeaders(h: Record<string, string>, where: string) {
  expect(h['x-content-type-options'], where).toBe('nosniff');
  expect(h['referrer-policy'], where).toBe('same-origin');
  expect(h['x-frame-options'], where).toBe('DENY');
  expect(h['cross-origin-opener-policy'], where).toBe('same-origin');
  expect(h['cross-origin-resource-policy'], where).toBe('same-origin');
  expect(h['permissions-policy'], where).toBe('camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  // The suite's server speaks plain HTTP: HSTS is sent over HTTPS only.
  expect(h['strict-transport-security'], where).toBeUndefined();
}

test('every page and route handler answers with the hardening headers', async ({ page, request }) => {
  const nonces: string[] = [];
  const expectPageHeaders = (h: Record<string, string>, where: string) => {
    expectBaseHeaders(h, where);
    const csp = h['content-security-policy'] ?? '';
    expect(csp, where).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
    expect(csp, where).not.toContain('unsafe-inline');
    expect(csp, where).toContain("frame-ancestors 'none'");
    nonces.push(/'nonce-([^']+)'/.exec(csp)?.[1] ?? '');
  };
  // A page for anyone, then pages behind the sign-in.
  const signin = await request.get('/signin', { maxRedirects: 0 });
  expect(signin.status()).toBe(200);
  expectPageHeaders(signin.headers(), '/signin');
  await signInAsAdmin(page);
  for (const path of ['/', '/admin/grants']) {
    const res = await page.goto(path);
    expect(res!.status(), path).toBe(200);
    expectPageHeaders(await res!.allHeaders(), path);
  }
  // Every page response has a nonce of its own.
  expect(new Set(nonces).size).toBe(3);
  // Route handlers render no HTML: the same headers with a CSP that allows nothing at all.
  for (const path of ['/api/health', '/api/me/grants']) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(200);
    expectBaseHeaders(res.headers(), path);
    expect(res.headers()['content-security-policy'], path).toBe("default-src 'none'; frame-ancestors 'none'");
  }
  const cookie = (await page.context().cookies()).find((c) => c.name === 'knockgate.session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  // A cross-site form post is refused before the app sees it.
  const cross = await request.post(`${E2E.baseUrl}/admin/users`, {
    headers: { origin: 'https://evil.example' },
    form: { username: 'x' },
    maxRedirects: 0,
  });
  expect(cross.status()).toBe(403);
});
