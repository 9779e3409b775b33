import { type APIRequestContext, expect, test } from '@playwright/test';
import { E2E } from './env';
import { apiSession, callAction, createUserViaUi, signInAsAdmin, uniqueName } from './helpers';

/**
 * The role guard matrix, through HTTP against the running app: every page and route handler and
 * every admin server action, for anonymous, user, approver and admin.
 */
type Who = 'anonymous' | 'user' | 'approver' | 'admin';
/** `portal`: sent on to the portal (signed-in visitors of /signin). */
type Expect = 'ok' | 'signin' | 'portal' | 'forbidden' | 'unauthorized';

const pages: { path: string; expect: Record<Who, Expect> }[] = [
  { path: '/', expect: { anonymous: 'signin', user: 'ok', approver: 'ok', admin: 'ok' } },
  { path: '/account', expect: { anonymous: 'signin', user: 'ok', approver: 'ok', admin: 'ok' } },
  { path: '/admin', expect: { anonymous: 'signin', user: 'forbidden', approver: 'ok', admin: 'ok' } },
  {
    path: '/admin/users',
    expect: { anonymous: 'signin', user: 'forbidden', approver: 'forbidden', admin: 'ok' },
  },
  { path: '/admin/grants', expect: { anonymous: 'signin', user: 'forbidden', approver: 'ok', admin: 'ok' } },
  {
    path: '/admin/routers',
    expect: { anonymous: 'signin', user: 'forbidden', approver: 'forbidden', admin: 'ok' },
  },
  {
    path: '/admin/policies',
    expect: { anonymous: 'signin', user: 'forbidden', approver: 'forbidden', admin: 'ok' },
  },
  { path: '/api/me/grants', expect: { anonymous: 'unauthorized', user: 'ok', approver: 'ok', admin: 'ok' } },
  {
    path: '/api/admin/grants/live',
    expect: { anonymous: 'unauthorized', user: 'forbidden', approver: 'ok', admin: 'ok' },
  },
  { path: '/signin', expect: { anonymous: 'ok', user: 'portal', approver: 'portal', admin: 'portal' } },
  { path: '/api/health', expect: { anonymous: 'ok', user: 'ok', approver: 'ok', admin: 'ok' } },
];

const sessions = new Map<Who, APIRequestContext>();

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  const user = uniqueName('g-user');
  const approver = uniqueName('g-appr');
  const userPw = await createUserViaUi(page, user, 'user');
  const approverPw = await createUserViaUi(page, approver, 'approver');
  await page.close();
  sessions.set('anonymous', await apiSession());
  sessions.set('user', await apiSession(user, userPw));
  sessions.set('approver', await apiSession(approver, approverPw));
  sessions.set('admin', await apiSession(E2E.admin.username, E2E.admin.password));
});

test.afterAll(async () => {
  for (const s of sessions.values()) await s.dispose();
});

for (const entry of pages) {
  for (const who of ['anonymous', 'user', 'approver', 'admin'] as const) {
    test(`page ${entry.path} as ${who} → ${entry.expect[who]}`, async () => {
      const res = await sessions.get(who)!.get(entry.path, { maxRedirects: 0 });
      const expected = entry.expect[who];
      if (expected === 'ok') {
        expect(res.status()).toBe(200);
      } else if (expected === 'portal') {
        expect([303, 307]).toContain(res.status());
        const location = res.headers().location;
        expect(location).toBeTruthy();
        const to = new URL(location!, E2E.baseUrl);
        expect(to.pathname + to.search).toBe('/');
      } else if (expected === 'unauthorized') {
        expect(res.status()).toBe(401);
      } else if (expected === 'signin') {
        expect(res.status()).toBe(307);
        expect(res.headers().location).toMatch(/\/signin/);
      } else {
        expect(res.status()).toBe(403);
      }
    });
  }
}

const adminActions = [
  [
    'createUserAction',
    (_id: string) => ({ username: uniqueName('via-http'), role: 'admin', email: '', password: '' }),
  ],
  ['changeRoleAction', (id: string) => ({ userId: id, role: 'admin' })],
  ['setDisabledAction', (id: string) => ({ userId: id, disabled: 'true' })],
  ['resetPasswordAction', (id: string) => ({ userId: id })],
  ['revokeSessionsAction', (id: string) => ({ userId: id })],
  ['disableTotpAction', (id: string) => ({ userId: id })],
] as const;

