import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, expect, type Page, request, test } from '@playwright/test';
import { ddclientConfig, inadynConfig } from '@/lib/ddns/client-configs';
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
 * Dynamic-DNS knocking through the real parts: the built app on PGlite, a simulated RouterOS in
 * its own process (read back over the real API, its resolver set through the admin socket), the
 * Debian ddclient and inadyn binaries talking DynDNS2 to /nic/update on loopback, and Chromium.
 * Clients run one-shot in the foreground with their configuration and caches in a temp dir.
 */
// Not serial: one failing acceptance test must not hide the others. Each test sets up what it
// needs (its own device) on the router and user made in beforeAll.

const DDCLIENT = '/usr/bin/ddclient';
const INADYN = '/usr/sbin/inadyn';
const SUFFIX = 'dyn.example.net';
const HOME = `home.${SUFFIX}`;

let sim: SimProcess;
let tmp: string;
const routerName = `ddns-router-${Date.now().toString(36)}`;
const owner = { name: uniqueName('ddns'), password: '', id: '' };

const tagged = (comment: string | undefined) => /^knockgate:[0-9a-f-]{36}$/.test(comment ?? '');
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

async function listed(address: string, family: 'ip' | 'ipv6' = 'ip') {
  return (await sim.entries('knockgate', family)).filter(
    (e) => e.address === address || e.address === `${address}/128`,
  );
}

/** One DynDNS2 request as a client sends it (plain HTTP on loopback). */
async function nicUpdate(query: string, authorization: string | null, baseURL = E2E.baseUrl) {
  const api = await request.newContext({ baseURL });
  try {
    const res = await api.get(`/nic/update?${query}`, {
      headers: authorization ? { authorization } : {},
      maxRedirects: 0,
    });
    return { status: res.status(), body: await res.text(), type: res.headers()['content-type'] ?? '' };
  } finally {
    await api.dispose();
  }
}

/** One HTTP/1.1 request on a raw socket, the answer exactly as it comes on the wire. */
function rawHttp11(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(E2E.port, '127.0.0.1');
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('connect', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${E2E.port}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: 60_000,
        cwd: tmp,
        env: { NODE_ENV: 'test', PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp },
      },
      (error: (Error & { code?: unknown }) | null, stdout: string, stderr: string) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** An executable that prints one address: how the clients learn "their" address offline. */
function addressCommand(name: string, address: string): string {
  const file = path.join(tmp, `${name}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\necho ${address}\n`, { mode: 0o700 });
  return file;
}

async function addDeviceViaUi(page: Page, name: string): Promise<string> {
  await page.goto('/devices');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add device' }) });
  await form.getByLabel('Device name').fill(name);
  await form.getByRole('button', { name: 'Add device' }).click();
  const token = (await page.getByTestId('device-token').textContent())?.trim() ?? '';
  expect(token.length).toBeGreaterThanOrEqual(43);
  rememberSecret(token);
  await expect(page.getByTestId(`device-${name}`)).toBeVisible();
  return token;
}

async function setUp(browser: Browser) {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await addRouterViaUi(page, routerName, sim.apiPort);

  owner.password = await createUserViaUi(page, owner.name);
  owner.id =
    (await page
      .getByTestId(`user-row-${owner.name}`)
      .locator('input[name=userId]')
      .first()
      .getAttribute('value')) ?? '';
  expect(owner.id).toMatch(/^[0-9a-f-]{36}$/);

  await page.goto('/admin/policies');
  const routerId = await page
    .locator('form')
    .filter({ has: page.getByRole('button', { name: 'Create policy' }) })
    .locator('label', { hasText: routerName })
    .locator('input[name=targets]')
    .getAttribute('value');
  // The policy is saved through the admin's own server action over HTTP, with the host-name and
  // device settings this area needs.
  const admin = await apiSession(E2E.admin.username, E2E.admin.password);
  const saved = await callAction(
    admin,
    '/admin/policies',
    'app/(admin)/admin/policies/actions.ts#savePolicyAction',
    {
      name: `ddns for ${owner.name}`,
      subject: `user:${owner.id}`,
      defaultDuration: '1h',
      maxDuration: '8h',
      targets: routerId ?? '',
      directAccess: 'on',
      knockOnSignIn: '',
      allowHostnames: 'on',
      hostnameSuffixes: SUFFIX,
      allowDevices: 'on',
    },
  );
  expect(saved.body).toContain('"ok":true');
  await admin.dispose();
  await page.close();
}

test.beforeAll(async ({ browser }) => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knockgate-ddns-'));
  sim = await startSimProcess(['--dns', `${HOME}=198.51.100.200`, '--dns-refresh-ms', '0']);
  await setUp(browser);
});

