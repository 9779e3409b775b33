import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { expect, test } from '@playwright/test';

/**
 * Acceptance: the README's demo command brings Knockgate up and prints an admin sign-in that
 * works in a real browser. Runs `npm run demo` itself on its own port and data directory.
 */
const port = Number(process.env.E2E_DEMO_PORT ?? 3199);
const dataDir = `/tmp/knockgate-demo-e2e-${port}`;
let demo: ChildProcess | undefined;
let output = '';

test.beforeAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  demo = spawn('npm', ['run', 'demo'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      KNOCKGATE_SECRET: '',
      // Free ports for the demo's simulated router, so a running demo elsewhere cannot clash.
      KNOCKGATE_DEMO_SIM_PORT: '0',
      KNOCKGATE_DEMO_SIM_TLS_PORT: '0',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout?.on('data', (d) => {
    output += d.toString();
  });
  demo.stderr?.on('data', (d) => {
    output += d.toString();
  });
  await expect
    .poll(() => output, { timeout: 110_000, message: 'demo never printed its admin sign-in' })
    .toMatch(/password:\s+\S+/);
});

test.afterAll(async () => {
  if (demo?.pid) process.kill(-demo.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('npm run demo prints an admin sign-in that works in Chromium', async ({ page }) => {
  test.setTimeout(150_000);
  const username = /user name:\s+(\S+)/.exec(output)?.[1];
  const password = /password:\s+(\S+)/.exec(output)?.[1];
  expect(username).toBe('admin');
  expect(password).toMatch(/^[A-Za-z2-9-]{23}$/);
  await page.goto(`http://127.0.0.1:${port}/signin`);
  await page.getByLabel('User name').fill(username!);
  await page.getByLabel('Password').fill(password!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`http://127.0.0.1:${port}/`);
  await expect(page.getByTestId('current-user')).toContainText('admin');
  await expect(page.getByTestId('client-address')).toHaveText('127.0.0.1');
  // The demo's policy makes signing in a knock on its simulated router.
  const row = page.getByTestId('grant-row');
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row).toContainText('demo-router › knockgate');
  // The secret was generated and kept with the demo's data, never a fixed value.
  expect(fs.readFileSync(`${dataDir}/secret`, 'utf8').length).toBeGreaterThanOrEqual(48);
});
