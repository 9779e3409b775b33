/**
 * The RouterOS client torture scenarios, shared by the vitest suite of our client
 * (lib/routeros/client.torture.test.ts) and by bench/torture-compare.ts, which runs each scenario
 * against every implementation in a child process. A scenario throws when the client misbehaves;
 * every call is watched: one that does not settle by its deadline (+ slack) is reported as a hang.
 */
import { RouterOSClient } from '@/lib/routeros/client';
import {
  RouterAuthError,
  RouterConnectionError,
  RouterError,
  RouterFatalError,
  RouterProtocolError,
  RouterTimeoutError,
  RouterTlsError,
} from '@/lib/routeros/errors';
import { NodeRouterosClient } from '@/lib/routeros/node-routeros-adapter';
import { eq } from '@/lib/routeros/query';
import { defaultPort, type RouterClient, type RouterConfig } from '@/lib/routeros/types';
import { type Simulator, type SimulatorOptions, startSimulator } from '@/sim/server';

export type Implementation = 'knockgate' | 'node-routeros';

const AL = '/ip/firewall/address-list';
/** The client deadline used by the scenarios; the watchdog allows this much extra before calling it a hang. */
export const CALL_TIMEOUT_MS = 2_000;
const SLACK_MS = 1_500;

export class HangError extends Error {}

export function makeClient(
  impl: Implementation,
  config: Omit<RouterConfig, 'id' | 'username' | 'password'> & Partial<RouterConfig>,
) {
  const full: RouterConfig = {
    id: 'torture',
    username: 'admin',
    password: '',
    timeoutMs: CALL_TIMEOUT_MS,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    ...config,
  };
  return impl === 'knockgate' ? new RouterOSClient(full) : new NodeRouterosClient(full);
}

