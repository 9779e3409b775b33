import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { E2E } from './env';
import { apiSession, callAction, uniqueName } from './helpers';
import { type Instance, startInstance, stopInstance } from './instances';
import { type SimProcess, startSimProcess } from './sim';

/**
 * The bad-input corpus (issue 8): malformed addresses, host names, durations and every other form
 * field, sent to every server action that takes input, and to the DynDNS2 endpoint. Each must be
 * refused with a clear error (no 500, no internal error) and write nothing: the instance runs on
 * its own PostgreSQL database, whose row counts are compared before and after.
 */
test.describe.configure({ mode: 'serial' });

const server = process.env.KNOCKGATE_TEST_DATABASE_URL;
let instance: Instance;
let sim: SimProcess;
let sql: postgres.Sql;
let tried = 0;

const ADDRESSES = [
  '1.2.3',
  '256.1.1.1',
  '1.2.3.4.5',
  '01.2.3.4',
  'fe80::1%eth0',
  '10.0.0.0/8',
  '::ffff:999.1.1.1',
  ':::',
  'gggg::1',
  '2001:db8::1/129',
  '[::1',
  'localhost',
  'x'.repeat(400),
  "1.2.3.4';drop table users;--",
  '<script>alert(1)</script>',
  'a\u0000b',
  '1.2.3.4\n5.6.7.8',
  '*.example.com',
  'exa mple.com',
];
const HOSTNAMES = [
  '',
  '*.example.com',
  'exa mple.com',
  '-bad.example.com',
  'bad-.example.com',
  `${'a'.repeat(64)}.example.com`,
  `${`${'a'.repeat(63)}.`.repeat(4)}com`,
  '1.2.3.4',
  '[::1]',
  '::1',
  'under_score.example.com',
  'example..com',
  '.example.com',
  'localhost',
  'host/path',
  'user@host.example.com',
  'a\u0000b.example.com',
  'x'.repeat(2000),
];
const DURATIONS = [
  '',
  '0',
  '0s',
  '-5m',
  'PT',
  'P',
  'PT-1H',
  '36w',
  '35w3d13h13m57s',
  '99999999999',
  'abc',
  '1e9',
  '8 hours',
  '∞',
  'x'.repeat(100),
];
const UUIDS = ['', 'not-a-uuid', '00000000-0000-0000-0000-00000000000G', "' OR 1=1 --", '1'];
const USERNAMES = ['', ' ', '-x', 'a b', 'é', 'x'.repeat(65), '<script>', '../etc', 'a\u0000b'];
const PASSWORDS = ['short', 'x'.repeat(300)];
const EMAILS = ['nope', 'a@', '@b.c', 'a b@c.d'];
const ROLES = ['', 'root', 'ADMIN', 'admin '];
const PORTS = ['0', '-1', '65536', '99999', 'abc', '1.5', '8728; rm -rf /', '0x50'];
const LISTS = [' ', '-x', 'a b', 'x'.repeat(64), 'a"b', 'a;b', 'ü'];
const FINGERPRINTS = ['abc', 'zz'.repeat(32), 'aa'.repeat(31), 'aa'.repeat(33)];
const TEXT_REQUIRED = ['', '   ', 'x'.repeat(600)];
const URLS = ['ftp://x.example', 'javascript:alert(1)', 'not a url', 'http://', `http://${'x'.repeat(2001)}`];
const CODES = ['', '12345', '1234567', 'abcdef'];
const JSON_DEFS = [
  '',
  '{',
  'null',
  '[]',
  '{"name":"x","steps":[{"kind":"tcp","port":70000}]}',
  'x'.repeat(100_001),
];

type Case = {
  action: string;
  session: 'admin' | 'user';
  base: Record<string, string>;
  fields: Record<string, string[]>;
  /** Rows a refusal must write (e.g. a wrong current password counts as a failed sign-in). */
  writes?: Record<string, number>;
};

async function rowCounts(): Promise<Record<string, number>> {
  const tables = await sql<
    { tablename: string }[]
  >`select tablename from pg_tables where schemaname = 'public'`;
  const out: Record<string, number> = {};
  for (const { tablename } of tables) {
    if (tablename.startsWith('__')) continue;
    // Sessions, failed sign-ins and rate events are expected to move with sign-ins, not with forms.
    const [row] = await sql.unsafe(`select count(*)::int as n from "${tablename}"`);
    out[tablename] = row!.n as number;
  }
  return out;
}

