import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRouterClient, type RouterClient } from '@/lib/routeros';
import { type Simulator, startSimulator } from './index';

let sim: Simulator;
let client: RouterClient;
beforeAll(async () => {
  sim = await startSimulator({ apiSslPort: null });
  client = createRouterClient({
    id: 'c',
    host: '127.0.0.1',
    port: sim.apiPort,
    tls: false,
    username: 'admin',
    password: '',
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

// Regression: replies without rows (add, set, remove) written in the same tick were left in the
// outgoing queue when the previous write had finished synchronously.
it('answers every one of many row-less commands sent at once on one connection', async () => {
  const ids = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      client.add('/ip/firewall/address-list', { list: 'burst', address: `10.1.${i >> 8}.${i & 255}` }),
    ),
  );
  expect(new Set(ids).size).toBe(200);
  await Promise.all(ids.map((id) => client.set('/ip/firewall/address-list', id, { comment: 'x' })));
  await Promise.all(ids.map((id) => client.remove('/ip/firewall/address-list', id)));
  expect(sim.addressList('ip').entries(sim.state.ctx, 'burst')).toEqual([]);
});
