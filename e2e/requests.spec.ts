import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { E2E } from './env';
import {
  addRouterViaUi,
  apiSession,
  callAction,
  createUserViaUi,
  deleteRouterViaUi,
  rememberSecret,
  signInAsAdmin,
  signInOk,
  uniqueName,
} from './helpers';
import { type SimProcess, startSimProcess } from './sim';

/**
 * Temporary access on request (issue 5) through the real parts: the built app on PGlite, a
 * simulated RouterOS in its own process (read back over the real API), Chromium, and a webhook
 * receiver on loopback.
 */
test.describe.configure({ mode: 'serial' });

let sim: SimProcess;
const routerName = `req-router-${Date.now().toString(36)}`;
const requester = { name: uniqueName('alice'), password: '' };
const approver = { name: uniqueName('bob'), password: '' };
const selfish = { name: uniqueName('carol'), password: '' };
const plain = { name: uniqueName('dave'), password: '' };
const REASON = 'Restoring the backup server tonight';

const REQUEST_ACTION = 'app/(portal)/requests/actions.ts#createRequestAction';
const APPROVE_ACTION = 'app/(admin)/admin/approvals/actions.ts#approveRequestAction';
const DENY_ACTION = 'app/(admin)/admin/approvals/actions.ts#denyRequestAction';
const tagOf = (comment: string | undefined) => /^knockgate:([0-9a-f-]{36})$/.exec(comment ?? '')?.[1];

/** A request-only policy for one user: this router, at most 4 h. */
async function requestOnlyPolicy(page: Page, username: string) {
  await page.goto('/admin/policies');
  const policy = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create policy' }) });
  await policy.getByLabel('Name', { exact: true }).fill(`requests for ${username}`);
  await policy.getByLabel('Applies to').selectOption({ label: username });
  await policy.getByLabel('Default duration').fill('1h');
  await policy.getByLabel('Maximum duration').fill('4h');
  for (const box of await policy.getByRole('checkbox').all()) {
    const label = await box.evaluate((el) => el.parentElement?.textContent ?? '');
    if (label.includes(routerName)) await box.check();
    else await box.uncheck();
  }
  await policy.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByText(`Policy requests for ${username} saved.`)).toBeVisible();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  sim = await startSimProcess();
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await addRouterViaUi(page, routerName, sim.apiPort);
  requester.password = await createUserViaUi(page, requester.name, 'user');
  approver.password = await createUserViaUi(page, approver.name, 'approver');
  selfish.password = await createUserViaUi(page, selfish.name, 'approver');
  plain.password = await createUserViaUi(page, plain.name, 'user');
  await requestOnlyPolicy(page, requester.name);
  await requestOnlyPolicy(page, selfish.name);
  await page.close();
});

test.afterAll(async ({ browser }) => {
  await deleteRouterViaUi(browser, routerName);
  await sim.stop();
});

async function signedIn(browser: Browser, who: { name: string; password: string }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOk(page, who.name, who.password);
  return { context, page };
}

async function sendRequest(page: Page, duration: string, reason = REASON) {
  await page.goto('/requests');
  const form = page.getByTestId('request-form');
  await form.getByLabel('For how long').fill(duration);
  await form.getByLabel('Why').fill(reason);
  await form.getByRole('button', { name: 'Send request' }).click();
}

/** Ends every live grant of a session through the portal's own action (cleanup). */
async function endGrants(api: APIRequestContext) {
  for (const g of (await (await api.get('/api/me/grants')).json()).grants) {
    await callAction(api, '/', 'app/(portal)/actions.ts#endAccessAction', { grantId: g.id });
  }
}

