import { type APIResponse, type Browser, expect, type Page, type Route, test } from '@playwright/test';
import { E2E } from './env';
import {
  apiSession,
  callAction,
  createUserViaUi,
  deleteRouterViaUi,
  rememberSecret,
  signInAsAdmin,
  signInOk,
  uniqueName,
} from './helpers';
import { startInstance, stopInstance } from './instances';
import { type SimProcess, startSimProcess } from './sim';

/**
 * The web knock through the real parts: the built app on PGlite, a simulated RouterOS in its own
 * process (checked over the real API), and Chromium.
 */
test.describe.configure({ mode: 'serial' });

let sim: SimProcess;
const routerName = `e2e-router-${Date.now().toString(36)}`;
const POLICY_SECONDS = 8 * 3600;

async function addRouterAndPolicy(page: Page) {
  await page.goto('/admin/routers');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add router' }) });
  await form.getByLabel('Name').fill(routerName);
  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(sim.apiPort));
  await form.getByLabel('API user').fill('admin');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('connection-result')).toContainText('may write');
  await form.getByRole('button', { name: 'Add router' }).click();
  await expect(page.getByText(`Router ${routerName} saved.`)).toBeVisible();

  await page.goto('/admin/policies');
  const policy = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create policy' }) });
  await policy.getByLabel('Name', { exact: true }).fill(`users on ${routerName}`);
  await policy.getByLabel('Applies to').selectOption('role:user');
  await policy.getByLabel('Default duration').fill('8h');
  await policy.getByLabel('Maximum duration').fill('1d');
  for (const box of await policy.getByRole('checkbox').all()) {
    const label = await box.evaluate((el) => el.parentElement?.textContent ?? '');
    if (label.includes(routerName)) await box.check();
    else if (!label.includes('Open access directly') && !label.includes('Signing in')) await box.uncheck();
  }
  await policy.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByText(`Policy users on ${routerName} saved.`)).toBeVisible();
}

test.beforeAll(async ({ browser }) => {
  sim = await startSimProcess();
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await addRouterAndPolicy(page);
  await page.close();
});

test.afterAll(async ({ browser }) => {
  // Later specs sign users in too; without the router their sign-in opens nothing.
  await deleteRouterViaUi(browser, routerName);
  await sim.stop();
});

const tagged = (comment: string | undefined) => /^knockgate:[0-9a-f-]{36}$/.test(comment ?? '');

