import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `sim/cli.ts` prints once it listens (one JSON line on stdout). */
export type ListeningInfo = {
  host: string;
  apiPort: number;
  apiSslPort: number | null;
  adminPort: number | null;
  version: string;
  fingerprint256: string | null;
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts the simulator as its own process (so it does not share an event loop with the code
 * under test) and waits for its "listening" line. The child never outlives this process.
 */
export function spawnSimulator(
  args: string[] = ['--api-port', '0', '--api-ssl-port', 'off', '--admin-port', '0'],
  options: { timeoutMs?: number } = {},
): Promise<{ proc: ChildProcess; info: ListeningInfo }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', ...args], {
      cwd: root,
      // The child watches its stdin: when this process dies, even by SIGKILL, the pipe closes
      // and the simulator stops, so no router is left listening after a killed test run.
      env: { ...process.env, KNOCKGATE_SIM_EXIT_WITH_STDIN: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    process.once('exit', () => proc.kill('SIGKILL'));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('the simulator did not start'));
    }, options.timeoutMs ?? 20_000);
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve({ proc, info: JSON.parse(line) as ListeningInfo });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited with ${code}`));
    });
  });
}