test('acceptance 1: A asks 2 h with a reason; B sees it live and approves 1 h; the router holds it; A sees "approved by B, 1 h"', async ({
  browser,
}) => {
  const b = await signedIn(browser, approver);
  await b.page.goto('/admin/approvals');
  await expect(b.page.getByTestId('queue-count')).toBeVisible();

  const a = await signedIn(browser, requester);
  // Request-only: signing in opened nothing.
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1')).toEqual([]);
  await a.page.goto('/requests');
  const form = a.page.getByTestId('request-form');
  await expect(form.getByLabel('Address')).toHaveValue('127.0.0.1');
  await expect(form).toContainText('At most 4 h');
  await sendRequest(a.page, '2h');
  const row = a.page.getByTestId('request-row').first();
  await expect(row).toHaveAttribute('data-status', 'pending');
  await expect(row).toContainText('Asked for 2 h');

  // B's open page shows it without a reload: who, from where, what, how long, why.
  const item = b.page.locator(`[data-testid=queue-item][data-requester="${requester.name}"]`);
  await expect(item).toBeVisible({ timeout: 15_000 });
  await expect(item).toContainText('from 127.0.0.1');
  await expect(item.getByTestId('queue-duration')).toHaveText('2 h');
  await expect(item).toContainText(REASON);
  await expect(item.getByTestId('queue-recent-grants')).toContainText('No grants in the last 30 days');
  await expect(b.page.getByTestId('pending-badge')).toBeVisible();

  await item.getByLabel('Approve for').fill('1h');
  await item.getByRole('button', { name: 'Approve' }).click();
  await expect(b.page.getByTestId('decision-result')).toContainText(`${routerName} › knockgate: open`);
  await expect(item).toHaveCount(0);

  const entries = (await sim.entries()).filter((e) => e.address === '127.0.0.1');
  expect(entries).toHaveLength(1);
  expect(tagOf(entries[0]!.comment)).toBeTruthy();
  expect(entries[0]!.dynamic).toBe(true);
  expect(Math.abs(entries[0]!.timeoutSeconds! - 3600)).toBeLessThanOrEqual(5);

  // A's page turns without a reload.
  await expect(row).toHaveAttribute('data-status', 'approved', { timeout: 15_000 });
  await expect(row.getByTestId('request-decision')).toContainText(`Approved by ${approver.name}, 1 h`);
  const grant = row.getByTestId('request-grant');
  await expect(grant).toHaveAttribute('data-status', 'active');
  // The portal lists the grant the approval opened, with its tag.
  const mine = await (await a.context.request.get('/api/me/grants')).json();
  expect(mine.grants.map((g: { id: string; source: string }) => [g.id, g.source])).toContainEqual([
    tagOf(entries[0]!.comment),
    'request',
  ]);
  await endGrants(a.context.request);
  await a.context.close();
  await b.context.close();
});

