import { expect, test } from '@playwright/test';
import { generate } from 'otplib';
import { createUserViaUi, rememberSecret, signIn, signInAsAdmin, signInOk, uniqueName } from './helpers';

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
