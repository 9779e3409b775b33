/**
 * Independent-client check: Debian's python3-librouteros talks to the simulator. It knows nothing of
 * our codec, so a passing run shows the simulator speaks RouterOS API as real routers do (for the
 * commands Knockgate uses). The module is required: CI installs it, and a missing one fails here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '@/sim/server';

// The Debian interpreter: python3-librouteros is installed for it, not for other pythons on PATH.
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'librouteros_check.py');

let current: Simulator;
let legacy: Simulator;
let dir: string;

beforeAll(async () => {
  current = await startSimulator({ version: '7.18', apiSslPort: 0 });
  legacy = await startSimulator({
    version: '6.42',
    apiSslPort: null,
    users: [{ name: 'old', password: 'pa55' }],
  });
  dir = mkdtempSync(path.join(tmpdir(), 'kg-interop-'));
});

afterAll(async () => {
  await current?.close();
  await legacy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('python3-librouteros against the simulator', () => {
  it('has the module installed', () => {
    const probe = spawnSync(PYTHON, ['-c', 'import librouteros'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        `python3-librouteros is missing for ${PYTHON} (apt-get install python3-librouteros): ${probe.error?.message ?? probe.stderr}`,
      );
    }
  });

  it('logs in (plain, TLS, legacy challenge), adds/prints/updates/removes, traps and empty prints check out', async () => {
    const cafile = path.join(dir, 'sim-ca.pem');
    writeFileSync(cafile, current.certificate?.cert ?? '');
    // Asynchronous on purpose: the simulator runs in this process and must keep answering.
    const run = await runPython([
      SCRIPT,
      '--port',
      String(current.apiPort),
      '--tls-port',
      String(current.apiSslPort),
      '--cafile',
      cafile,
      '--fingerprint',
      current.certificate?.fingerprint256 ?? '',
      '--legacy-port',
      String(legacy.apiPort),
    ]);
    expect(run.stdout, run.stderr).toMatch(/^OK \d+ checks/m);
    expect(run.code).toBe(0);
    // The script really ran its scenario against these simulators.
    expect(
      current.commandLog.filter((c) => c === '/ip/firewall/address-list/add').length,
    ).toBeGreaterThanOrEqual(8);
    expect(legacy.commandLog.filter((c) => c === '/login')).toHaveLength(2);
  });
});

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