test('acceptance 2: no self-approval and no approval by a user, checked over HTTP', async ({ browser }) => {
  const selfApi = await apiSession(selfish.name, selfish.password);
  const created = await callAction(selfApi, '/requests', REQUEST_ACTION, {
    target: 'any',
    address: '',
    duration: '1h',
    reason: 'My own access, please',
  });
  expect(created.body).toContain('"ok":true');
  const requestId = /"id":"([0-9a-f-]{36})"/.exec(created.body)![1]!;

  // The requester is an approver, yet their own request is refused by the server.
  const own = await callAction(selfApi, '/admin/approvals', APPROVE_ACTION, {
    requestId,
    duration: '',
    note: '',
  });
  expect(own.body).toContain('"code":"own_request"');
  const ownDeny = await callAction(selfApi, '/admin/approvals', DENY_ACTION, { requestId, note: '' });
  expect(ownDeny.body).toContain('"code":"own_request"');
  // A plain user approves nobody's; anonymous callers are not signed in.
  const userApi = await apiSession(plain.name, plain.password);
  const byUser = await callAction(userApi, '/admin/approvals', APPROVE_ACTION, {
    requestId,
    duration: '',
    note: '',
  });
  expect(byUser.body).toContain('"code":"not_allowed"');
  const anon = await apiSession();
  const byAnon = await callAction(anon, '/admin/approvals', APPROVE_ACTION, {
    requestId,
    duration: '',
    note: '',
  });
  expect(byAnon.body).toContain('"code":"not_signed_in"');
  // Routes: 401 anonymous, 403 for a user (and the audit export for a non-admin).
  expect((await anon.get('/api/admin/requests')).status()).toBe(401);
  expect((await userApi.get('/api/admin/requests')).status()).toBe(403);
  expect((await userApi.get('/api/admin/requests/count')).status()).toBe(403);
  expect((await selfApi.get('/api/admin/audit/export?format=csv')).status()).toBe(403);
  expect((await anon.get('/api/admin/audit/export?format=csv')).status()).toBe(401);
  expect((await anon.get('/api/me/requests')).status()).toBe(401);
  expect((await userApi.get('/admin/approvals')).status()).toBe(403);
  expect((await userApi.get('/admin/audit')).status()).toBe(403);
  expect((await selfApi.get('/admin/audit')).status()).toBe(403);

  // Still pending, nothing on the router for it; the approver's page shows it as theirs, without buttons.
  const mine = await (await selfApi.get('/api/me/requests')).json();
  expect(mine.requests.find((r: { id: string }) => r.id === requestId).status).toBe('pending');
  const page = (await signedIn(browser, selfish)).page;
  await page.goto('/admin/approvals');
  const item = page.locator(`[data-testid=queue-item][data-request-id="${requestId}"]`);
  await expect(item).toContainText('Your own request');
  await expect(item.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  // Another approver may; the user's own cancel is refused for someone else's request.
  const cancelByOther = await callAction(
    userApi,
    '/requests',
    'app/(portal)/requests/actions.ts#cancelRequestAction',
    {
      requestId,
    },
  );
  expect(cancelByOther.body).toContain('"code":"not_found"');
  const bApi = await apiSession(approver.name, approver.password);
  const denied = await callAction(bApi, '/admin/approvals', DENY_ACTION, { requestId, note: 'Use the VPN' });
  expect(denied.body).toContain('"ok":true');
  for (const api of [selfApi, userApi, anon, bApi]) await api.dispose();
  await page.context().close();
});

test('acceptance 5: too long is shown before sending and refused with a field error; a short reason too; nothing is sent', async ({
  browser,
}) => {
  const a = await signedIn(browser, requester);
  await a.page.goto('/requests');
  const before = await a.page.getByTestId('request-row').count();
  const form = a.page.getByTestId('request-form');
  await form.getByLabel('For how long').fill('5h');
  await expect(a.page.getByTestId('duration-preview')).toContainText(
    "longer than your policy's maximum of 4 h",
  );
  await form.getByLabel('For how long').fill('90m');
  await expect(a.page.getByTestId('duration-preview')).toHaveText('You ask for 1 h 30 min.');
  await form.getByLabel('For how long').fill('5h');
  await form.getByLabel('Why').fill(REASON);
  await form.getByRole('button', { name: 'Send request' }).click();
  await expect(form.getByText("At most 4h (your policy's maximum).")).toBeVisible();
  await expect(form.getByLabel('For how long')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Why')).toHaveValue(REASON);

  await form.getByLabel('For how long').fill('1h');
  await form.getByLabel('Why').fill('please');
  await form.getByRole('button', { name: 'Send request' }).click();
  await expect(form.getByText('Say why you need access in at least 10 characters.')).toBeVisible();
  await form.getByLabel('Why').fill('');
  await form.getByRole('button', { name: 'Send request' }).click();
  await expect(form.getByText('Say why you need access in at least 10 characters.')).toBeVisible();

  // The same over HTTP: a clear code, never a 500, nothing written.
  const api = a.context.request;
  const tooLong = await callAction(api, '/requests', REQUEST_ACTION, {
    target: 'any',
    address: '',
    duration: '1d',
    reason: REASON,
  });
  expect(tooLong.status).toBe(200);
  expect(tooLong.body).toContain('"code":"duration_too_long"');
  const junk = await callAction(api, '/requests', REQUEST_ACTION, {
    target: 'nowhere',
    address: '10.0.0.999',
    duration: 'soon',
    reason: '',
  });
  expect(junk.status).toBe(200);
  expect(junk.body).toContain('"code":"invalid_input"');
  await a.page.reload();
  await expect(a.page.getByTestId('request-row')).toHaveCount(before);
  await a.context.close();
});

test('deny with a note, and cancel while pending: the requester sees both', async ({ browser }) => {
  const a = await signedIn(browser, requester);
  await sendRequest(a.page, '30m', 'Quick look at the router logs');
  const row = a.page.getByTestId('request-row').first();
  await expect(row).toHaveAttribute('data-status', 'pending');

  const b = await signedIn(browser, approver);
  await b.page.goto('/admin/approvals');
  const item = b.page.locator(`[data-testid=queue-item][data-requester="${requester.name}"]`);
  await item.getByLabel('Note (optional)').fill('Not during the change freeze');
  await item.getByRole('button', { name: 'Deny' }).click();
  await expect(b.page.getByTestId('decision-result')).toContainText('Denied.');
  await expect(
    b.page
      .locator('[data-testid=recent-decision][data-status=denied]')
      .filter({ hasText: requester.name })
      .first(),
  ).toContainText('Not during the change freeze');

  await expect(row).toHaveAttribute('data-status', 'denied', { timeout: 15_000 });
  await expect(row).toContainText(`Denied by ${approver.name}`);
  await expect(row).toContainText('Note: Not during the change freeze');

  await sendRequest(a.page, '15m', 'Changed my mind about this one');
  const second = a.page.getByTestId('request-row').first();
  await expect(second).toHaveAttribute('data-status', 'pending');
  await second.getByRole('button', { name: 'Cancel request' }).click();
  await expect(second).toHaveAttribute('data-status', 'cancelled');
  await b.page.reload();
  await expect(b.page.locator(`[data-testid=queue-item][data-requester="${requester.name}"]`)).toHaveCount(0);
  await a.context.close();
  await b.context.close();
});

test('router down at approval: the grant shows as waiting, never as done, then opens', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const a = await signedIn(browser, requester);
  await sendRequest(a.page, '1h');
  const row = a.page.getByTestId('request-row').first();
  await expect(row).toHaveAttribute('data-status', 'pending');

  await sim.admin({ op: 'faults', set: { refuseConnections: true } });
  await sim.admin({ op: 'reboot', downMs: 0 });
  try {
    const b = await signedIn(browser, approver);
    await b.page.goto('/admin/approvals');
    const item = b.page.locator(`[data-testid=queue-item][data-requester="${requester.name}"]`);
    await item.getByRole('button', { name: 'Approve' }).click();
    const result = b.page.getByTestId('decision-result');
    await expect(result).toHaveAttribute('data-state', 'pending');
    await expect(result).toContainText('the router did not answer yet');
    await expect(row.getByTestId('request-grant')).toHaveAttribute('data-status', 'pending', {
      timeout: 15_000,
    });
    await expect(row.getByTestId('request-grant')).toContainText('waiting for the router');
    await b.context.close();
  } finally {
    await sim.admin({ op: 'reset-faults' });
  }
  await expect(row.getByTestId('request-grant')).toHaveAttribute('data-status', 'active', {
    timeout: 45_000,
  });
  const entries = (await sim.entries()).filter((e) => e.address === '127.0.0.1' && tagOf(e.comment));
  expect(entries).toHaveLength(1);
  await endGrants(a.context.request);
  await a.context.close();
});

test('acceptance 7: the webhook set in the admin UI signs with the secret shown once; the receiver verifies it', async ({
  browser,
}) => {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer = 204;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
  const admin = await browser.newPage();
  try {
    await signInAsAdmin(admin);
    await admin.goto('/admin/approvals');
    const hook = admin.getByTestId('webhook');
    await hook.getByLabel('Endpoint URL').fill(url);
    await hook.getByLabel('Send messages').check();
    await hook.getByLabel('Make a new secret').check();
    await hook.getByRole('button', { name: 'Save webhook' }).click();
    const secret = (await admin.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(40);
    rememberSecret(secret);
    await hook.getByRole('button', { name: 'Send a test message' }).click();
    await expect(admin.getByTestId('webhook-test-result')).toHaveText('The endpoint answered HTTP 204.');

    const a = await signedIn(browser, requester);
    await sendRequest(a.page, '20m', 'Webhook check from the e2e suite');
    await expect(a.page.getByTestId('request-row').first()).toHaveAttribute('data-status', 'pending');
    await expect
      .poll(() => received.filter((r) => r.headers['x-knockgate-event'] === 'request.created').length, {
        timeout: 15_000,
      })
      .toBe(1);
    const delivery = received.find((r) => r.headers['x-knockgate-event'] === 'request.created')!;
    // The receiver's check from docs/requests.md.
    const expected = createHmac('sha256', secret)
      .update(`${delivery.headers['x-knockgate-timestamp']}.${delivery.body}`)
      .digest('hex');
    expect(delivery.headers['x-knockgate-signature']).toBe(`sha256=${expected}`);
    const payload = JSON.parse(delivery.body);
    expect(payload).toMatchObject({
      event: 'request.created',
      request: {
        requester: requester.name,
        requestedSeconds: 1200,
        reason: 'Webhook check from the e2e suite',
      },
    });
    // The admin sees the delivery on the page. Then the receiver refuses (400: not retried), and
    // the admin sends the given-up delivery again once it is fixed — under the same delivery id.
    await admin.reload();
    const created = admin.locator(`[data-testid=webhook-delivery][data-id="${payload.deliveryId}"]`);
    await expect(created).toHaveAttribute('data-status', 'delivered');
    await expect(created).toContainText('request.created');
    await expect(created).toContainText('HTTP 204');
    answer = 400;
    await a.page.getByTestId('request-row').first().getByRole('button', { name: 'Cancel request' }).click();
    await expect(a.page.getByTestId('request-row').first()).toHaveAttribute('data-status', 'cancelled');
    await a.context.close();
    await expect
      .poll(() => received.filter((r) => r.headers['x-knockgate-event'] === 'request.cancelled').length, {
        timeout: 15_000,
      })
      .toBe(1);
    const cancelledId = String(
      received.find((r) => r.headers['x-knockgate-event'] === 'request.cancelled')!.headers[
        'x-knockgate-delivery'
      ],
    );
    const cancelled = admin.locator(`[data-testid=webhook-delivery][data-id="${cancelledId}"]`);
    await expect
      .poll(
        async () => {
          await admin.reload();
          return cancelled.getAttribute('data-status');
        },
        { timeout: 15_000 },
      )
      .toBe('failed');
    await expect(cancelled).toContainText('HTTP 400');
    answer = 204;
    await cancelled.getByRole('button', { name: 'Send again' }).click();
    await expect
      .poll(
        async () => {
          await admin.reload();
          return cancelled.getAttribute('data-status');
        },
        { timeout: 15_000 },
      )
      .toBe('delivered');
    expect(
      received
        .filter((r) => r.headers['x-knockgate-delivery'] === cancelledId)
        .map((r) => r.headers['x-knockgate-event']),
    ).toEqual(['request.cancelled', 'request.cancelled']);

    // Clean up: switch the webhook off.
    await admin.reload();
    await admin.getByTestId('webhook').getByLabel('Send messages').uncheck();
    await admin.getByTestId('webhook').getByRole('button', { name: 'Save webhook' }).click();
    await expect(admin.getByText('Webhook saved.')).toBeVisible();
  } finally {
    await admin.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('audit: filter by user and action, export streams CSV and JSON; the dashboard plots the activity', async ({
  browser,
}) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  await admin.goto(`/admin/audit?user=${requester.name}&action=request.*`);
  const rows = admin.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  expect(new Set(actions)).toEqual(
    new Set(['request.create', 'request.approve', 'request.deny', 'request.cancel']),
  );
  await admin.goto(`/admin/audit?user=${requester.name}&action=auth.sign_in`);
  await expect(rows.first()).toHaveAttribute('data-actor', requester.name);

  // A bad filter is a field error on the page and a 400 from the export, never a 500.
  await admin.goto('/admin/audit?from=yesterday');
  await expect(admin.getByText('Use a date and time like 2026-11-26T14:30 (UTC).')).toBeVisible();
  const api = await apiSession(E2E.admin.username, E2E.admin.password);
  expect((await api.get('/api/admin/audit/export?from=yesterday')).status()).toBe(400);
  expect((await api.get('/api/admin/audit/export?format=xml')).status()).toBe(400);

  const csv = await api.get(`/api/admin/audit/export?format=csv&user=${requester.name}&action=request.*`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="knockgate-audit-.*\.csv"$/);
  // Streamed: no length known up front.
  expect(csv.headers()['content-length']).toBeUndefined();
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toBe(
    'id,at,actor,actor_user_id,client_address,action,target_type,target_id,target,details',
  );
  expect(lines.some((l) => l.includes(',request.approve,') && l.includes(approver.name))).toBe(true);
  const json = await (await api.get(`/api/admin/audit/export?format=json&action=request.approve`)).json();
  expect(json.length).toBeGreaterThanOrEqual(2);
  expect(json[0]).toMatchObject({ action: 'request.approve', targetType: 'access_request' });
  // The export itself is on the record.
  await admin.goto('/admin/audit?action=audit.export');
  await expect(rows.first()).toHaveAttribute('data-actor', E2E.admin.username);
  await api.dispose();

  await admin.goto('/admin');
  await expect(admin.getByTestId('activity-opened')).toBeVisible();
  expect(Number(await admin.getByTestId('stat-opened').textContent())).toBeGreaterThanOrEqual(2);
  expect(
    await admin.locator('[data-testid=activity-opened] rect[data-count]').count(),
  ).toBeGreaterThanOrEqual(1);
  await expect(admin.locator(`[data-testid=activity-router][data-router="${routerName}"]`)).toBeVisible();
  await expect(
    admin.locator(`[data-testid=activity-active] polyline[data-router="${routerName}"]`),
  ).toHaveCount(1);
  await admin.close();
});