test('sign in → the router lists the caller with the tag and the policy time; End access removes it', async ({
  browser,
}) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('knock');
  const password = await createUserViaUi(admin, name);

  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOk(page, name, password);

  const entries = (await sim.entries()).filter((e) => e.address === '127.0.0.1');
  expect(entries).toHaveLength(1);
  expect(tagged(entries[0]!.comment)).toBe(true);
  expect(entries[0]!.dynamic).toBe(true);
  expect(Math.abs(entries[0]!.timeoutSeconds! - POLICY_SECONDS)).toBeLessThanOrEqual(2);

  const row = page.getByTestId('grant-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row).toHaveAttribute('data-grant-id', entries[0]!.comment!.slice('knockgate:'.length));
  const first = await row.getByTestId('countdown').textContent();
  expect(first).toMatch(/^(7h 59m|8h 0m)$/);
  // The portal says what the router holds, read back: here, the entry and its time left.
  await expect(row.getByTestId('on-router')).toHaveAttribute('data-present', 'true');
  await expect(row.getByTestId('on-router')).toContainText(
    /The router lists this address \((7h 59m|8h 0m) left/,
  );

  // Someone removes the entry on the router: the portal says so, and the reconciler puts it back.
  await sim.client.remove('/ip/firewall/address-list', entries[0]!.id);
  await page.reload();
  await expect(page.getByTestId('grant-row').getByTestId('on-router')).toHaveAttribute(
    'data-present',
    'false',
  );
  await expect
    .poll(
      async () => (await sim.entries()).filter((e) => e.address === '127.0.0.1' && tagged(e.comment)).length,
      {
        timeout: 15_000,
      },
    )
    .toBe(1);
  await page.reload();
  await expect(page.getByTestId('grant-row').getByTestId('on-router')).toHaveAttribute(
    'data-present',
    'true',
  );

  // The admin's live view shows what the router holds, attributed to the user.
  await admin.goto('/admin/grants');
  const live = admin
    .getByTestId(`live-${routerName}`)
    .locator('[data-testid=live-entry][data-address="127.0.0.1"]');
  await expect(live).toHaveAttribute('data-kind', 'grant');
  await expect(live).toContainText(name);

  await row.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1')).toEqual([]);
  await context.close();
  await admin.close();
});

test('the metrics endpoint shows the counters moving after a knock', async ({ browser }) => {
  const scrape = async () => {
    const res = await fetch(`${E2E.baseUrl}/api/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const sum = (text: string, metric: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
      .reduce((acc, l) => acc + Number(l.split(' ').at(-1)), 0);
  const before = await scrape();
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('metrics');
  const password = await createUserViaUi(admin, name);
  await admin.close();
  const api = await apiSession(name, password);
  const { grants } = await (await api.get('/api/me/grants')).json();
  expect(grants).toHaveLength(1);
  const after = await scrape();
  expect(sum(after, 'knockgate_grants_opened_total')).toBe(sum(before, 'knockgate_grants_opened_total') + 1);
  expect(sum(after, 'knockgate_router_command_duration_seconds_count')).toBeGreaterThan(
    sum(before, 'knockgate_router_command_duration_seconds_count'),
  );
  expect(after).toMatch(/knockgate_grants_active\{[^}]*status="active"[^}]*\} [1-9]/);
  expect(after).toContain(`name="${routerName}"`);
  await callAction(api, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId: grants[0].id });
  await api.dispose();
});

test('over IPv6 ([::1]) the address goes to the IPv6 list', async ({ browser }) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('knock6');
  const password = await createUserViaUi(admin, name);
  await admin.close();

  const context = await browser.newContext({ baseURL: E2E.baseUrlV6 });
  const page = await context.newPage();
  await signInOk(page, name, password);
  await expect(page.getByTestId('client-address')).toHaveText('::1');
  const v6 = (await sim.entries('knockgate', 'ipv6')).filter((e) => e.address.startsWith('::1'));
  expect(v6).toHaveLength(1);
  expect(tagged(v6[0]!.comment)).toBe(true);
  expect((await sim.entries('knockgate', 'ip')).some((e) => e.address.includes(':'))).toBe(false);
  await page.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  expect((await sim.entries('knockgate', 'ipv6')).filter((e) => e.address.startsWith('::1'))).toEqual([]);
  await context.close();
});

test('X-Forwarded-For is ignored from an untrusted peer and honoured from a trusted proxy', async ({
  browser,
}) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const untrustedUser = uniqueName('xff-a');
  const pwA = await createUserViaUi(admin, untrustedUser);
  await admin.close();

  // This server trusts no proxy: a forged header changes nothing.
  const forged = { 'x-forwarded-for': '203.0.113.9' };
  const untrusted = await apiSession(untrustedUser, pwA, { baseURL: E2E.baseUrl, headers: forged });
  const mine = await (await untrusted.get('/api/me/grants')).json();
  expect(mine.address).toBe('127.0.0.1');
  expect(mine.grants.map((g: { address: string }) => g.address)).toEqual(['127.0.0.1']);
  expect((await sim.entries()).some((e) => e.address === '203.0.113.9')).toBe(false);
  for (const g of mine.grants) {
    await callAction(untrusted, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId: g.id });
  }
  await untrusted.dispose();

  // An instance behind a proxy on 127.0.0.1 (TRUSTED_PROXIES): the header names the client.
  const proxied = await startInstance({ TRUSTED_PROXIES: '127.0.0.1' });
  try {
    const adminApi = await apiSession(E2E.admin.username, E2E.admin.password, {
      baseURL: proxied.base,
      headers: { 'x-forwarded-for': '192.0.2.250' },
    });
    const router = await callAction(
      adminApi,
      `${proxied.base}/`,
      'app/(admin)/admin/routers/actions.ts#createRouterAction',
      {
        name: 'behind-proxy',
        host: '127.0.0.1',
        port: String(sim.apiPort),
        username: 'admin',
        password: '',
        ipv4List: 'knockgate',
        ipv6List: 'knockgate',
        fingerprint: '',
        enabled: 'on',
      },
    );
    const routerId = /"id":"([0-9a-f-]{36})"/.exec(router.body)![1]!;
    const policy = await callAction(
      adminApi,
      `${proxied.base}/`,
      'app/(admin)/admin/policies/actions.ts#savePolicyAction',
      {
        name: 'proxied users',
        subject: 'role:user',
        defaultDuration: '1h',
        maxDuration: '2h',
        directAccess: 'on',
        knockOnSignIn: 'on',
        targets: routerId,
      },
    );
    expect(policy.body).toContain('"ok":true');
    const name = uniqueName('xff-b');
    const created = await callAction(
      adminApi,
      `${proxied.base}/`,
      'app/(admin)/admin/users/actions.ts#createUserAction',
      {
        username: name,
        role: 'user',
        email: '',
        password: 'proxied-password-0123',
      },
    );
    expect(created.body).toContain('"ok":true');
    rememberSecret('proxied-password-0123');

    const viaProxy = await apiSession(name, 'proxied-password-0123', {
      baseURL: proxied.base,
      headers: forged,
    });
    const theirs = await (await viaProxy.get('/api/me/grants')).json();
    expect(theirs.address).toBe('203.0.113.9');
    expect((await sim.entries()).filter((e) => e.address === '203.0.113.9')).toHaveLength(1);
    for (const g of theirs.grants) {
      const res = await callAction(viaProxy, `${proxied.base}/`, 'app/(portal)/actions.ts#endAccessAction', {
        grantId: g.id,
      });
      expect(res.body).toContain('"ok":true');
    }
    expect((await sim.entries()).filter((e) => e.address === '203.0.113.9')).toEqual([]);

    // The proxy forgot the header: the address is unknown and nothing opens (never the proxy's own).
    const bare = await apiSession(name, 'proxied-password-0123', { baseURL: proxied.base });
    const unknown = await (await bare.get('/api/me/grants')).json();
    expect(unknown.address).toBeNull();
    expect((await sim.entries()).some((e) => e.address === '127.0.0.1')).toBe(false);
    await bare.dispose();
    await viaProxy.dispose();
    await adminApi.dispose();
  } finally {
    await stopInstance(proxied);
  }
});

test("a user cannot end another user's grant nor use admin actions and routes (HTTP level)", async ({
  browser,
}) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const owner = uniqueName('own');
  const other = uniqueName('oth');
  const pwOwner = await createUserViaUi(admin, owner);
  const pwOther = await createUserViaUi(admin, other);
  await admin.close();

  const ownerApi = await apiSession(owner, pwOwner);
  const { grants } = await (await ownerApi.get('/api/me/grants')).json();
  expect(grants).toHaveLength(1);
  const grantId = grants[0].id as string;

  // The other user signs in over IPv6, so their own knock does not share the owner's entry.
  const otherApi = await apiSession(other, pwOther, { baseURL: E2E.baseUrlV6 });
  const end = await callAction(otherApi, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId });
  expect(end.body).toContain('"code":"not_found"');
  const revoke = await callAction(
    otherApi,
    '/admin/grants',
    'app/(admin)/admin/grants/actions.ts#revokeGrantAction',
    {
      grantId,
    },
  );
  expect(revoke.body).toContain('"code":"not_allowed"');
  const extend = await callAction(otherApi, '/', 'app/(portal)/actions.ts#extendAccessAction', { grantId });
  expect(extend.body).toContain('"code":"not_found"');
  expect((await otherApi.get('/api/admin/grants/live')).status()).toBe(403);
  expect((await (await apiSession()).get('/api/admin/grants/live')).status()).toBe(401);
  // Still there, still the owner's.
  expect((await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`)).toHaveLength(1);

  const own = await callAction(ownerApi, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId });
  expect(own.body).toContain('"ok":true');
  expect((await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`)).toEqual([]);
  for (const g of (await (await otherApi.get('/api/me/grants')).json()).grants) {
    await callAction(otherApi, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId: g.id });
  }
  await ownerApi.dispose();
  await otherApi.dispose();
});

test('router down at sign-in: the portal says "waiting for router", then "open" once it answers', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('down');
  const password = await createUserViaUi(admin, name);
  await admin.close();

  await sim.admin({ op: 'faults', set: { refuseConnections: true } });
  await sim.admin({ op: 'reboot', downMs: 0 });
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOk(page, name, password);
  const row = page.getByTestId('grant-row');
  await expect(row).toHaveAttribute('data-status', 'pending');
  await expect(row).toContainText('Waiting for router');
  expect(await sim.entries().catch(() => null)).toBeNull(); // the router really is unreachable

  await sim.admin({ op: 'reset-faults' });
  await expect(row).toHaveAttribute('data-status', 'active', { timeout: 45_000 });
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1' && tagged(e.comment))).toHaveLength(1);
  await row.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  await context.close();
});

/** A signed-in user with an open grant (the sign-in knock), on a page of their own. */
async function userWithGrant(browser: Browser, prefix: string) {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName(prefix);
  const password = await createUserViaUi(admin, name);
  await admin.close();
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOk(page, name, password);
  const row = page.getByTestId('grant-row');
  await expect(row).toHaveAttribute('data-status', 'active');
  return { name, context, page, row };
}

test('a slow read that started before "End access" cannot bring the ended grant back', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const { context, page, row } = await userWithGrant(browser, 'stale');
  // Hold the portal's next read: answered by the server now (the grant still open), delivered
  // to the page only after the person has ended the grant — a slow router read, exactly.
  let held: { route: Route; response: APIResponse } | undefined;
  let onHeld = () => {};
  const heldRead = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  await page.route('**/api/me/grants', async (route) => {
    if (held) return route.continue();
    held = { route, response: await route.fetch() };
    onHeld();
  });
  await heldRead;
  expect((await held!.response.json()).grants.some((g: { status: string }) => g.status === 'active')).toBe(
    true,
  );

  await row.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  const delivered = page.waitForEvent('requestfinished', (r) => r.url().endsWith('/api/me/grants'));
  await held!.route.fulfill({ response: held!.response });
  await delivered;
  // Let the page take the answer in (two frames), then look: the ended grant stays ended.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await expect(page.getByTestId('grant-row')).toHaveCount(0);
  await expect(page.getByTestId('no-grants')).toBeVisible();
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1' && tagged(e.comment))).toEqual([]);
  await context.close();
});

test('Extend while the router is unreachable says the router has not confirmed the new time', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const { context, page, row } = await userWithGrant(browser, 'extdown');
  await sim.admin({ op: 'faults', set: { refuseConnections: true } });
  await sim.admin({ op: 'reboot', downMs: 0 });
  try {
    await row.getByRole('button', { name: 'Extend' }).click();
    await expect(row.getByTestId('extend-unconfirmed')).toContainText('did not confirm');
    // The retry the worker makes is shown on the row too, while the grant stays open.
    await expect(row).toContainText('retrying');
    await expect(row).toHaveAttribute('data-status', 'active');
  } finally {
    await sim.admin({ op: 'reset-faults' });
  }
  // Once the router answers, the retry goes through and the warning about it goes away.
  await expect(row).not.toContainText('retrying', { timeout: 45_000 });
  await row.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  await context.close();
});

test('the portal says when the session has ended instead of counting down stale data', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const { context, page, row } = await userWithGrant(browser, 'ended');
  const grantId = (await row.getAttribute('data-grant-id'))!;
  await context.clearCookies();
  await expect(page.getByTestId('session-ended')).toBeVisible({ timeout: 20_000 });
  await expect(
    page.getByTestId('session-ended').getByRole('link', { name: 'Sign in again' }),
  ).toHaveAttribute('href', '/signin?next=%2F');
  await context.close();
  // Losing the session ends no access: an admin ends the grant, so the next tests start clean.
  const api = await apiSession(E2E.admin.username, E2E.admin.password);
  const revoked = await callAction(
    api,
    '/admin/grants',
    'app/(admin)/admin/grants/actions.ts#revokeGrantAction',
    {
      grantId,
    },
  );
  expect(revoked.body).toContain('"ok":true');
  await api.dispose();
});

test('an action whose request never comes back shows a page error with "Try again", not a blank page', async ({
  browser,
}) => {
  const { context, page } = await userWithGrant(browser, 'neterr');
  await page.route('**/*', (route) =>
    route.request().method() === 'POST' && route.request().headers()['next-action']
      ? route.abort('connectionreset')
      : route.continue(),
  );
  await page.getByTestId('grant-row').getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('page-error')).toBeVisible();
  await page.unroute('**/*');
  await page.getByRole('button', { name: 'Try again' }).click();
  const row = page.getByTestId('grant-row');
  await expect(row).toHaveAttribute('data-status', 'active');
  await row.getByRole('button', { name: 'End access' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  await context.close();
});

test('an admin is asked before revoking a grant: cancelled changes nothing, confirmed ends it', async ({
  browser,
}) => {
  const { name, context, page } = await userWithGrant(browser, 'revokeq');
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  await admin.goto('/admin/grants');
  const live = admin
    .getByTestId(`live-${routerName}`)
    .locator('[data-testid=live-entry][data-address="127.0.0.1"]');
  await expect(live).toContainText(name);
  const asked: string[] = [];
  admin.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await live.getByRole('button', { name: 'Revoke' }).click();
  expect(asked[0]).toContain(name);
  expect(asked[0]).toContain('127.0.0.1');
  await page.reload();
  await expect(page.getByTestId('grant-row')).toHaveAttribute('data-status', 'active');

  admin.once('dialog', (d) => void d.accept());
  await live.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(async () => (await sim.entries()).filter((e) => e.address === '127.0.0.1' && tagged(e.comment)))
    .toEqual([]);
  await admin.close();
  await context.close();
});
