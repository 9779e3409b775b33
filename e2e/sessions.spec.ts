import { expect, test } from '@playwright/test';
import { createUserViaUi, signInAsAdmin, signInOk, uniqueName } from './helpers';

test("revoking a user's sessions signs them out on their next request", async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin);
  const name = uniqueName('rev');
  const password = await createUserViaUi(admin, name);

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signInOk(user, name, password);
  await user.goto('/account');
  await expect(user.getByRole('heading', { name: 'Account' })).toBeVisible();

  await admin.goto('/admin/users');
  const row = admin.getByTestId(`user-row-${name}`);
  await expect(row.getByRole('cell').nth(4)).toHaveText('1');
  await row.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(row.getByText('1 session revoked.')).toBeVisible();

  // The user's cookie is still there, but the server no longer honours it.
  expect((await userContext.cookies()).some((c) => c.name === 'knockgate.session')).toBe(true);
  await user.goto('/account');
  await expect(user).toHaveURL(/\/signin\?next=%2Faccount/);
  await adminContext.close();
  await userContext.close();
});
