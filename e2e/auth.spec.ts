import { expect, test } from '@playwright/test';
import { E2E } from './env';
import { createUserViaUi, rememberSecret, signIn, signInAsAdmin, signInOk, uniqueName } from './helpers';

test.describe('sign-in', () => {
  test('the admin signs in, sees the portal with their address, and signs out', async ({ page }) => {
    await signInAsAdmin(page);
    await expect(page.getByRole('heading', { name: 'Portal' })).toBeVisible();
    await expect(page.getByTestId('client-address')).toHaveText('127.0.0.1');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin/);
  });

  test('wrong password, unknown user and disabled user get the same generic error', async ({ page }) => {
    await signInAsAdmin(page);
    const victim = uniqueName('dis');
    await createUserViaUi(page, victim);
    const row = page.getByTestId(`user-row-${victim}`);
    page.once('dialog', (d) => d.accept()); // "Disable …? They are signed out …"
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(row.getByText('Disabled')).toBeVisible();
    await page.context().clearCookies();

    const messages: string[] = [];
    for (const [username, password] of [
      [E2E.admin.username, 'not-the-password-1'],
      ['nobody-at-all', 'not-the-password-2'],
      [victim, 'whatever-it-was-3'],
    ]) {
      await signIn(page, username!, password!);
      const error = page.getByTestId('signin-error');
      await expect(error).toBeVisible();
      messages.push(`${await error.getAttribute('data-code')}|${await error.textContent()}`);
    }
    expect(new Set(messages)).toEqual(new Set(['invalid_credentials|Wrong user name or password.']));
  });

  test('the 6th rapid failure for one account is throttled with minutes to wait', async ({ page }) => {
    await signInAsAdmin(page);
    const name = uniqueName('thr');
    const password = await createUserViaUi(page, name);
    await page.context().clearCookies();
    for (let i = 0; i < 5; i++) {
      await signIn(page, name, `wrong-password-${i}`);
      await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'invalid_credentials');
    }
    await signIn(page, name, password);
    const error = page.getByTestId('signin-error');
    await expect(error).toHaveAttribute('data-code', 'throttled');
    await expect(error).toHaveText(/Try again in 1[45] minutes\./);
  });

  test('a signed-in user can change their password', async ({ page }) => {
    await signInAsAdmin(page);
    const name = uniqueName('pw');
    const first = await createUserViaUi(page, name);
    await page.context().clearCookies();
    await signInOk(page, name, first);
    await page.goto('/account');
    await page.getByLabel('Current password').first().fill(first);
    rememberSecret('a brand new long passphrase');
    await page.getByLabel('New password').fill('a brand new long passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByText('Password changed.')).toBeVisible();
    await page.context().clearCookies();
    await signInOk(page, name, 'a brand new long passphrase');
  });
});