test.afterAll(async ({ browser }) => {
  await deleteRouterViaUi(browser, routerName);
  await sim.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function ownerPage(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOk(page, owner.name, owner.password);
  return { context, page };
}

test('Portal › Devices: a token is shown once with ready configurations; reloading does not show it again', async ({
  browser,
}) => {
  const { context, page } = await ownerPage(browser);
  const name = `laptop.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);
  await page.getByText('Configuration for ddclient').click();
  const ddclient = await page.getByTestId('config-ddclient').textContent();
  expect(ddclient).toContain(`password='${token}'`);
  expect(ddclient).toContain(`server=127.0.0.1:${E2E.port}`);
  expect(ddclient).toContain(`use=web, web=${E2E.baseUrl}/nic/checkip`);
  await page.reload();
  await expect(page.getByTestId(`device-${name}`)).toBeVisible();
  await expect(page.getByTestId('device-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  // A name that is taken, or not a host name, is a field error.
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add device' }) });
  await form.getByLabel('Device name').fill(name);
  await form.getByRole('button', { name: 'Add device' }).click();
  await expect(form.getByRole('alert')).toContainText('That name is taken');
  await form.getByLabel('Device name').fill('not a name');
  await form.getByRole('button', { name: 'Add device' }).click();
  await expect(form.getByRole('alert')).toContainText('letters, digits, hyphens and dots');
  await context.close();
});

test('acceptance 1: the real ddclient (dyndns2, no TLS, use=cmd) puts its IP on the list, then moves it', async ({
  browser,
}) => {
  expect(fs.existsSync(DDCLIENT), `${DDCLIENT} is missing: install the Debian package "ddclient"`).toBe(true);
  // ddclient 3.10 reads the answer without decoding chunked transfer encoding.
  const framing = await rawHttp11('/nic/update?hostname=x');
  expect(
    framing,
    '/nic/ answers must carry a Content-Length: the HTTP front calls frameWithContentLength (lib/ddns/framing.ts) for /nic/ paths',
  ).not.toMatch(/transfer-encoding: chunked/i);
  const { context, page } = await ownerPage(browser);
  const name = `ddclient.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);

  const runDdclient = async (address: string) => {
    const config = path.join(tmp, 'ddclient.conf');
    const text = ddclientConfig({
      baseUrl: E2E.baseUrl,
      username: owner.name,
      token,
      hostname: name,
      refreshSeconds: 3600,
      ipv4Command: addressCommand('ddclient-ip', address),
    });
    // The tests move the device within seconds; ddclient normally waits 30 s between updates.
    fs.writeFileSync(config, `min-interval=0\n${text}`, { mode: 0o600 });
    return run(DDCLIENT, [
      '-file',
      config,
      '-cache',
      path.join(tmp, 'ddclient.cache'),
      '-foreground',
      '-daemon=0',
      '-noquiet',
    ]);
  };

  const first = await runDdclient('198.51.100.7');
  expect(first.code, first.output).toBe(0);
  expect(first.output).toMatch(
    new RegExp(`SUCCESS: +updating ${name}: good: IP address set to 198\\.51\\.100\\.7`),
  );
  const [entry] = await listed('198.51.100.7');
  expect(tagged(entry?.comment)).toBe(true);

  const second = await runDdclient('198.51.100.8');
  expect(second.code, second.output).toBe(0);
  expect(second.output).toMatch(
    new RegExp(`SUCCESS: +updating ${name}: good: IP address set to 198\\.51\\.100\\.8`),
  );
  expect(await listed('198.51.100.7')).toEqual([]);
  const moved = await listed('198.51.100.8');
  expect(moved).toHaveLength(1);
  expect(tagged(moved[0]!.comment)).toBe(true);
  expect(moved[0]!.comment).not.toBe(entry!.comment);

  // The device's row shows where it is now.
  await page.reload();
  await expect(page.getByTestId(`device-${name}`).getByTestId('device-address')).toHaveText('198.51.100.8');
  await expect(page.getByTestId(`device-${name}`).getByTestId('device-grants')).toContainText('198.51.100.8');
  await context.close();
});

test('acceptance 2: the real inadyn (custom provider on /nic/update) puts its IP on the list, then moves it', async ({
  browser,
}) => {
  expect(fs.existsSync(INADYN), `${INADYN} is missing: install the Debian package "inadyn"`).toBe(true);
  const { context, page } = await ownerPage(browser);
  const name = `inadyn.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);
  const cacheDir = path.join(tmp, 'inadyn-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  // Without a cache file inadyn looks the host name up in DNS first; a cached (stale) address
  // keeps it on loopback and makes the first run an update.
  fs.writeFileSync(path.join(cacheDir, `${name}.cache`), '192.0.2.1');

  const runInadyn = async (address: string) => {
    const config = path.join(tmp, 'inadyn.conf');
    fs.writeFileSync(
      config,
      inadynConfig({
        baseUrl: E2E.baseUrl,
        username: owner.name,
        token,
        hostname: name,
        refreshSeconds: 3600,
        checkipCommand: addressCommand('inadyn-ip', address),
      }),
      { mode: 0o600 },
    );
    return run(INADYN, [
      '--once',
      '--foreground',
      `--config=${config}`,
      `--cache-dir=${cacheDir}`,
      `--pidfile=${path.join(tmp, 'inadyn.pid')}`,
      '--loglevel=info',
    ]);
  };

  const first = await runInadyn('198.51.100.17');
  expect(first.code, first.output).toBe(0);
  expect(first.output).toContain(`Successful alias table update for ${name} => new IP# 198.51.100.17`);
  const [entry] = await listed('198.51.100.17');
  expect(tagged(entry?.comment)).toBe(true);

  const second = await runInadyn('198.51.100.18');
  expect(second.code, second.output).toBe(0);
  expect(second.output).toContain(`Successful alias table update for ${name} => new IP# 198.51.100.18`);
  expect(await listed('198.51.100.17')).toEqual([]);
  const moved = await listed('198.51.100.18');
  expect(moved).toHaveLength(1);
  expect(tagged(moved[0]!.comment)).toBe(true);
  await context.close();
});

test('acceptance 3: wrong token → badauth, unknown host → nohost, malformed myip → badagent (nothing changes); too many → abuse', async ({
  browser,
}) => {
  const { context, page } = await ownerPage(browser);
  const name = `http.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);
  await context.close();
  const auth = basic(owner.name, token);

  const good = await nicUpdate(`hostname=${name}&myip=198.51.100.40`, auth);
  expect(good).toMatchObject({ status: 200, body: 'good 198.51.100.40' });
  expect(good.type).toContain('text/plain');
  // What is on the list (the countdown aside).
  const snapshot = async () =>
    JSON.stringify((await sim.entries()).map((e) => [e.id, e.address, e.comment, e.dynamic]));
  const before = await snapshot();

  const wrong = await nicUpdate(`hostname=${name}&myip=198.51.100.41`, basic(owner.name, `${token}x`));
  expect(wrong).toMatchObject({ status: 401, body: 'badauth' });
  expect(await nicUpdate(`hostname=${name}&myip=198.51.100.41`, null)).toMatchObject({
    status: 401,
    body: 'badauth',
  });
  expect((await nicUpdate(`hostname=nothere.${SUFFIX}&myip=198.51.100.41`, auth)).body).toBe('nohost');
  expect((await nicUpdate('myip=198.51.100.41', auth)).body).toBe('notfqdn');
  for (const bad of [
    'myip=198.51.100',
    'myip=999.1.1.1',
    'myip=not-an-ip',
    'myip=0.0.0.0',
    'myipv6=198.51.100.41',
  ]) {
    const res = await nicUpdate(`hostname=${name}&${bad}`, auth);
    expect(res, bad).toMatchObject({ status: 200, body: 'badagent' });
  }
  expect(await snapshot()).toBe(before);

  // Without myip the caller's address is used; /nic/checkip tells a client what that is.
  const checkip = await (await request.newContext({ baseURL: E2E.baseUrl })).get('/nic/checkip');
  expect(await checkip.text()).toContain('Current IP Address: 127.0.0.1');
  expect((await nicUpdate(`hostname=${name}`, auth)).body).toBe('good 127.0.0.1');
  expect(await listed('198.51.100.40')).toEqual([]);

  // The limit counts every authenticated update of the device in the last minute.
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) answers.push((await nicUpdate(`hostname=${name}`, auth)).body);
  expect(answers.at(-1)).toBe('abuse');
  expect(answers.filter((a) => a === 'abuse').length).toBeGreaterThanOrEqual(1);
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.42`, auth)).body).toBe('abuse');
  expect(await listed('198.51.100.42')).toEqual([]);
  expect(await listed('127.0.0.1')).toHaveLength(1);
});