test.describe('admin server actions over HTTP', () => {
  let targetId = '';
  let target = '';
  let targetPassword = '';
  /** The target's own session, signed in before the refused calls. */
  let targetApi: APIRequestContext;
  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signInAsAdmin(page);
    target = uniqueName('target');
    targetPassword = await createUserViaUi(page, target, 'user');
    await page.goto('/admin/users');
    targetId = (await page
      .getByTestId(`user-row-${target}`)
      .locator('input[name=userId]')
      .first()
      .getAttribute('value'))!;
    await page.close();
    targetApi = await apiSession(target, targetPassword);
  });

  test.afterAll(async () => {
    await targetApi?.dispose();
  });

  for (const [name, fields] of adminActions) {
    for (const who of ['anonymous', 'user', 'approver'] as const) {
      test(`${name} as ${who} is refused and changes nothing`, async () => {
        const input: Record<string, string> = fields(targetId);
        const res = await callAction(
          sessions.get(who)!,
          '/admin/users',
          `app/(admin)/admin/users/actions.ts#${name}`,
          input,
        );
        expect(res.status).toBe(200);
        expect(res.body).toContain(who === 'anonymous' ? '"code":"not_signed_in"' : '"code":"not_allowed"');
        expect(res.body).not.toContain('"ok":true');
        // The target's session is still good: not revoked, not ended by disabling or a reset.
        expect((await targetApi.get('/api/me/grants')).status()).toBe(200);
        if (name === 'createUserAction') {
          const users = await (await sessions.get('admin')!.get('/admin/users')).text();
          expect(users).toContain(`data-testid="user-row-${target}"`);
          expect(users).not.toContain(`data-testid="user-row-${input.username}"`);
        }
        if (name === 'resetPasswordAction') {
          // The old password still signs in, and no new password is demanded.
          const again = await apiSession(target, targetPassword);
          try {
            expect((await again.get('/api/me/grants')).status()).toBe(200);
          } finally {
            await again.dispose();
          }
        }
      });
    }
  }

  test('after all refused calls the target is still an enabled user', async ({ browser }) => {
    const page = await browser.newPage();
    await signInAsAdmin(page);
    await page.goto('/admin/users');
    const row = page.locator('tr', { has: page.locator(`input[name=userId][value="${targetId}"]`) });
    await expect(row.getByText('Enabled')).toBeVisible();
    await expect(row.locator('select[name=role]')).toHaveValue('user');
    await page.close();
  });

  test('after an admin resets a password, route handlers refuse the person until they choose a new one', async ({
    browser,
  }) => {
    const page = await browser.newPage();
    await signInAsAdmin(page);
    const name = uniqueName('reset');
    await createUserViaUi(page, name, 'user');
    await page.goto('/admin/users');
    const id = (await page
      .getByTestId(`user-row-${name}`)
      .locator('input[name=userId]')
      .first()
      .getAttribute('value'))!;
    await page.close();
    const reset = await callAction(
      sessions.get('admin')!,
      '/admin/users',
      'app/(admin)/admin/users/actions.ts#resetPasswordAction',
      {
        userId: id,
      },
    );
    const temporary = /"generatedPassword":"([^"]+)"/.exec(reset.body)?.[1];
    expect(temporary).toBeTruthy();
    const api = await apiSession(name, temporary);
    try {
      for (const path of ['/api/me/grants', '/api/me/requests']) {
        const res = await api.get(path);
        expect(res.status()).toBe(403);
        expect((await res.json()).error.code).toBe('password_change_required');
      }
      expect((await api.get('/account', { maxRedirects: 0 })).status()).toBe(200);
    } finally {
      await api.dispose();
    }
  });

  test('the same HTTP call works for an admin (the refusals above are not an encoding error)', async () => {
    const res = await callAction(
      sessions.get('admin')!,
      '/admin/users',
      'app/(admin)/admin/users/actions.ts#revokeSessionsAction',
      { userId: targetId },
    );
    expect(res.body).toContain('"ok":true');
    // The session that outlived the refused calls is over now.
    expect((await targetApi.get('/api/me/grants')).status()).toBe(401);
  });
});
