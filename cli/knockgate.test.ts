import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The CLI as an operator runs it: a real process on a real embedded database directory. */
describe('knockgate create-admin', () => {
  it('creates an admin with a printed one-time password, refuses a taken name, and names bad config', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-cli-'));
    const env = { ...process.env, DATA_DIR: dataDir, KNOCKGATE_SECRET: 'c'.repeat(40) };
    try {
      const first = await run('npx', ['tsx', 'cli/knockgate.ts', 'create-admin', '--username', 'root'], {
        env,
      });
      expect(first.stdout).toMatch(/user name: root\n\s+password:\s+[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}/);

      const again = await run('npx', ['tsx', 'cli/knockgate.ts', 'create-admin', '--username', 'root'], {
        env,
      }).catch((e: { code: number; stderr: string }) => e);
      expect((again as { code: number }).code).toBe(1);
      expect((again as { stderr: string }).stderr).toMatch(/taken/);

      const bad = await run('npx', ['tsx', 'cli/knockgate.ts', 'create-admin'], {
        env: { ...env, KNOCKGATE_SECRET: 'short' },
      }).catch((e: { code: number; stderr: string }) => e);
      expect((bad as { code: number }).code).toBe(1);
      expect((bad as { stderr: string }).stderr).toMatch(/KNOCKGATE_SECRET: must be at least 32/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