test('acceptance 4: a host-name grant puts the FQDN on the list; a new resolver answer changes the children and the portal shows it', async ({
  browser,
}) => {
  const { context, page } = await ownerPage(browser);
  await page.goto('/devices');
  const form = page
    .locator('form')
    .filter({ has: page.getByRole('button', { name: 'Open access for this name' }) });
  await form.getByLabel('Host name').fill('evil.example.com');
  await form.getByRole('button', { name: 'Open access for this name' }).click();
  await expect(form.getByRole('alert')).toContainText(`only names under ${SUFFIX}`);
  await form.getByLabel('Host name').fill(HOME.toUpperCase());
  await form.getByRole('button', { name: 'Open access for this name' }).click();
  await expect(page.getByTestId('hostname-result').locator('[data-state]')).toHaveAttribute(
    'data-state',
    'active',
  );

  const parent = await listed(HOME);
  expect(parent).toHaveLength(1);
  expect(tagged(parent[0]!.comment)).toBe(true);
  expect(parent[0]!.timeoutSeconds).toBeGreaterThan(3600 - 10);
  const childrenOf = async () =>
    (await sim.entries())
      .filter((e) => e.comment === HOME && e.dynamic)
      .map((e) => e.address)
      .sort();
  await expect.poll(childrenOf).toEqual(['198.51.100.200']);

  await page.goto('/');
  const row = page.locator('[data-testid=grant-row]', { hasText: HOME });
  await expect(row.getByTestId('resolved-address')).toHaveText(['198.51.100.200']);

  await sim.admin({ op: 'dns', name: HOME, addresses: ['198.51.100.201', '198.51.100.202'] });
  expect(await childrenOf()).toEqual(['198.51.100.201', '198.51.100.202']);
  await page.reload();
  await expect(row.getByTestId('resolved-address')).toHaveText(['198.51.100.201', '198.51.100.202']);

  // The admin's live view shows the resolved addresses under the user's grant, not as orphans.
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  await admin.goto('/admin/grants');
  const live = admin.getByTestId(`live-${routerName}`);
  await expect(live.locator('[data-testid=live-entry][data-address="198.51.100.201"]')).toHaveAttribute(
    'data-kind',
    'grant',
  );
  await expect(live.locator('[data-testid=live-entry][data-address="198.51.100.201"]')).toContainText(
    owner.name,
  );
  await expect(live.locator('[data-testid=live-entry][data-kind=orphan]')).toHaveCount(0);
  // A resolved address says which name it comes from; it is revoked with the name's row only.
  const child = live.locator('[data-testid=live-entry][data-address="198.51.100.201"]');
  await expect(child.getByTestId('resolved-from')).toHaveText(`resolved from ${HOME}`);
  await expect(child.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
  await expect(
    live.locator(`[data-testid=live-entry][data-address="${HOME}"]`).getByRole('button', { name: 'Revoke' }),
  ).toHaveCount(1);
  await admin.close();

  // Ending the grant removes the name, and the router drops its children with it.
  page.on('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'End access' }).click();
  await expect(row).toHaveCount(0);
  expect(await listed(HOME)).toEqual([]);
  expect(await childrenOf()).toEqual([]);
  await context.close();
});

test('acceptance 5: router down during an update → 911, the old grant stays; a retried update succeeds later', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const { context, page } = await ownerPage(browser);
  const name = `down.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);
  await context.close();
  const auth = basic(owner.name, token);
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.50`, auth)).body).toBe('good 198.51.100.50');
  const [old] = await listed('198.51.100.50');

  // The app's connection drops on its next add, and the router refuses to be reached again.
  await sim.admin({
    op: 'faults',
    set: {
      refuseConnections: true,
      dropAfter: { command: '/address-list/add', phase: 'before-apply', times: 1 },
    },
  });
  const down = await nicUpdate(`hostname=${name}&myip=198.51.100.51`, auth);
  expect(down).toMatchObject({ status: 200, body: '911' });
  await sim.admin({ op: 'reset-faults' });
  expect(await listed('198.51.100.50')).toEqual([old]);
  expect(await listed('198.51.100.51')).toEqual([]);

  // A client retries later (bounded: a few tries, well under the per-minute limit).
  let answer = '';
  for (let attempt = 0; attempt < 6 && !answer.startsWith('good'); attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 4_000));
    answer = (await nicUpdate(`hostname=${name}&myip=198.51.100.51`, auth)).body;
  }
  expect(answer).toBe('good 198.51.100.51');
  expect(await listed('198.51.100.50')).toEqual([]);
  const moved = await listed('198.51.100.51');
  expect(moved).toHaveLength(1);
  expect(tagged(moved[0]!.comment)).toBe(true);
});

