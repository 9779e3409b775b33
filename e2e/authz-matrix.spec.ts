import fs from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { E2E } from './env';
import { apiSession, callAction, createUserViaUi, serverActions, signInAsAdmin, uniqueName } from './helpers';

/**
 * The authorization matrix (issue 8): every page, route handler and server action of the build ×
 * anonymous / user / approver / admin / disabled user → the expected outcome, over HTTP against
 * the running app. A route or action in the build without an entry here fails the first test.
 */
type Who = 'anonymous' | 'user' | 'approver' | 'admin' | 'disabled';
const everyone: Who[] = ['anonymous', 'user', 'approver', 'admin', 'disabled'];
type Outcome = 'ok' | 'signin' | 'forbidden' | 'unauthorized' | 'notfound' | 'redirect';
/** `redirectTo`: where a `redirect` outcome must send the visitor (path and query). */
type RouteRule = { path: string; expect: Record<Who, Outcome>; redirectTo?: string } | { internal: true };

const signedIn = (ok: Outcome = 'ok'): Record<Who, Outcome> => ({
  anonymous: 'signin',
  disabled: 'signin',
  user: ok,
  approver: ok,
  admin: ok,
});
const staff = (): Record<Who, Outcome> => ({
  anonymous: 'signin',
  disabled: 'signin',
  user: 'forbidden',
  approver: 'ok',
  admin: 'ok',
});
const admins = (ok: Outcome = 'ok'): Record<Who, Outcome> => ({
  anonymous: 'signin',
  disabled: 'signin',
  user: 'forbidden',
  approver: 'forbidden',
  admin: ok,
});
const api = (allowed: Who[]): Record<Who, Outcome> =>
  Object.fromEntries(
    everyone.map((w) => [
      w,
      allowed.includes(w) ? 'ok' : w === 'anonymous' || w === 'disabled' ? 'unauthorized' : 'forbidden',
    ]),
  ) as Record<Who, Outcome>;
const all = (o: Outcome): Record<Who, Outcome> =>
  Object.fromEntries(everyone.map((w) => [w, o])) as Record<Who, Outcome>;
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

/** Keyed by the build's app-paths-manifest entries. */
const ROUTES: Record<string, RouteRule> = {
  '/(admin)/admin/page': { path: '/admin', expect: staff() },
  '/(admin)/admin/approvals/page': { path: '/admin/approvals', expect: staff() },
  '/(admin)/admin/grants/page': { path: '/admin/grants', expect: staff() },
  '/(admin)/admin/audit/page': { path: '/admin/audit', expect: admins() },
  '/(admin)/admin/policies/page': { path: '/admin/policies', expect: admins() },
  '/(admin)/admin/profiles/page': { path: '/admin/profiles', expect: admins() },
  '/(admin)/admin/profiles/new/page': { path: '/admin/profiles/new', expect: admins() },
  '/(admin)/admin/profiles/[id]/page': { path: `/admin/profiles/${NO_SUCH}`, expect: admins('notfound') },
  '/(admin)/admin/routers/page': { path: '/admin/routers', expect: admins() },
  '/(admin)/admin/users/page': { path: '/admin/users', expect: admins() },
  '/(auth)/signin/page': {
    path: '/signin',
    expect: { anonymous: 'ok', disabled: 'ok', user: 'redirect', approver: 'redirect', admin: 'redirect' },
    // Signed-in visitors are sent on to the portal.
    redirectTo: '/',
  },
  '/(knock)/knock/page': { path: '/knock', expect: signedIn() },
  '/(knock)/knock/[id]/page': { path: `/knock/${NO_SUCH}`, expect: signedIn('notfound') },
  '/(portal)/page': { path: '/', expect: signedIn() },
  '/(portal)/account/page': { path: '/account', expect: signedIn() },
  '/(portal)/devices/page': { path: '/devices', expect: signedIn() },
  '/(portal)/requests/page': { path: '/requests', expect: signedIn() },
  '/_global-error/page': { internal: true },
  '/_not-found/page': { internal: true },
  '/api/admin/audit/export/route': { path: '/api/admin/audit/export?format=json', expect: api(['admin']) },
  '/api/admin/grants/live/route': { path: '/api/admin/grants/live', expect: api(['approver', 'admin']) },
  '/api/admin/requests/route': { path: '/api/admin/requests', expect: api(['approver', 'admin']) },
  '/api/admin/requests/count/route': {
    path: '/api/admin/requests/count',
    expect: api(['approver', 'admin']),
  },
  '/api/auth/[...nextauth]/route': { path: '/api/auth/csrf', expect: all('ok') },
  '/api/health/route': { path: '/api/health', expect: all('ok') },
  '/api/me/grants/route': { path: '/api/me/grants', expect: api(['user', 'approver', 'admin']) },
  '/api/me/requests/route': { path: '/api/me/requests', expect: api(['user', 'approver', 'admin']) },
  // Scraping is allowed from loopback without a session (the tests run on loopback).
  '/api/metrics/route': { path: '/api/metrics', expect: all('ok') },
  '/api/ready/route': { path: '/api/ready', expect: all('ok') },
  '/icon.svg/route': { path: '/icon.svg', expect: all('ok') },
  '/nic/checkip/route': { path: '/nic/checkip', expect: all('ok') },
  // DynDNS2 authenticates devices with Basic auth; a browser session is worth nothing here.
  '/nic/update/route': { path: '/nic/update?hostname=x.example.net', expect: all('unauthorized') },
};

