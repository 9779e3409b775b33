import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { createRouterClient, printAddressList, type RouterClient } from '@/lib/routeros';

/**
 * A simulated RouterOS as its own process (`npm run sim`), on free loopback ports, with its
 * admin socket for fault injection. Tests read the router's lists over the real API.
 */
export type SimProcess = {
  apiPort: number;
  adminPort: number;
  client: RouterClient;
  admin(request: Record<string, unknown>): Promise<unknown>;
  entries(list?: string, family?: 'ip' | 'ipv6'): ReturnType<typeof printAddressList>;
  stop(): Promise<void>;
};

export async function startSimProcess(extraArgs: string[] = []): Promise<SimProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sim/cli.ts',
      '--api-port',
      '0',
      '--api-ssl-port',
      'off',
      '--admin-port',
      '0',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ports = await new Promise<{ apiPort: number; adminPort: number }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('simulator did not start')), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const client = createRouterClient({
    id: `e2e-sim-${ports.apiPort}`,
    host: '127.0.0.1',
    port: ports.apiPort,
    tls: false,
    username: 'admin',
    password: '',
    timeoutMs: 5_000,
    persistent: false,
  });
  const admin = (request: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const socket = net.connect(ports.adminPort, '127.0.0.1');
      let data = '';
      socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\n')) {
          socket.end();
          const reply = JSON.parse(data.split('\n')[0]!) as { ok: boolean; result?: unknown; error?: string };
          if (reply.ok) resolve(reply.result);
          else reject(new Error(reply.error));
        }
      });
      socket.on('error', reject);
    });
  return {
    ...ports,
    client,
    admin,
    // A print is safe to repeat: after a simulated reboot the first one meets the dead connection.
    entries: (list = 'knockgate', family = 'ip') =>
      printAddressList(client, { family, list }).catch(() => printAddressList(client, { family, list })),
    async stop() {
      await client.close();
      child.kill('SIGTERM');
    },
  };
}
