import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

/** A process that keeps logging after its stderr reader is gone; exit code 0 = survived. */
function run(withGuard: boolean): Promise<number | null> {
  const script = `
    ${withGuard ? "const { ignoreBrokenPipes } = await import('./lib/server/pipes.ts'); ignoreBrokenPipes();" : ''}
    let n = 0;
    const timer = setInterval(() => {
      console.error('log line ' + n++);
      if (n > 40) { clearInterval(timer); process.exit(0); }
    }, 5);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.destroy();
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

it('a closed log pipe does not kill (or spin) the process when guarded', async () => {
  expect(await run(false)).not.toBe(0);
  expect(await run(true)).toBe(0);
}, 30_000);
