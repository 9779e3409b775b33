import net from 'node:net';
import { createRouterClient, printAddressList, type RouterClient } from '@/lib/routeros';
import { spawnSimulator } from '@/sim/process';

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
  const { proc: child, info } = await spawnSimulator([
    '--api-port',
    '0',
    '--api-ssl-port',
    'off',
    '--admin-port',
    '0',
    ...extraArgs,
  ]);
  const ports = { apiPort: info.apiPort, adminPort: info.adminPort! };
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
