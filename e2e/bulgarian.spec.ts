import { type Browser, expect, type Page, test } from '@playwright/test';
import { generate } from 'otplib';
import { E2E } from './env';
import {
  addRouterViaUi,
  createUserViaUi,
  deleteRouterViaUi,
  rememberSecret,
  signInAsAdmin,
  uniqueName,
} from './helpers';
import { type SimProcess, startSimProcess } from './sim';

/**
 * The main flows in Bulgarian (issue 8): a browser that asks for Bulgarian signs in, opens and
 * ends access, requests access, and an approver approves — every screen in Bulgarian. Messages
 * made on the server (field errors, refusals, sign-in errors) are Bulgarian too, and English for an
 * English browser. A language chosen by a person follows them to another browser.
 */
test.describe.configure({ mode: 'serial' });

let sim: SimProcess;
const routerName = uniqueName('bg-router');
const direct = { name: uniqueName('bg-direct'), password: '' };
const requester = { name: uniqueName('bg-req'), password: '' };
const approver = { name: uniqueName('bg-appr'), password: '' };
const twoStep = { name: uniqueName('bg-totp'), password: '' };

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
  await addRouterViaUi(page, routerName, sim.apiPort);
  direct.password = await createUserViaUi(page, direct.name, 'user');
  requester.password = await createUserViaUi(page, requester.name, 'user');
  approver.password = await createUserViaUi(page, approver.name, 'approver');
  twoStep.password = await createUserViaUi(page, twoStep.name, 'user');
  await policy(page, `bg direct ${direct.name}`, { user: direct.name }, true);
  await policy(page, `bg requests ${requester.name}`, { user: requester.name }, false);
  await page.close();
});

test.afterAll(async ({ browser }) => {
  await deleteRouterViaUi(browser, routerName);
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
  await expect(page).toHaveTitle('Вход · Knockgate');
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
  // The browser tab's title is in the page's language too.
  await expect(b.page).toHaveTitle('Одобрения · Knockgate');

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

async function sendRequest(page: Page, duration: string, reason: string) {
  const form = page.getByTestId('request-form');
  await form.getByLabel('За колко време').fill(duration);
  await form.getByLabel('Защо').fill(reason);
  await form.getByRole('button', { name: 'Изпрати заявката' }).click();
}

test('invalid input and refusals are explained in Bulgarian', async ({ browser }) => {
  const { context, page } = await bulgarian(browser);
  await signInBg(page, requester);
  await page.goto('/requests');
  const form = page.getByTestId('request-form');
  const reason = 'Поддръжка на лабораторния рутер.';

  // Longer than the policy allows: the field says the maximum (the duration stays as RouterOS writes it).
  await sendRequest(page, '8h', reason);
  await expect(form.getByRole('alert')).toHaveText('Най-много 4h (максимумът на вашата политика).');
  // No reason: the schema's own message.
  await sendRequest(page, '1h', '');
  await expect(form.getByRole('alert')).toHaveText('Напишете защо ви е нужен достъп, с поне 10 знака.');

  // A refusal that is about no field: the top-level error (five requests wait already).
  const rows = page.locator('[data-testid=request-row][data-status=pending]');
  const before = await rows.count();
  for (let n = before; n < 5; n++) {
    await sendRequest(page, '1h', `${reason} (${n + 1})`);
    await expect(rows).toHaveCount(n + 1);
  }
  await sendRequest(page, '1h', reason);
  await expect(form.locator('[data-error-code=too_many_pending]')).toHaveText(
    'Вече имате 5 чакащи заявки; оттеглете една или изчакайте решение.',
  );
  while ((await rows.count()) > 0) {
    const left = await rows.count();
    await rows.first().getByRole('button', { name: 'Откажи заявката' }).click();
    await expect(rows).toHaveCount(left - 1);
  }

  // Account › change password: the service's field error.
  await page.goto('/account');
  await page.getByLabel('Текуща парола').fill(requester.password);
  await page.getByLabel('Нова парола').fill('кратка');
  await page.getByRole('button', { name: 'Смяна на паролата' }).click();
  await expect(page.getByText('Използвайте поне 12 знака.')).toBeVisible();
  await context.close();
});

test('two-step sign-in in Bulgarian: enrolment errors and sign-in prompts', async ({ browser }) => {
  const { context, page } = await bulgarian(browser);
  await signInBg(page, twoStep);
  await page.goto('/account');
  await page.getByRole('button', { name: 'Настройка на приложение за удостоверяване' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  rememberSecret(secret);
  await page.locator('#totp-password').fill(twoStep.password);
  await page.getByLabel('Код от приложението').fill('12345');
  await page.getByRole('button', { name: 'Потвърди' }).click();
  await expect(page.getByText('Въведете 6-те цифри, които показва приложението ви.')).toBeVisible();
  const code = (offset: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });
  await page.getByLabel('Код от приложението').fill(await code(-1));
  await page.getByRole('button', { name: 'Потвърди' }).click();
  await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  for (const c of await page.getByTestId('recovery-codes').locator('li').allTextContents())
    rememberSecret(c.trim());

  await context.clearCookies();
  await page.goto('/signin');
  await page.getByLabel('Потребителско име').fill(twoStep.name);
  await page.getByLabel('Парола').fill(twoStep.password);
  await page.getByRole('button', { name: 'Вход' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText(
    'Въведете 6-цифрения код от приложението за удостоверяване.',
  );
  const good = await code(0);
  await page.getByLabel('Код от приложението').fill(good === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Вход' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('Кодът не е валиден. Опитайте с текущия.');
  await context.close();
});

test('a router error in Bulgarian: Admin › Routers › Test connection', async ({ browser }) => {
  const { context, page } = await bulgarian(browser);
  await signInBg(page, { name: E2E.admin.username, password: E2E.admin.password });
  await page.goto('/admin/routers');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Добави рутер' }) });
  await form.getByLabel('Име', { exact: true }).fill(uniqueName('bg-nowhere'));
  await form.getByLabel('Адрес', { exact: true }).fill('127.0.0.1');
  await form.getByLabel('Порт', { exact: true }).fill('1');
  await form.getByLabel('API потребител').fill('admin');
  await form.getByRole('button', { name: 'Провери връзката' }).click();
  // Knockgate's sentence in Bulgarian; the socket's own words inside stay as the system gave them.
  await expect(page.locator('[data-error-code=router_unreachable]')).toHaveText(
    /^Не може да се осъществи връзка с рутера \(.*ECONNREFUSED.*\)\.$/,
  );
  await context.close();
});

test('an English browser still gets English messages', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('User name').fill(requester.name);
  await page.getByLabel('Password').fill('wrong-password-123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('Wrong user name or password.');
  await page.getByLabel('Password').fill(requester.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));

  await page.goto('/requests');
  await expect(page).toHaveTitle('Request access · Knockgate');
  const form = page.getByTestId('request-form');
  await form.getByLabel('For how long').fill('8h');
  await form.getByLabel('Why').fill('Maintenance of the lab router.');
  await form.getByRole('button', { name: 'Send request' }).click();
  await expect(form.getByRole('alert')).toHaveText("At most 4h (your policy's maximum).");
  await page.goto('/account');
  await page.getByLabel('Current password').fill(requester.password);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
  await context.close();
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
