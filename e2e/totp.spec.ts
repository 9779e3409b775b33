import { expect, test } from '@playwright/test';
import { generate } from 'otplib';
import { E2E } from './env';
import {
  apiSession,
  callAction,
  createUserViaUi,
  rememberSecret,
  signIn,
  signInAsAdmin,
  signInOk,
  uniqueName,
} from './helpers';

/** A code for a time step that is not the one just used, so replay protection does not bite. */
async function codeAt(secret: string, offsetSteps: number) {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

test('TOTP: enrol with a code, sign in with a code, wrong code rejected, recovery code works once', async ({
  page,
}) => {
  await signInAsAdmin(page);
  const name = uniqueName('totp');
  const password = await createUserViaUi(page, name);
  await page.context().clearCookies();
  await signInOk(page, name, password);

  await page.goto('/account');
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code' })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  rememberSecret(secret);
  await page.locator('#totp-password').fill(password);
  await page.getByLabel('Code from the app').fill('12345');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Enter the 6 digits your app shows.')).toBeVisible();
  await page.getByLabel('Code from the app').fill(await codeAt(secret, -1));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  const codes = (await page.getByTestId('recovery-codes').locator('li').allTextContents()).map((c) =>
    c.trim(),
  );
  expect(codes).toHaveLength(10);
  for (const code of codes) rememberSecret(code);
  // The codes sit above the controls, which stay: new codes replace the shown ones in place.
  await expect(page.getByTestId('totp-status')).toContainText('On since');
  await page.locator('#regen-password').fill(password);
  await page.getByRole('button', { name: 'New recovery codes' }).click();
  await expect
    .poll(async () => (await page.getByTestId('recovery-codes').locator('li').allTextContents())[0]?.trim())
    .not.toBe(codes[0]);
  const renewed = (await page.getByTestId('recovery-codes').locator('li').allTextContents()).map((c) =>
    c.trim(),
  );
  expect(renewed).toHaveLength(10);
  for (const code of renewed) rememberSecret(code);
  codes.splice(0, codes.length, ...renewed);

  // Sign-in now asks for the second step.
  await page.context().clearCookies();
  await signIn(page, name, password);
  await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'totp_required');
  const good = await codeAt(secret, 0);
  const wrong = good === '000000' ? '111111' : '000000';
  await page.getByLabel('Authenticator code').fill(wrong);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'totp_invalid');
  await page.getByLabel('Authenticator code').fill(good);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
  await expect(page.getByTestId('current-user')).toContainText(name);

  // A recovery code signs in once.
  await page.context().clearCookies();
  await signInOk(page, name, password, codes[0]!);
  await page.context().clearCookies();
  await signIn(page, name, password, codes[0]!);
  await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'totp_invalid');
});

test("lost phone: an admin turns off a user's two-step sign-in, and the password alone signs in again", async ({
  browser,
}) => {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('lostphone');
  const password = await createUserViaUi(admin, name);

  const user = await browser.newPage();
  await signInOk(user, name, password);
  await user.goto('/account');
  await user.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await user.getByTestId('totp-secret').textContent())!.trim();
  rememberSecret(secret);
  await user.locator('#totp-password').fill(password);
  await user.getByLabel('Code from the app').fill(await codeAt(secret, -1));
  await user.getByRole('button', { name: 'Confirm' }).click();
  await expect(user.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  await user.context().clearCookies();
  await signIn(user, name, password);
  await expect(user.getByTestId('signin-error')).toHaveAttribute('data-code', 'totp_required');

  // The phone and the codes are gone: the admin turns the second step off (asked first).
  await admin.goto('/admin/users');
  const row = admin.getByTestId(`user-row-${name}`);
  admin.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await expect(row).toContainText(`Two-step sign-in is off for ${name}`);
  await expect(row.getByRole('button', { name: 'Turn off two-step sign-in' })).toHaveCount(0);

  await signInOk(user, name, password);
  await expect(user.getByTestId('current-user')).toContainText(name);

  // An admin's own row offers no password reset (it would end the session meant to show the new
  // password); over HTTP the action refuses it too.
  const own = admin.getByTestId(`user-row-${E2E.admin.username}`);
  await expect(own.getByRole('button', { name: 'Sign out everywhere' })).toBeVisible();
  await expect(own.getByRole('button', { name: 'Reset password' })).toHaveCount(0);
  const ownId = (await own.locator('input[name=userId]').first().getAttribute('value'))!;
  const api = await apiSession(E2E.admin.username, E2E.admin.password);
  const refused = await callAction(
    api,
    '/admin/users',
    'app/(admin)/admin/users/actions.ts#resetPasswordAction',
    {
      userId: ownId,
    },
  );
  expect(refused.body).toContain('"code":"use_account"');
  await api.dispose();
  await admin.close();
  await user.close();
});
