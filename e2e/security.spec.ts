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

test('every page answers with the hardening headers', async ({ page, request }) => {
  await signInAsAdmin(page);
  const res = await page.goto('/admin/grants');
  const h = res!.headers();
  expect(h['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('same-origin');
  expect(h['x-frame-options']).toBe('DENY');
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