/**
 * What an allowed role meets past the guard when an action is sent no input: validation refuses
 * it (`invalid_input`), except for the actions that take no input at all.
 */
const WITHOUT_INPUT: Record<string, RegExp> = {
  // Answers ok, or webhook_off while no webhook is set up.
  'app/(admin)/admin/approvals/actions.ts#testWebhookAction': /"ok":true|"code":"webhook_off"/,
  // Starts an enrolment, or refuses one for an account that has two-step sign-in on.
  'app/(portal)/account/actions.ts#beginTotpAction': /"ok":true|"code":"already_enrolled"/,
  // Opens access at the caller's address, or says why their policy does not allow it.
  'app/(portal)/actions.ts#openAccessAction':
    /"ok":true|"code":"(no_policy|request_required|address_unknown)"/,
};

/** Roles allowed past each server action's guard, keyed `file#export`. */
const SIGNED_IN: Who[] = ['user', 'approver', 'admin'];
const STAFF: Who[] = ['approver', 'admin'];
const ADMIN: Who[] = ['admin'];
const ACTIONS: Record<string, Who[]> = {
  'app/(admin)/admin/approvals/actions.ts#approveRequestAction': STAFF,
  'app/(admin)/admin/approvals/actions.ts#denyRequestAction': STAFF,
  'app/(admin)/admin/approvals/actions.ts#redeliverWebhookAction': ADMIN,
  'app/(admin)/admin/approvals/actions.ts#saveWebhookAction': ADMIN,
  'app/(admin)/admin/approvals/actions.ts#testWebhookAction': ADMIN,
  'app/(admin)/admin/grants/actions.ts#revokeGrantAction': ADMIN,
  'app/(admin)/admin/policies/actions.ts#deletePolicyAction': ADMIN,
  'app/(admin)/admin/policies/actions.ts#savePolicyAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#applyAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#deleteProfileAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#dryRunAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#previewRemoveAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#removeAction': ADMIN,
  'app/(admin)/admin/profiles/actions.ts#saveProfileAction': ADMIN,
  'app/(admin)/admin/routers/actions.ts#createRouterAction': ADMIN,
  'app/(admin)/admin/routers/actions.ts#deleteRouterAction': ADMIN,
  'app/(admin)/admin/routers/actions.ts#testRouterAction': ADMIN,
  'app/(admin)/admin/routers/actions.ts#testSettingsAction': ADMIN,
  'app/(admin)/admin/routers/actions.ts#updateRouterAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#changeRoleAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#createUserAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#disableTotpAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#resetPasswordAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#revokeSessionsAction': ADMIN,
  'app/(admin)/admin/users/actions.ts#setDisabledAction': ADMIN,
  'app/(portal)/account/actions.ts#beginTotpAction': SIGNED_IN,
  'app/(portal)/account/actions.ts#changePasswordAction': SIGNED_IN,
  'app/(portal)/account/actions.ts#confirmTotpAction': SIGNED_IN,
  'app/(portal)/account/actions.ts#disableTotpAction': SIGNED_IN,
  'app/(portal)/account/actions.ts#regenerateRecoveryCodesAction': SIGNED_IN,
  'app/(portal)/account/actions.ts#saveLocaleAction': SIGNED_IN,
  'app/(portal)/actions.ts#endAccessAction': SIGNED_IN,
  'app/(portal)/actions.ts#extendAccessAction': SIGNED_IN,
  'app/(portal)/actions.ts#openAccessAction': SIGNED_IN,
  'app/(portal)/devices/actions.ts#createDeviceAction': SIGNED_IN,
  'app/(portal)/devices/actions.ts#deleteDeviceAction': SIGNED_IN,
  'app/(portal)/devices/actions.ts#openHostnameAction': SIGNED_IN,
  'app/(portal)/devices/actions.ts#revokeDeviceAction': SIGNED_IN,
  'app/(portal)/devices/actions.ts#rotateDeviceAction': SIGNED_IN,
  'app/(portal)/requests/actions.ts#cancelRequestAction': SIGNED_IN,
  'app/(portal)/requests/actions.ts#createRequestAction': SIGNED_IN,
};

