import fs from 'node:fs';
import path from 'node:path';
import {
  type APIRequestContext,
  type Browser,
  expect,
  type Page,
  request as playwrightRequest,
} from '@playwright/test';
import { E2E } from './env';

export async function signIn(page: Page, username: string, password: string, code?: string) {
  await page.goto('/signin');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  if (code !== undefined) {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByLabel('Authenticator code')).toBeVisible();
    await page.getByLabel('Authenticator code').fill(code);
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signInOk(page: Page, username: string, password: string, code?: string) {
  await signIn(page, username, password, code);
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
  await expect(page.getByTestId('current-user')).toContainText(username);
}

export async function signInAsAdmin(page: Page) {
  await signInOk(page, E2E.admin.username, E2E.admin.password);
}

/** Records a secret the tests saw, so the last spec can check the server never logged it. */
export function rememberSecret(secret: string) {
  if (secret.length >= 8) fs.appendFileSync(E2E.secretsFile, `${secret}\n`);
}

let counter = 0;
export function uniqueName(prefix: string) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** Creates a user through Admin › Users (the page must be signed in as admin); returns the password shown once. */
export async function createUserViaUi(
  page: Page,
  username: string,
  role: 'user' | 'approver' | 'admin' = 'user',
) {
  await page.goto('/admin/users');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add user' }) });
  await form.getByLabel('User name').fill(username);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Add user' }).click();
  const password = (await page.getByTestId('generated-password').textContent())?.trim();
  expect(password).toBeTruthy();
  rememberSecret(password!);
  return password!;
}

/** An HTTP client signed in through the real credentials endpoint (no browser). */
export async function apiSession(
  username?: string,
  password?: string,
  options: { baseURL?: string; headers?: Record<string, string> } = {},
): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({
    baseURL: options.baseURL ?? E2E.baseUrl,
    extraHTTPHeaders: options.headers ?? {},
  });
  if (username && password) {
    const csrf = await (await api.get('/api/auth/csrf')).json();
    const res = await api.post('/api/auth/callback/credentials', {
      form: { username, password, code: '', csrfToken: csrf.csrfToken, json: 'true' },
    });
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(String(body.url)).not.toContain('error=');
  }
  return api;
}

/** Server action ids from the build, keyed `file#export` (e.g. `app/(admin)/admin/users/actions.ts#createUserAction`). */
export function serverActions(): Map<string, string> {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(process.cwd(), '.next/server/server-reference-manifest.json'), 'utf8'),
  ) as { node: Record<string, { filename: string; exportedName: string }> };
  const map = new Map<string, string>();
  for (const [id, entry] of Object.entries(manifest.node))
    map.set(`${entry.filename}#${entry.exportedName}`, id);
  return map;
}

/**
 * Calls a `(previousState, formData)` server action over plain HTTP, encoded the way React's
 * client encodes a FormData argument (`$K1` plus `1_`-prefixed fields).
 */
export async function callAction(
  api: APIRequestContext,
  pagePath: string,
  actionKey: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const id = serverActions().get(actionKey);
  if (!id) throw new Error(`No server action ${actionKey} in the build`);
  // React streams the reply: the FormData part must precede the root "0" that refers to it.
  const multipart = new FormData();
  for (const [k, v] of Object.entries(fields)) multipart.append(`_1_${k}`, v);
  multipart.append('0', '[null,"$K1"]');
  const res = await api.post(pagePath, {
    headers: { 'next-action': id, accept: 'text/x-component' },
    multipart,
    maxRedirects: 0,
  });
  return { status: res.status(), body: await res.text() };
}

/** Admin › Routers: adds a router for a simulator on loopback (API user admin, no password). */
export async function addRouterViaUi(page: Page, name: string, apiPort: number) {
  await page.goto('/admin/routers');
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add router' }) });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port', { exact: true }).fill(String(apiPort));
  await form.getByLabel('API user').fill('admin');
  await form.getByRole('button', { name: 'Add router' }).click();
  await expect(page.getByText(`Router ${name} saved.`)).toBeVisible();
}

/** Deletes a router through Admin › Routers (its grants end first), on a page of its own. */
export async function deleteRouterViaUi(browser: Browser, name: string) {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  await page.goto('/admin/routers');
  page.on('dialog', (d) => d.accept());
  await page.getByTestId(`router-${name}`).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId(`router-${name}`)).toHaveCount(0);
  await page.close();
}
