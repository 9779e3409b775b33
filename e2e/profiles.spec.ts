import type { ChildProcess } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { adminRequest } from '@/sim/admin';
import { spawnSimulator } from '@/sim/process';
import {
  addRouterViaUi,
  apiSession,
  callAction,
  createUserViaUi,
  signIn,
  signInAsAdmin,
  uniqueName,
} from './helpers';

/**
 * The main flow of Admin › Knock profiles in the built app: add a simulated router through
 * Admin › Routers, design the seed's TCP/UDP profile in the editor (live errors, bad-practice
 * warnings, the ping size hint), dry-run, apply, and find the rules on the router; then the client
 * commands page, remove, delete.
 */
type Sim = { process: ChildProcess; apiPort: number; adminPort: number };
let sim: Sim | undefined;

test.beforeAll(async () => {
  const { proc, info } = await spawnSimulator([
    '--api-port',
    '0',
    '--api-ssl-port',
    'off',
    '--admin-port',
    '0',
  ]);
  sim = { process: proc, apiPort: info.apiPort, adminPort: info.adminPort! };
});

test.afterAll(() => {
  sim?.process.kill('SIGTERM');
});

type SimState = { rules: { filter: { attrs: Record<string, string> }[] } };
const filterRules = async () =>
  ((await adminRequest(sim!.adminPort, { op: 'state' })) as SimState).rules.filter.map((r) => r.attrs);