const sessions = new Map<Who, APIRequestContext>();
let checks = 0;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  const names = { user: uniqueName('m-user'), approver: uniqueName('m-appr'), disabled: uniqueName('m-dis') };
  const pw = {
    user: await createUserViaUi(page, names.user, 'user'),
    approver: await createUserViaUi(page, names.approver, 'approver'),
    disabled: await createUserViaUi(page, names.disabled, 'user'),
  };
  sessions.set('anonymous', await apiSession());
  sessions.set('user', await apiSession(names.user, pw.user));
  sessions.set('approver', await apiSession(names.approver, pw.approver));
  sessions.set('admin', await apiSession(E2E.admin.username, E2E.admin.password));
  // Signed in first, then disabled by an admin: the session must be worth nothing from now on.
  sessions.set('disabled', await apiSession(names.disabled, pw.disabled));
  await page.goto('/admin/users');
  page.once('dialog', (d) => d.accept()); // "Disable …? They are signed out …"
  await page.getByTestId(`user-row-${names.disabled}`).getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByTestId(`user-row-${names.disabled}`).getByText('Disabled')).toBeVisible();
  await page.close();
});

test.afterAll(async () => {
  for (const s of sessions.values()) await s.dispose();
  console.log(`authorization matrix: ${checks} checks`);
});

test('every route and server action of the build has an entry in the matrix', () => {
  const routes = Object.keys(
    JSON.parse(fs.readFileSync(path.join(process.cwd(), '.next/server/app-paths-manifest.json'), 'utf8')),
  );
  expect(
    routes.filter((r) => !(r in ROUTES)),
    'routes without a matrix entry',
  ).toEqual([]);
  expect(
    Object.keys(ROUTES).filter((r) => !routes.includes(r)),
    'matrix entries for routes that are gone',
  ).toEqual([]);
  const actions = [...serverActions().keys()];
  expect(
    actions.filter((a) => !(a in ACTIONS)),
    'server actions without a matrix entry',
  ).toEqual([]);
  expect(
    Object.keys(ACTIONS).filter((a) => !actions.includes(a)),
    'matrix entries for actions that are gone',
  ).toEqual([]);
});

for (const [route, rule] of Object.entries(ROUTES)) {
  if ('internal' in rule) continue;
  test(`route ${route}`, async () => {
    for (const who of everyone) {
      const res = await sessions.get(who)!.get(rule.path, { maxRedirects: 0 });
      const status = res.status();
      const expected = rule.expect[who];
      const where = `${who} GET ${rule.path} → ${status}`;
      if (expected === 'ok') expect(status, where).toBe(200);
      else if (expected === 'signin') {
        expect(status, where).toBe(307);
        expect(res.headers().location, where).toMatch(/\/signin/);
      } else if (expected === 'redirect') {
        expect([303, 307], where).toContain(status);
        const location = res.headers().location;
        expect(location, where).toBeTruthy();
        const to = new URL(location!, E2E.baseUrl);
        expect(to.pathname + to.search, where).toBe(rule.redirectTo);
      } else if (expected === 'forbidden') expect(status, where).toBe(403);
      else if (expected === 'unauthorized') expect(status, where).toBe(401);
      else expect(status, where).toBe(404);
      checks++;
    }
  });
}

for (const [action, allowed] of Object.entries(ACTIONS)) {
  test(`action ${action}`, async () => {
    for (const who of everyone) {
      // Empty input: allowed roles get past the guard (and meet validation); others are refused.
      const res = await callAction(sessions.get(who)!, '/', action, {});
      const where = `${who} → ${action}`;
      expect(res.status, where).toBe(200);
      if (allowed.includes(who)) {
        expect(res.body, where).toMatch(/"ok":(true|false)/);
        expect(res.body, where).not.toMatch(/"code":"(not_signed_in|not_allowed|internal_error)"/);
        const past = WITHOUT_INPUT[action];
        if (past) expect(res.body, where).toMatch(past);
        else {
          expect(res.body, where).toContain('"ok":false');
          expect(res.body, where).toContain('"code":"invalid_input"');
        }
      } else if (who === 'anonymous' || who === 'disabled') {
        expect(res.body, where).toContain('"code":"not_signed_in"');
      } else {
        expect(res.body, where).toContain('"code":"not_allowed"');
      }
      checks++;
    }
  });
}
