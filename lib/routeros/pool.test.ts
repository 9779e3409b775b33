import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '@/sim/server';
import { closeAllRouterClients, closeRouterClient, getRouterClient } from './pool';
import type { RouterConfig } from './types';

let s: Simulator;
beforeAll(async () => {
  s = await startSimulator({ apiSslPort: null });
});
afterAll(async () => {
  await closeAllRouterClients();
  await s.close();
});

function config(extra: Partial<RouterConfig> = {}): RouterConfig {
  return {
    id: 'office-gw',
    host: '127.0.0.1',
    port: s.apiPort,
    tls: false,
    username: 'admin',
    password: '',
    ...extra,
  };
}

describe('router client pool', () => {
  it('reuses one connection per router id', async () => {
    const a = getRouterClient(config());
    const b = getRouterClient(config());
    expect(a).toBe(b);
    await Promise.all([a.print('/system/identity'), b.print('/system/identity')]);
    expect(s.connectionCount()).toBe(1);
  });

  it('replaces the client when the config changes and closes the old one', async () => {
    const a = getRouterClient(config());
    await a.connect();
    const b = getRouterClient(config({ timeoutMs: 5000 }));
    expect(b).not.toBe(a);
    expect(a.state).toBe('closed');
    await b.connect();
    expect(s.connectionCount()).toBe(1);
  });

  it('keeps routers apart and closes one on request', async () => {
    const a = getRouterClient(config());
    const other = getRouterClient(config({ id: 'branch-gw' }));
    expect(other).not.toBe(a);
    await other.connect();
    await closeRouterClient('branch-gw');
    expect(other.state).toBe('closed');
    expect(getRouterClient(config({ id: 'branch-gw' }))).not.toBe(other);
  });
});