test('tokens: a rotated token stops the old one; a revoked device loses its access; other users cannot touch it', async ({
  browser,
}) => {
  const { context, page } = await ownerPage(browser);
  const name = `rotate.${SUFFIX}`;
  const token = await addDeviceViaUi(page, name);
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.60`, basic(owner.name, token))).body).toBe(
    'good 198.51.100.60',
  );
  const row = page.getByTestId(`device-${name}`);
  const deviceId = (await row.getAttribute('data-device-id')) ?? '';

  // Another user, over HTTP: neither rotate nor revoke reaches someone else's device.
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const strangerName = uniqueName('stranger');
  const strangerPassword = await createUserViaUi(admin, strangerName);
  await admin.close();
  const stranger = await apiSession(strangerName, strangerPassword);
  for (const action of ['rotateDeviceAction', 'revokeDeviceAction', 'deleteDeviceAction']) {
    const res = await callAction(stranger, '/devices', `app/(portal)/devices/actions.ts#${action}`, {
      deviceId,
    });
    expect(res.body, action).toContain('"code":"not_found"');
  }
  const anonymous = await apiSession();
  const refused = await callAction(
    anonymous,
    '/devices',
    'app/(portal)/devices/actions.ts#revokeDeviceAction',
    {
      deviceId,
    },
  );
  expect(refused.body).toContain('"code":"not_signed_in"');
  expect((await anonymous.get('/devices', { maxRedirects: 0 })).status()).toBe(307);
  await stranger.dispose();
  await anonymous.dispose();
  expect(await listed('198.51.100.60')).toHaveLength(1);

  page.on('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'New token' }).click();
  await expect(page.getByTestId('device-token')).not.toHaveText(token);
  const fresh = (await page.getByTestId('device-token').textContent())?.trim() ?? '';
  expect(fresh.length).toBeGreaterThanOrEqual(43);
  rememberSecret(fresh);
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.61`, basic(owner.name, token))).body).toBe(
    'badauth',
  );
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.61`, basic(owner.name, fresh))).body).toBe(
    'good 198.51.100.61',
  );

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toHaveAttribute('data-revoked', 'true');
  expect(await listed('198.51.100.61')).toEqual([]);
  expect((await nicUpdate(`hostname=${name}&myip=198.51.100.62`, basic(owner.name, fresh))).body).toBe(
    'badauth',
  );
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  await context.close();
});
