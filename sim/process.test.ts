import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('a simulator started by spawnSimulator stops when its parent is killed with SIGKILL', async () => {
  // The parent starts a simulator, prints its pid and then waits to be killed.
  const parentScript = `
    import { spawnSimulator } from './sim/process.ts';
    const { proc } = await spawnSimulator();
    process.stdout.write(String(proc.pid) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const simPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(Number(line));
    });
    parent.on('exit', (code) => reject(new Error(`the parent exited early with ${code}`)));
  });
  expect(Number.isInteger(simPid) && simPid > 0).toBe(true);
  expect(alive(simPid)).toBe(true);

  parent.kill('SIGKILL');
  // Bounded wait (10 s in 100 ms steps) for the orphaned simulator to notice and stop.
  for (let i = 0; i < 100 && alive(simPid); i++) await new Promise((r) => setTimeout(r, 100));
  const stillAlive = alive(simPid);
  if (stillAlive) process.kill(simPid, 'SIGKILL');
  expect(stillAlive).toBe(false);
}, 40_000);
