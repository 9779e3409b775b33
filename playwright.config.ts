import { defineConfig, devices } from '@playwright/test';
import { E2E } from './e2e/env';

/**
 * The e2e suite runs the built app (server.ts over `next build`) with a fresh embedded
 * database, in the system Chromium. Browsers cannot be downloaded here.
 */
export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: E2E.baseUrl,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    command: 'bash e2e/start-server.sh',
    url: `${E2E.baseUrl}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    // The server logs to E2E.logFile (see e2e/start-server.sh).
    stdout: 'ignore',
    stderr: 'pipe',
    env: E2E.serverEnv,
  },
});
