import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { E2E } from './env';
import { apiSession, callAction, createUserViaUi, signInAsAdmin, uniqueName } from './helpers';
import { type Instance, startInstance, stopInstance } from './instances';
import { type SimProcess, startSimProcess } from './sim';

/**
 * Two app instances on one PostgreSQL (issue 8, acceptance 1): sessions, grants and throttling
 * are shared; exactly one reconciler leader; killing it hands reconciling to the other.
 * `npm test` provides the PostgreSQL server in KNOCKGATE_TEST_DATABASE_URL.
 */
test.describe.configure({ mode: 'serial' });

const server = process.env.KNOCKGATE_TEST_DATABASE_URL;
let databaseUrl = '';
let a: Instance;
let b: Instance;
let sim: SimProcess;
const INTERVAL = 2;

type Ready = { reconciler?: { leader: boolean; lastRunAt: string | null } };
const ready = async (i: Instance) => (await (await fetch(`${i.base}/api/ready`)).json()) as Ready;

test.beforeAll(async () => {
  if (!server)
    throw new Error('Set KNOCKGATE_TEST_DATABASE_URL to a PostgreSQL server (npm test does this).');
  const name = `kg_scale_${Date.now()}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  sim = await startSimProcess();
  const env = { DATABASE_URL: databaseUrl, RECONCILE_INTERVAL_SECONDS: String(INTERVAL) };
  // Started together: migrations and the first admin must not race.
  [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
});

test.afterAll(async () => {
  for (const i of [a, b]) if (i) await stopInstance(i, 'SIGKILL');
  await sim?.stop();
});

test('a grant opened through instance A is revoked through instance B', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: a.base });
  const page = await context.newPage();
  await signInAsAdmin(page);
  await page.goto('/admin/routers');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add router' }) });
  await form.getByLabel('Name').fill('shared-router');
  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port', { exact: true }).fill(String(sim.apiPort));
  await form.getByLabel('API user').fill('admin');
  await form.getByRole('button', { name: 'Add router' }).click();
  await expect(page.getByText('Router shared-router saved.')).toBeVisible();
  await page.goto('/admin/policies');
  const policy = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create policy' }) });
  await policy.getByLabel('Name', { exact: true }).fill('users');
  await policy.getByLabel('Applies to').selectOption('role:user');
  await policy.getByRole('checkbox', { name: 'shared-router' }).check();
  await policy.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByText('Policy users saved.')).toBeVisible();
  const name = uniqueName('scale');
  const password = await createUserViaUi(page, name);
  await context.close();

  // The user signs in on A: the knock is A's work.
  const api = await apiSession(name, password, { baseURL: a.base });
  const mine = await (await api.get('/api/me/grants')).json();
  expect(mine.grants).toHaveLength(1);
  const grantId = mine.grants[0].id as string;
  expect((await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`)).toHaveLength(1);

  // The same session is valid on B (sessions live in the database) and B ends the grant.
  const fromB = await (await api.get(`${b.base}/api/me/grants`)).json();
  expect(fromB.grants.map((g: { id: string }) => g.id)).toEqual([grantId]);
  const end = await callAction(api, `${b.base}/`, 'app/(portal)/actions.ts#endAccessAction', { grantId });
  expect(end.body).toContain('"ok":true');
  expect((await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`)).toEqual([]);
  const afterA = await (await api.get(`${a.base}/api/me/grants`)).json();
  expect(afterA.grants.find((g: { id: string }) => g.id === grantId)?.status).toBe('revoked');
  await api.dispose();
  // Both changes took the entry's lease in the database (A to open, B to revoke) and gave it back.
  const pg = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await expect
      .poll(
        async () =>
          (await pg`select n_tup_ins::int as n from pg_stat_user_tables where relname = 'entry_locks'`)[0]
            ?.n ?? 0,
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(await pg`select * from entry_locks`).toHaveLength(0);
  } finally {
    await pg.end();
  }
});

test('exactly one leader; killing it moves reconciling to the other, which restores the entry a reboot lost', async () => {
  test.setTimeout(90_000);
  await expect
    .poll(
      async () =>
        [(await ready(a)).reconciler?.leader, (await ready(b)).reconciler?.leader].filter(Boolean).length,
      {
        timeout: 20_000,
      },
    )
    .toBe(1);
  const leader = (await ready(a)).reconciler?.leader ? a : b;
  const follower = leader === a ? b : a;

  // A live grant whose router entry will be lost in a reboot.
  const name = uniqueName('failover');
  const adminApi = await apiSession(E2E.admin.username, E2E.admin.password, { baseURL: follower.base });
  const created = await callAction(
    adminApi,
    `${follower.base}/admin/users`,
    'app/(admin)/admin/users/actions.ts#createUserAction',
    {
      username: name,
      role: 'user',
      email: '',
      password: 'failover-password-123',
    },
  );
  expect(created.body).toContain('"ok":true');
  const user = await apiSession(name, 'failover-password-123', { baseURL: follower.base });
  const { grants } = await (await user.get('/api/me/grants')).json();
  const grantId = grants[0].id as string;

  await stopInstance(leader, 'SIGKILL');
  await sim.admin({ op: 'reboot', downMs: 0 });
  expect((await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`)).toEqual([]);
  await expect
    .poll(async () => (await ready(follower)).reconciler?.leader, { timeout: 4 * INTERVAL * 1000 })
    .toBe(true);
  await expect
    .poll(async () => (await sim.entries()).filter((e) => e.comment === `knockgate:${grantId}`).length, {
      timeout: 4 * INTERVAL * 1000,
    })
    .toBe(1);
  await adminApi.dispose();
  await user.dispose();
});

test('throttling counts failures on both instances together', async () => {
  const alive = (i: Instance) => i.process.exitCode === null && i.process.signalCode === null;
  const survivor = alive(a) ? a : b;
  const other = survivor === a ? b : a;
  // Restart the killed instance so both take part again.
  const restarted = await startInstance({
    DATABASE_URL: databaseUrl,
    RECONCILE_INTERVAL_SECONDS: String(INTERVAL),
  });
  if (other === a) a = restarted;
  else b = restarted;
  const name = uniqueName('thr');
  const adminApi = await apiSession(E2E.admin.username, E2E.admin.password, { baseURL: survivor.base });
  await callAction(
    adminApi,
    `${survivor.base}/admin/users`,
    'app/(admin)/admin/users/actions.ts#createUserAction',
    {
      username: name,
      role: 'approver',
      email: '',
      password: 'throttle-password-123',
    },
  );
  const attempt = async (i: Instance, password: string) => {
    const api = await apiSession(undefined, undefined, { baseURL: i.base });
    const csrf = await (await api.get('/api/auth/csrf')).json();
    const res = await api.post('/api/auth/callback/credentials', {
      form: { username: name, password, code: '', csrfToken: csrf.csrfToken, json: 'true' },
    });
    const body = await res.json();
    await api.dispose();
    return String(body.url);
  };
  for (const [i, n] of [
    [survivor, 3],
    [restarted, 2],
  ] as const) {
    for (let k = 0; k < n; k++) expect(await attempt(i, `wrong-${k}`)).toContain('error=invalid_credentials');
  }
  expect(await attempt(survivor, 'throttle-password-123')).toContain('error=throttled');
  expect(await attempt(restarted, 'throttle-password-123')).toContain('error=throttled');
  await adminApi.dispose();
});