test('admin designs the seed profile, sees its warnings, dry-runs and applies it to a router', async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const routerName = uniqueName('office-gw');
  const profileName = uniqueName('Seed SSH');
  await signInAsAdmin(page);
  await addRouterViaUi(page, routerName, sim!.apiPort);

  await page.goto('/admin/profiles');
  await page.getByRole('link', { name: 'New profile' }).click();
  await expect(page.getByRole('heading', { name: 'New knock profile' })).toBeVisible();
  const editor = page.getByTestId('profile-editor');

  await editor.getByLabel('Name', { exact: true }).fill(profileName);
  const step = (n: number) => editor.getByTestId(`step-${n}`);
  await expect(step(2).getByText('Missing or not a valid value.')).toBeVisible();
  await step(2).getByLabel('Port', { exact: true }).fill('9090');
  await step(3).getByLabel('Port', { exact: true }).fill('4022');
  // A live error while typing: the model's own validation runs in the browser.
  await step(1).getByLabel('Port', { exact: true }).fill('70000');
  await expect(step(1).getByText('Use a port from 1 to 65535.')).toBeVisible();
  await expect(editor.getByRole('button', { name: 'Save profile' })).toBeDisabled();
  await step(1).getByLabel('Port', { exact: true }).fill('2022');
  await expect(step(1).getByText('Use a port from 1 to 65535.')).toHaveCount(0);

  // The ICMP size hint (payload + 28), on a step added and then taken out again.
  await editor.getByRole('button', { name: 'Add step' }).click();
  await step(4).getByLabel('Kind', { exact: true }).selectOption('icmp-size');
  await step(4).getByLabel('Ping payload (bytes)', { exact: true }).fill('692');
  await expect(step(4)).toContainText('ping -s 692 → packet-size 720');
  await step(4).getByLabel('Kind', { exact: true }).selectOption('icmp-pattern');
  await step(4).getByLabel('Ping pattern (text)', { exact: true }).fill('mikrotik');
  await expect(step(4)).toContainText('ping -p 6d696b726f74696b');
  await editor.getByRole('button', { name: 'Remove step 4' }).click();
  await expect(step(4)).toHaveCount(0);

  await editor.getByLabel('Stage-list prefix', { exact: true }).fill(uniqueName('ssh-knock'));
  await editor.getByLabel('Final list', { exact: true }).fill('ssh-allowed');
  await editor.getByLabel('Access time', { exact: true }).fill('1h');
  await editor.getByLabel('Router ports', { exact: true }).fill('22');
  await editor.getByLabel('Limit to traffic entering', { exact: true }).selectOption('none');
  await editor.getByLabel('Final drop', { exact: true }).selectOption('all');

  // The seed's bad practices show as warnings (never blocking).
  const warnings = editor.getByTestId('profile-warnings');
  await expect(warnings.locator('[data-code="only_layer_unacknowledged"]')).toBeVisible();
  await editor.getByLabel(/not the only layer/).check();
  await expect(warnings.locator('[data-code="only_layer_unacknowledged"]')).toHaveCount(0);
  await expect(warnings.locator('[data-code="no_scan_protection"]')).toContainText('Good practice 7');
  await expect(warnings.locator('[data-code="final_drop_unscoped"]')).toBeVisible();
  await expect(editor.getByTestId('profile-errors')).toHaveCount(0);

  await editor.getByRole('button', { name: 'Save profile' }).click();
  await page.waitForURL(/\/admin\/profiles\/[0-9a-f-]{36}$/);
  const profileId = page.url().split('/').at(-1)!;
  await expect(page.getByRole('heading', { name: `Edit ${profileName}` })).toBeVisible();

  // The .rsc export a RouterOS admin can paste.
  const rsc = page.getByTestId('rsc-export');
  await expect(rsc).toContainText('/ip firewall filter');
  await expect(rsc).toContainText(`comment=knockgate-profile:${profileId}:`);
  await expect(rsc).toContainText('dst-port=9090 protocol=udp');
  await expect(page.getByRole('link', { name: 'Download .rsc' })).toHaveAttribute('download', /\.rsc$/);

  const deployment = page.getByTestId(`deployment-${routerName}`);
  await expect(deployment.getByTestId(`status-${routerName}`)).toHaveText('Not applied');
  await deployment.getByRole('button', { name: 'Dry run' }).click();
  const diff = deployment.getByTestId(`diff-${routerName}`);
  await expect(diff).toContainText('6 to add');
  await expect(diff).toContainText('dst-port=2022');
  expect(await filterRules()).toEqual([]); // a dry run changes nothing

  await deployment.getByRole('button', { name: 'Apply' }).click();
  await expect(deployment.getByText('Applied: 6 changes made and verified.')).toBeVisible();
  await expect(deployment.getByTestId(`status-${routerName}`)).toHaveText('Applied');
  const routerId = await deployment.locator('input[name=routerId]').first().getAttribute('value');

  // The rules are on the router, tagged, in the seed's order.
  const rules = await filterRules();
  expect(rules.map((r) => r.comment)).toEqual(
    [1, 2, 3, 4, 5, 6].map((n) => `knockgate-profile:${profileId}:${n}`),
  );
  expect(rules.find((r) => r['dst-port'] === '2022')).toMatchObject({
    action: 'add-src-to-address-list',
    protocol: 'tcp',
    'address-list-timeout': '15s',
  });
  expect(rules.find((r) => r['dst-port'] === '22')).toMatchObject({
    action: 'accept',
    'src-address-list': 'ssh-allowed',
  });

  await deployment.getByRole('button', { name: 'Dry run' }).click();
  await expect(deployment.getByText('The router already matches; nothing to change.')).toBeVisible();

  // A classic knock through the router's own rules (packets into the simulator's firewall engine)
  // shows in the live view as "classic", attributed to the profile, and untouched by Knockgate.
  const knocker = '198.51.100.77';
  for (const packet of [
    { kind: 'syn', dstPort: 2022 },
    { kind: 'udp', dstPort: 9090 },
    { kind: 'syn', dstPort: 4022 },
  ]) {
    await adminRequest(sim!.adminPort, { op: 'packet', packet: { ...packet, src: knocker } } as never);
  }
  await page.goto('/admin/grants');
  const classic = page
    .getByTestId(`live-${routerName}`)
    .locator(`[data-testid=live-entry][data-address="${knocker}"]`);
  await expect(classic).toHaveAttribute('data-kind', 'classic');
  await expect(classic).toContainText(`classic knock (${profileName})`);
  await expect(classic).toContainText('ssh-allowed');
  await page.goto(`/admin/profiles/${profileId}`);

  // The client commands page, for any signed-in user.
  await page.getByRole('link', { name: 'Client commands' }).click();
  await expect(page.getByTestId('one-liner-knock')).toHaveText('knock 127.0.0.1 2022:tcp 9090:udp 4022:tcp');
  await expect(page.getByTestId('one-liner-portqry')).toHaveText(
    'PortQry -n 127.0.0.1 -o 2022,9090,4022 -p both',
  );
  await expect(page.getByTestId('script-linux')).toContainText('hping3 -S 127.0.0.1 -c 1 -p 2022');
  await page.getByLabel('Router address or name').fill('gw.example.net');
  await page.getByRole('button', { name: 'Show commands' }).click();
  await expect(page.getByTestId('one-liner-knock')).toHaveText(
    'knock gw.example.net 2022:tcp 9090:udp 4022:tcp',
  );

  // A signed-in user sees the commands; the profile actions refuse them on the server.
  const username = uniqueName('knocker');
  const password = await createUserViaUi(page, username, 'user');
  const userPage = await browser.newPage();
  await signIn(userPage, username, password);
  await userPage.waitForURL((url) => !url.pathname.startsWith('/signin'));
  await userPage.goto(`/knock/${profileId}`);
  await expect(userPage.getByTestId('one-liner-knock')).toHaveText(
    'knock 127.0.0.1 2022:tcp 9090:udp 4022:tcp',
  );
  await userPage.goto(`/admin/profiles/${profileId}`);
  await expect(userPage.getByRole('heading', { name: `Edit ${profileName}` })).toHaveCount(0);
  await userPage.close();
  const asUser = await apiSession(username, password);
  for (const action of ['removeAction', 'applyAction', 'dryRunAction']) {
    const res = await callAction(
      asUser,
      `/admin/profiles/${profileId}`,
      `app/(admin)/admin/profiles/actions.ts#${action}`,
      {
        profileId,
        routerId: routerId!,
      },
    );
    expect(res.body, action).toContain('"code":"not_allowed"');
  }
  const del = await callAction(
    asUser,
    '/admin/profiles',
    'app/(admin)/admin/profiles/actions.ts#deleteProfileAction',
    {
      id: profileId,
    },
  );
  expect(del.body).toContain('"code":"not_allowed"');
  expect(await filterRules()).toHaveLength(6);

  // Remove takes exactly our rules out; then the profile can be deleted.
  await page.goto(`/admin/profiles/${profileId}`);
  await deployment.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(deployment.getByText('Removed: 6 rules taken out.')).toBeVisible();
  expect(await filterRules()).toEqual([]);
  await page.getByRole('button', { name: 'Delete profile' }).click();
  await page.waitForURL(/\/admin\/profiles$/);
  await expect(page.getByTestId(`profile-row-${profileName}`)).toHaveCount(0);
});
