import { type Browser, expect, type Page, test } from '@playwright/test';
import { createUserViaUi, signInAsAdmin, uniqueName } from './helpers';
import { type SimProcess, startSimProcess } from './sim';

/**
 * The main flows in Bulgarian (issue 8): a browser that asks for Bulgarian signs in, opens and
 * ends access, requests access, and an approver approves — every screen in Bulgarian. A language
 * chosen by a person follows them to another browser.
 */
test.describe.configure({ mode: 'serial' });

let sim: SimProcess;
const routerName = uniqueName('bg-router');
const direct = { name: uniqueName('bg-direct'), password: '' };
const requester = { name: uniqueName('bg-req'), password: '' };
const approver = { name: uniqueName('bg-appr'), password: '' };

async function policy(
  page: Page,
  name: string,
  subject: { role?: string; user?: string },
  directAccess: boolean,
) {
  await page.goto('/admin/policies');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create policy' }) });
  await form.getByLabel('Name', { exact: true }).fill(name);
  if (subject.role) await form.getByLabel('Applies to').selectOption(`role:${subject.role}`);
  else await form.getByLabel('Applies to').selectOption({ label: subject.user! });
  await form.getByLabel('Default duration').fill('1h');
  await form.getByLabel('Maximum duration').fill('4h');
  for (const box of await form.getByRole('checkbox').all()) {
    const label = await box.evaluate((el) => el.parentElement?.textContent ?? '');
    const want =
      label.includes(routerName) ||
      (directAccess && (label.includes('Open access directly') || label.includes('Signing in')));
    if (want) await box.check();
    else await box.uncheck();
  }
  await form.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByText(`Policy ${name} saved.`)).toBeVisible();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  sim = await startSimProcess();
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await page.goto('/admin/routers');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add router' }) });
  await form.getByLabel('Name').fill(routerName);
  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port', { exact: true }).fill(String(sim.apiPort));
  await form.getByLabel('API user').fill('admin');
  await form.getByRole('button', { name: 'Add router' }).click();
  await expect(page.getByText(`Router ${routerName} saved.`)).toBeVisible();
  direct.password = await createUserViaUi(page, direct.name, 'user');
  requester.password = await createUserViaUi(page, requester.name, 'user');
  approver.password = await createUserViaUi(page, approver.name, 'approver');
  await policy(page, `bg direct ${direct.name}`, { user: direct.name }, true);
  await policy(page, `bg requests ${requester.name}`, { user: requester.name }, false);
  await page.close();
});

test.afterAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await page.goto('/admin/routers');
  page.on('dialog', (d) => d.accept());
  await page.getByTestId(`router-${routerName}`).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId(`router-${routerName}`)).toHaveCount(0);
  await page.close();
  await sim.stop();
});

async function bulgarian(browser: Browser) {
  const context = await browser.newContext({ locale: 'bg-BG' });
  return { context, page: await context.newPage() };
}

async function signInBg(page: Page, who: { name: string; password: string }) {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Вход в Knockgate' })).toBeVisible();
  await page.getByLabel('Потребителско име').fill(who.name);
  await page.getByLabel('Парола').fill(who.password);
  await page.getByRole('button', { name: 'Вход' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

test('sign in, open and end access — in Bulgarian', async ({ browser }) => {
  const { context, page } = await bulgarian(browser);
  await page.goto('/signin');
  await page.getByLabel('Потребителско име').fill(direct.name);
  await page.getByLabel('Парола').fill('грешна-парола-123');
  await page.getByRole('button', { name: 'Вход' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('Грешно потребителско име или парола.');

  await signInBg(page, direct);
  await expect(page.getByRole('heading', { name: 'Портал' })).toBeVisible();
  await expect(page.getByText('Вашият адрес')).toBeVisible();
  const row = page.getByTestId('grant-row');
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row).toContainText('Отворен');
  await expect(row.getByTestId('countdown')).toHaveText(/^(59 мин \d\d с|1 ч 0 мин)$/);
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1')).toHaveLength(1);
  await row.getByRole('button', { name: 'Прекрати достъпа' }).click();
  await expect(page.getByTestId('no-grants')).toHaveText('В момента нямате отворен достъп.');
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1')).toEqual([]);
  await page.getByRole('button', { name: 'Отвори достъп за това устройство' }).click();
  await expect(page.getByTestId('open-result')).toContainText('отворен');
  await page.getByTestId('grant-row').getByRole('button', { name: 'Прекрати достъпа' }).click();
  await expect(page.getByTestId('no-grants')).toBeVisible();
  await context.close();
});

test('request and approve — in Bulgarian', async ({ browser }) => {
  const b = await bulgarian(browser);
  await signInBg(b.page, approver);
  await b.page.goto('/admin/approvals');
  await expect(b.page.getByRole('heading', { name: 'Одобрения' })).toBeVisible();

  const a = await bulgarian(browser);
  await signInBg(a.page, requester);
  await a.page.getByRole('link', { name: 'Заявки' }).click();
  const form = a.page.getByTestId('request-form');
  await form.getByLabel('За колко време').fill('2h');
  await form.getByLabel('Защо').fill('Трябва ми достъп до лабораторния рутер за поддръжка.');
  await form.getByRole('button', { name: 'Изпрати заявката' }).click();
  await expect(a.page.getByTestId('request-row').first()).toHaveAttribute('data-status', 'pending');

  const item = b.page.locator(`[data-testid=queue-item][data-requester="${requester.name}"]`);
  await expect(item).toBeVisible({ timeout: 15_000 });
  await item.getByLabel('Одобри за').fill('1h');
  await item.getByRole('button', { name: 'Одобри' }).click();
  await expect(item).toHaveCount(0);
  await expect(a.page.getByTestId('request-row').first()).toHaveAttribute('data-status', 'approved', {
    timeout: 15_000,
  });
  await expect(a.page.getByTestId('request-row').first()).toContainText(`Одобрено от ${approver.name}`);
  expect((await sim.entries()).filter((e) => e.address === '127.0.0.1')).toHaveLength(1);
  await a.page.goto('/');
  await a.page.getByTestId('grant-row').getByRole('button', { name: 'Прекрати достъпа' }).click();
  await expect(a.page.getByTestId('no-grants')).toBeVisible();
  await a.context.close();
  await b.context.close();
});

test('a chosen language follows the person to another browser', async ({ browser }) => {
  const first = await bulgarian(browser);
  await signInBg(first.page, direct);
  await first.page.getByLabel('Език').selectOption('en');
  await expect(first.page.getByRole('heading', { name: 'Portal' })).toBeVisible();
  await first.page.getByTestId('grant-row').getByRole('button', { name: 'End access' }).click();
  await first.context.close();

  // A fresh Bulgarian browser: after sign-in the account's choice (English) applies.
  const second = await bulgarian(browser);
  await signInBg(second.page, direct);
  await expect(second.page.getByRole('heading', { name: 'Portal' })).toBeVisible();
  await second.page.getByTestId('grant-row').getByRole('button', { name: 'End access' }).click();
  await expect(second.page.getByTestId('no-grants')).toBeVisible();
  await second.context.close();
});