test.beforeAll(async () => {
  if (!server)
    throw new Error('Set KNOCKGATE_TEST_DATABASE_URL to a PostgreSQL server (npm test does this).');
  const name = `kg_corpus_${Date.now()}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  sim = await startSimProcess();
  instance = await startInstance({ DATABASE_URL: url.toString() });
});

test.afterAll(async () => {
  if (instance) await stopInstance(instance);
  await sim?.stop();
  await sql?.end();
  console.log(`bad-input corpus: ${tried} inputs tried`);
});

test('every form field refuses malformed input clearly, writes nothing, never fails with a 500', async () => {
  test.setTimeout(300_000);
  const adminApi = await apiSession(E2E.admin.username, E2E.admin.password, { baseURL: instance.base });
  const act = (api: typeof adminApi, action: string, fields: Record<string, string>) =>
    callAction(api, `${instance.base}/`, action, fields);

  // Valid things to point at: a router, a policy that allows every kind of target, a user.
  const router = await act(adminApi, 'app/(admin)/admin/routers/actions.ts#createRouterAction', {
    name: 'corpus-router',
    host: '127.0.0.1',
    port: String(sim.apiPort),
    username: 'admin',
    password: '',
    ipv4List: 'knockgate',
    ipv6List: 'knockgate',
    fingerprint: '',
    enabled: 'on',
  });
  expect(router.body).toContain('"ok":true');
  const routerId = /"id":"([0-9a-f-]{36})"/.exec(router.body)![1]!;
  const userName = uniqueName('corpus');
  const created = await act(adminApi, 'app/(admin)/admin/users/actions.ts#createUserAction', {
    username: userName,
    role: 'user',
    email: '',
    password: 'corpus-password-0123',
  });
  expect(created.body).toContain('"ok":true');
  const policy = new FormData();
  for (const [k, v] of Object.entries({
    name: 'corpus',
    subject: 'role:user',
    defaultDuration: '1h',
    maxDuration: '8h',
    directAccess: 'on',
    requestOtherAddresses: 'on',
    allowHostnames: 'on',
    allowDevices: 'on',
    hostnameSuffixes: '',
    requestTtl: '1h',
    approvalsRequired: '1',
    targets: routerId,
  }))
    policy.append(k, v);
  expect(
    (
      await act(
        adminApi,
        'app/(admin)/admin/policies/actions.ts#savePolicyAction',
        Object.fromEntries(policy) as Record<string, string>,
      )
    ).body,
  ).toContain('"ok":true');
  const userApi = await apiSession(userName, 'corpus-password-0123', { baseURL: instance.base });
  const userId = (await sql<{ id: string }[]>`select id from users where username = ${userName}`)[0]!.id;

  const routerBase = {
    name: 'corpus-router-2',
    host: '127.0.0.1',
    port: '8728',
    username: 'admin',
    password: '',
    ipv4List: 'knockgate',
    ipv6List: 'knockgate',
    fingerprint: '',
    enabled: 'on',
  };
  const policyBase = {
    name: 'corpus-2',
    subject: 'role:approver',
    defaultDuration: '1h',
    maxDuration: '8h',
    hostnameSuffixes: '',
    requestTtl: '1h',
    approvalsRequired: '1',
    targets: routerId,
  };
  const cases: Case[] = [
    {
      action: 'app/(admin)/admin/users/actions.ts#createUserAction',
      session: 'admin',
      base: { username: 'corpus-new', role: 'user', email: '', password: 'corpus-password-0123' },
      fields: { username: USERNAMES, role: ROLES, email: EMAILS, password: PASSWORDS },
    },
    {
      action: 'app/(admin)/admin/users/actions.ts#changeRoleAction',
      session: 'admin',
      base: { userId, role: 'approver' },
      fields: { userId: UUIDS, role: ROLES },
    },
    {
      action: 'app/(admin)/admin/users/actions.ts#setDisabledAction',
      session: 'admin',
      base: { userId, disabled: 'true' },
      fields: { userId: UUIDS, disabled: ['', 'yes', '1', 'maybe'] },
    },
    {
      action: 'app/(admin)/admin/users/actions.ts#resetPasswordAction',
      session: 'admin',
      base: { userId },
      fields: { userId: UUIDS },
    },
    {
      action: 'app/(admin)/admin/users/actions.ts#revokeSessionsAction',
      session: 'admin',
      base: { userId },
      fields: { userId: UUIDS },
    },
    {
      action: 'app/(admin)/admin/routers/actions.ts#createRouterAction',
      session: 'admin',
      base: routerBase,
      fields: {
        name: TEXT_REQUIRED,
        host: ['', 'exa mple', '256.1.1.1', 'http://router', 'a'.repeat(300), '-router'],
        port: PORTS,
        username: TEXT_REQUIRED,
        ipv4List: LISTS,
        ipv6List: LISTS,
        fingerprint: FINGERPRINTS,
        password: ['x'.repeat(300)],
      },
    },
    {
      action: 'app/(admin)/admin/routers/actions.ts#updateRouterAction',
      session: 'admin',
      base: { ...routerBase, id: routerId, name: 'corpus-router' },
      fields: { id: UUIDS, host: ['', '256.1.1.1'], port: PORTS, ipv4List: LISTS },
    },
    {
      action: 'app/(admin)/admin/routers/actions.ts#deleteRouterAction',
      session: 'admin',
      base: { id: routerId },
      fields: { id: UUIDS },
    },
    {
      action: 'app/(admin)/admin/policies/actions.ts#savePolicyAction',
      session: 'admin',
      base: policyBase,
      fields: {
        name: TEXT_REQUIRED,
        subject: ['', 'role:root', 'user:123', 'everyone'],
        defaultDuration: DURATIONS,
        maxDuration: DURATIONS,
        requestTtl: DURATIONS.filter((d) => d !== ''),
        hostnameSuffixes: ['bad_suffix', '*.example.com', '-x.example.com', 'ex..ample.com'],
        approvalsRequired: ['0', '3', 'two', '-1'],
        targets: ['', 'not-a-router', '00000000-0000-4000-8000-000000000000'],
      },
    },
    {
      action: 'app/(admin)/admin/profiles/actions.ts#saveProfileAction',
      session: 'admin',
      base: { definition: '{}' },
      fields: { definition: JSON_DEFS, id: UUIDS.filter((u) => u !== '') },
    },
    {
      action: 'app/(admin)/admin/approvals/actions.ts#saveWebhookAction',
      session: 'admin',
      base: { url: 'http://127.0.0.1:9/hook', enabled: 'on' },
      fields: { url: URLS },
    },
    {
      action: 'app/(admin)/admin/approvals/actions.ts#redeliverWebhookAction',
      session: 'admin',
      base: { id: '00000000-0000-4000-8000-000000000000' },
      fields: { id: UUIDS },
    },
    {
      action: 'app/(admin)/admin/approvals/actions.ts#approveRequestAction',
      session: 'admin',
      base: { requestId: '00000000-0000-4000-8000-000000000000', duration: '' },
      fields: { requestId: UUIDS, duration: DURATIONS.filter((d) => d !== ''), note: ['x'.repeat(600)] },
    },
    {
      action: 'app/(admin)/admin/approvals/actions.ts#denyRequestAction',
      session: 'admin',
      base: { requestId: '00000000-0000-4000-8000-000000000000' },
      fields: { requestId: UUIDS, note: ['x'.repeat(600)] },
    },
    {
      action: 'app/(portal)/requests/actions.ts#createRequestAction',
      session: 'user',
      base: { target: 'any', address: '', duration: '1h', reason: 'I need to reach the lab switch.' },
      fields: {
        target: ['', 'anything', routerId, `${routerId}|a|b`],
        address: ADDRESSES,
        duration: DURATIONS,
        reason: [...TEXT_REQUIRED, 'too short'],
      },
    },
    {
      action: 'app/(portal)/requests/actions.ts#cancelRequestAction',
      session: 'user',
      base: { requestId: '' },
      fields: { requestId: UUIDS },
    },
    {
      action: 'app/(portal)/devices/actions.ts#openHostnameAction',
      session: 'user',
      base: { hostname: '', family: 'ip' },
      fields: { hostname: HOSTNAMES, family: ['', 'ipv5', 'IP'] },
    },
    {
      action: 'app/(portal)/devices/actions.ts#createDeviceAction',
      session: 'user',
      base: { name: '', routerId: '' },
      fields: { name: HOSTNAMES, routerId: UUIDS.filter((u) => u !== '') },
    },
    {
      action: 'app/(portal)/devices/actions.ts#rotateDeviceAction',
      session: 'user',
      base: { deviceId: '' },
      fields: { deviceId: UUIDS },
    },
    {
      action: 'app/(portal)/devices/actions.ts#revokeDeviceAction',
      session: 'user',
      base: { deviceId: '' },
      fields: { deviceId: UUIDS },
    },
    {
      action: 'app/(portal)/devices/actions.ts#deleteDeviceAction',
      session: 'user',
      base: { deviceId: '' },
      fields: { deviceId: UUIDS },
    },
    {
      action: 'app/(portal)/actions.ts#extendAccessAction',
      session: 'user',
      base: { grantId: '' },
      fields: { grantId: UUIDS },
    },
    {
      action: 'app/(portal)/actions.ts#endAccessAction',
      session: 'user',
      base: { grantId: '' },
      fields: { grantId: UUIDS },
    },
    {
      action: 'app/(portal)/account/actions.ts#changePasswordAction',
      session: 'user',
      base: { currentPassword: 'corpus-password-0123', newPassword: 'another-long-password' },
      fields: {
        newPassword: ['', 'short', 'x'.repeat(300), 'corpus-password-0123'],
        currentPassword: ['', 'wrong-password'],
      },
      // The wrong current password is a failed authentication: it is counted for throttling.
      writes: { auth_failures: 1 },
    },
    {
      action: 'app/(portal)/account/actions.ts#confirmTotpAction',
      session: 'user',
      base: { code: '', password: '' },
      fields: { code: CODES },
    },
    {
      action: 'app/(portal)/account/actions.ts#saveLocaleAction',
      session: 'user',
      base: { locale: 'xx' },
      fields: { locale: ['', 'de', 'EN', 'bg-BG'] },
    },
  ];

  for (const c of cases) {
    const api = c.session === 'admin' ? adminApi : userApi;
    const before = await rowCounts();
    for (const [field, values] of Object.entries(c.fields)) {
      for (const value of values) {
        const res = await callAction(api, `${instance.base}/`, c.action, { ...c.base, [field]: value });
        const where = `${c.action} ${field}=${JSON.stringify(value).slice(0, 60)}`;
        expect(res.status, where).toBe(200);
        expect(res.body, where).toContain('"ok":false');
        expect(res.body, where).not.toContain('"code":"internal_error"');
        tried++;
      }
    }
    const after = await rowCounts();
    // Refused forms write nothing, except what a case declares (failed authentications count).
    const expected = { ...before };
    for (const [table, delta] of Object.entries(c.writes ?? {}))
      expected[table] = (expected[table] ?? 0) + delta;
    expect(after, `${c.action} wrote something`).toEqual(expected);
  }

  // The DynDNS2 endpoint with a real device token and malformed parameters.
  const device = await callAction(
    userApi,
    `${instance.base}/`,
    'app/(portal)/devices/actions.ts#createDeviceAction',
    {
      name: 'corpus.dyn.example.net',
      routerId: '',
    },
  );
  expect(device.body).toContain('"ok":true');
  const token = /"token":"([^"]+)"/.exec(device.body)![1]!;
  const auth = `Basic ${Buffer.from(`${userName}:${token}`).toString('base64')}`;
  const before = await rowCounts();
  for (const myip of ADDRESSES.filter((a) => !a.includes('\u0000'))) {
    const res = await fetch(
      `${instance.base}/nic/update?hostname=corpus.dyn.example.net&myip=${encodeURIComponent(myip)}`,
      { headers: { authorization: auth, 'user-agent': 'corpus/1.0' } },
    );
    const text = await res.text();
    expect(res.status, myip).not.toBe(500);
    expect(text, myip).not.toMatch(/^(good|nochg)/);
    tried++;
  }
  for (const hostname of HOSTNAMES.filter((h) => !h.includes('\u0000'))) {
    const res = await fetch(
      `${instance.base}/nic/update?hostname=${encodeURIComponent(hostname)}&myip=198.51.100.1`,
      {
        headers: { authorization: auth, 'user-agent': 'corpus/1.0' },
      },
    );
    expect(res.status, hostname).not.toBe(500);
    expect(await res.text(), hostname).toMatch(/^(notfqdn|nohost|numhost|badauth|dnserr)/);
    tried++;
  }
  const after = await rowCounts();
  // Rejected DynDNS2 updates write nothing but their rate-limit events and audit rows.
  for (const table of Object.keys(before)) {
    if (table === 'rate_events' || table === 'audit_events') continue;
    expect(after[table], `nic/update wrote to ${table}`).toBe(before[table]);
  }
  // The user's session outlived every refused form (password, sessions, disabling), and none of
  // the refused forms or updates opened access for them.
  const mine = await userApi.get('/api/me/grants');
  expect(mine.status()).toBe(200);
  expect((await mine.json()).grants).toEqual([]);
  await adminApi.dispose();
  await userApi.dispose();
});
