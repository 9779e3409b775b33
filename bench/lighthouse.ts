/**
 * Lighthouse (accessibility, best practices, performance) on the sign-in page and the signed-in
 * portal, against the built app, in the system Chromium.
 *
 *   npx next build && npx tsx bench/lighthouse.ts
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, signInOverHttp, waitForHealth } from '@/tests/http';

const run = promisify(execFile);
const SECRET = 'lighthouse-secret-0123456789-abcdefghijklmnop';
const ADMIN = { username: 'lh-admin', password: 'lighthouse-password-0123' };

async function main() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-lighthouse-'));
  const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: dataDir,
      KNOCKGATE_SECRET: SECRET,
      KNOCKGATE_ADMIN_USER: ADMIN.username,
      KNOCKGATE_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => server.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base);
  // A session cookie for the portal page.
  const session = await signInOverHttp(base, ADMIN.username, ADMIN.password);

  const rows: string[] = [];
  for (const [label, url, headers] of [
    ['Sign-in page', `${base}/signin`, {}],
    ['Portal (signed in)', `${base}/`, { Cookie: session }],
  ] as const) {
    const out = path.join(dataDir, `${label.replace(/\W+/g, '-')}.json`);
    await run(
      'npx',
      [
        'lighthouse',
        url,
        '--quiet',
        '--only-categories=accessibility,best-practices,performance',
        `--extra-headers=${JSON.stringify(headers)}`,
        '--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run',
        '--output=json',
        `--output-path=${out}`,
      ],
      { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, timeout: 180_000 },
    );
    const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      categories: Record<string, { score: number }>;
      audits: Record<string, { score: number | null; title: string; scoreDisplayMode: string }>;
    };
    const score = (k: string) => Math.round((report.categories[k]?.score ?? 0) * 100);
    const misses = Object.entries(report.audits)
      .filter(([, a]) => a.scoreDisplayMode === 'binary' && a.score === 0)
      .map(([id]) => id);
    rows.push(
      `| ${label} | ${score('accessibility')} | ${score('best-practices')} | ${score('performance')} | ${misses.join(', ') || '—'} |`,
    );
  }
  server.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    [
      `### Lighthouse — ${new Date().toISOString().slice(0, 10)}, \`npx tsx bench/lighthouse.ts\``,
      '',
      '| page | accessibility | best practices | performance | failed binary audits |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
