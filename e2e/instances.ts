import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitForHealth } from '@/tests/http';
import { E2E } from './env';

/** Extra app instances for the scale-out tests: the built app started by hand on a free port. */
export type Instance = { base: string; port: number; process: ChildProcess; log: string[] };

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = `/tmp/knockgate-instance-${port}`;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      ...E2E.serverEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never outlive the test run, whatever ends it.
  process.once('exit', () => child.kill('SIGKILL'));
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base, 60_000, () => child.exitCode === null && child.signalCode === null);
  } catch {
    child.kill('SIGKILL');
    throw new Error(`instance on ${port} did not start:\n${log.join('')}`);
  }
  return { base, port, process: child, log };
}

export async function stopInstance(instance: Instance, signal: NodeJS.Signals = 'SIGTERM') {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((r) => instance.process.once('exit', r));
  instance.process.kill(signal);
  await exited;
}