/** Resolves or rejects like `promise`, or throws HangError when it has not settled after `ms`. */
export async function settles<T>(promise: Promise<T>, ms = CALL_TIMEOUT_MS + SLACK_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HangError(`call did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The call must settle with a rejection; returns the error. */
export async function rejection(promise: Promise<unknown>, ms?: number): Promise<unknown> {
  try {
    await settles(promise, ms);
  } catch (error) {
    if (error instanceof HangError) throw error;
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Scenario {
  name: string;
  /** Whole-scenario budget for the child-process runner (kills a hung child). */
  budgetMs: number;
  sim?: SimulatorOptions;
  run(impl: Implementation, sim: Simulator): Promise<void>;
}

function plain(impl: Implementation, sim: Simulator, extra: Partial<RouterConfig> = {}): RouterClient {
  return makeClient(impl, { host: '127.0.0.1', port: sim.apiPort, tls: false, ...extra });
}

function seed(sim: Simulator, count: number, list = 'bulk'): void {
  const table = sim.addressList();
  for (let i = 0; i < count; i += 1) {
    const attrs = new Map([
      ['list', list],
      ['address', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      ['comment', `knockgate:${i}`],
    ]);
    table.add(attrs, sim.state.ctx);
  }
}

export const scenarios: Scenario[] = [
  {
    name: 'byte-split replies',
    budgetMs: 20_000,
    async run(impl, sim) {
      // A long connection timeout keeps node-routeros' own "#" keep-alive (sent at timeout/2) quiet: a
      // reply whose terminator came in its own chunk must complete by itself, not by later traffic.
      const client = plain(impl, sim, { timeoutMs: 60_000 });
      const call = { timeoutMs: 8_000 };
      try {
        await settles(client.connect(call), 10_000);
        sim.faults.set({ split: { chunkBytes: 1, pauseMs: 1 } });
        const id = await settles(
          client.add(AL, { list: 'kg', address: '192.0.2.1', comment: 'knockgate:1' }, call),
          10_000,
        );
        check(/^\*[0-9A-F]+$/.test(id), `add returned ${JSON.stringify(id)}`);
        const rows = await settles(client.print(AL, { ...call, query: eq('list', 'kg') }), 10_000);
        check(
          rows.length === 1 && rows[0]?.address === '192.0.2.1',
          `print returned ${JSON.stringify(rows)}`,
        );
      } finally {
        await client.close();
      }
    },
  },
  {
    name: '!empty (7.18+)',
    budgetMs: 10_000,
    sim: { version: '7.18' },
    async run(impl, sim) {
      const client = plain(impl, sim);
      try {
        const rows = await settles(client.print(AL, { query: eq('list', 'nothing') }));
        check(rows.length === 0, `expected no rows, got ${rows.length}`);
        const after = await settles(client.print('/system/identity'));
        check(after[0]?.name === 'MikroTik', 'connection unusable after !empty');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'idle longer than the timeout',
    budgetMs: 15_000,
    async run(impl, sim) {
      const client = plain(impl, sim, { timeoutMs: 1_000, keepaliveMs: 0 });
      try {
        await settles(client.connect());
        // Silent for well past the client's timeout, then the router (or a NAT) drops the idle session.
        await sleep(2_500);
        sim.faults.set({ idleCloseMs: 300 });
        await sleep(800);
        sim.faults.set({ idleCloseMs: null });
        let rows = await settles(client.print('/system/identity')).catch(() => null);
        // One failed call on the dead session is acceptable; the next must succeed.
        rows ??= await settles(client.print('/system/identity'));
        check(rows[0]?.name === 'MikroTik', 'no answer after idle');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: '!fatal at login',
    budgetMs: 10_000,
    sim: { faults: { fatalOnLogin: 'too many commands before login' } },
    async run(impl, sim) {
      const client = plain(impl, sim);
      try {
        const error = await rejection(client.connect());
        if (impl === 'knockgate')
          check(error instanceof RouterFatalError, `expected RouterFatalError, got ${String(error)}`);
        else check(error instanceof RouterError, `expected a typed error, got ${String(error)}`);
        check(!(error instanceof RouterTimeoutError), 'the connect only ended by the deadline (it hung)');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'router reboot mid-command',
    budgetMs: 20_000,
    async run(impl, sim) {
      const client = plain(impl, sim);
      try {
        await settles(client.connect());
        sim.faults.set({ latencyMs: 400 });
        // Watch the call from the start so its failure is observed when it happens.
        const inFlight = rejection(client.add(AL, { list: 'kg', address: '192.0.2.9', timeout: '1h' }));
        await sleep(100);
        await sim.reboot({ downMs: 300 });
        sim.faults.set({ latencyMs: 0 });
        const error = await inFlight;
        check(error instanceof RouterError, `expected a typed error, got ${String(error)}`);
        if (impl === 'knockgate')
          check(
            error instanceof RouterConnectionError,
            `expected RouterConnectionError, got ${String(error)}`,
          );
        // After the router is back, the same client must work again (reconnect).
        let rows: unknown[] | null = null;
        for (let i = 0; i < 5 && rows === null; i += 1) {
          rows = await settles(client.print('/system/identity')).catch(() => null);
          if (rows === null) await sleep(300);
        }
        check(rows !== null, 'client did not recover after the reboot');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'TLS (API-SSL, 8729-style port)',
    budgetMs: 15_000,
    sim: { apiSslPort: 0 },
    async run(impl, sim) {
      const implicit =
        impl === 'knockgate' ? defaultPort({ tls: true }) : NodeRouterosClient.implicitPort(true);
      check(implicit === 8729, `with tls and no port the client would connect to ${implicit}, not 8729`);
      const client = makeClient(impl, {
        host: '127.0.0.1',
        port: sim.apiSslPort as number,
        tls: true,
        fingerprint: sim.certificate?.fingerprint256,
      });
      try {
        const id = await settles(client.add(AL, { list: 'tls', address: '192.0.2.77', timeout: '5m' }));
        const rows = await settles(client.print(AL, { query: eq('list', 'tls') }));
        check(
          rows[0]?.['.id'] === id && rows[0]?.timeout === '5m',
          `print over TLS returned ${JSON.stringify(rows)}`,
        );
      } finally {
        await client.close();
      }
    },
  },
  {
    name: '10,000-entry print',
    budgetMs: 30_000,
    async run(impl, sim) {
      seed(sim, 10_000);
      const client = plain(impl, sim, { timeoutMs: 20_000 });
      try {
        const rows = await settles(client.print(AL), 25_000);
        check(rows.length === 10_000, `expected 10000 rows, got ${rows.length}`);
        check(rows[9_999]?.comment === 'knockgate:9999', 'last row is wrong');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: '1,000 concurrent tagged commands',
    budgetMs: 30_000,
    async run(impl, sim) {
      seed(sim, 1_000);
      const client = plain(impl, sim, { timeoutMs: 20_000 });
      try {
        await settles(client.connect());
        const calls = Array.from({ length: 1_000 }, (_, i) =>
          client.print(AL, { query: eq('comment', `knockgate:${i}`), proplist: ['comment', 'address'] }),
        );
        const results = await settles(Promise.all(calls), 25_000);
        results.forEach((rows, i) => {
          check(
            rows.length === 1 && rows[0]?.comment === `knockgate:${i}`,
            `call ${i} got ${JSON.stringify(rows)}`,
          );
        });
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'stalled command ends at its deadline',
    budgetMs: 10_000,
    async run(impl, sim) {
      const client = plain(impl, sim);
      try {
        await settles(client.connect());
        sim.faults.set({ stall: '/ip/firewall/filter/print' });
        const error = await rejection(client.print('/ip/firewall/filter'));
        check(error instanceof RouterTimeoutError, `expected RouterTimeoutError, got ${String(error)}`);
        sim.faults.set({ stall: null });
        const rows = await settles(client.print('/system/identity'));
        check(rows[0]?.name === 'MikroTik', 'connection unusable after a timed-out command');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'garbage reply',
    budgetMs: 10_000,
    async run(impl, sim) {
      const client = plain(impl, sim);
      try {
        await settles(client.connect());
        sim.faults.set({ garbage: '/system/identity/print' });
        const error = await rejection(client.print('/system/identity'));
        check(error instanceof RouterError, `expected a typed error, got ${String(error)}`);
        if (impl === 'knockgate')
          check(error instanceof RouterProtocolError, `expected RouterProtocolError, got ${String(error)}`);
        check(!(error instanceof RouterTimeoutError), 'the garbage was only noticed by the deadline');
      } finally {
        await client.close();
      }
    },
  },
  {
    name: 'wrong password / refused / bad pin',
    budgetMs: 15_000,
    sim: { apiSslPort: 0, users: [{ name: 'admin', password: 'right' }] },
    async run(impl, sim) {
      const wrong = plain(impl, sim, { password: 'wrong' });
      const auth = await rejection(wrong.connect());
      await wrong.close();
      check(auth instanceof RouterAuthError, `wrong password gave ${String(auth)}`);
      sim.faults.set({ refuseConnections: true });
      const refused = plain(impl, sim, { password: 'right' });
      const down = await rejection(refused.connect());
      await refused.close();
      sim.faults.set({ refuseConnections: false });
      check(down instanceof RouterConnectionError, `refused connection gave ${String(down)}`);
      if (impl === 'knockgate') {
        const pinned = makeClient(impl, {
          host: '127.0.0.1',
          port: sim.apiSslPort as number,
          tls: true,
          password: 'right',
          fingerprint: '00'.repeat(32),
        });
        const pin = await rejection(pinned.connect());
        await pinned.close();
        check(pin instanceof RouterTlsError, `fingerprint mismatch gave ${String(pin)}`);
      }
    },
  },
];

export async function runScenario(impl: Implementation, scenario: Scenario): Promise<void> {
  const sim = await startSimulator({ apiSslPort: null, ...scenario.sim });
  try {
    await scenario.run(impl, sim);
  } finally {
    await sim.close();
  }
}
