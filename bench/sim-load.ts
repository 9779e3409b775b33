/**
 * Simulator load benchmark: 50 parallel API connections doing small commands, alone and while one
 * more connection prints a 100,000-entry address list. The simulator runs as its own process
 * (`sim/cli.ts`, ephemeral ports) so the client side does not share its event loop.
 *
 *   npx tsx bench/sim-load.ts [--connections 50] [--entries 100000] [--rounds 40]
 */
import { parseArgs } from 'node:util';
import { RouterOSClient } from '@/lib/routeros/client';
import { adminRequest } from '@/sim/admin';
import { spawnSimulator } from '@/sim/process';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    entries: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '40' },
  },
});
const CONNECTIONS = Math.min(Number(values.connections), 500);
const ENTRIES = Math.min(Number(values.entries), 1_000_000);
const ROUNDS = Math.min(Number(values.rounds), 1_000);
/** Hard stop for every phase, whatever happens. */
const PHASE_LIMIT_MS = 120_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summary(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2);
  return `n=${s.length} p50=${f(percentile(s, 50))} ms p95=${f(percentile(s, 95))} ms p99=${f(percentile(s, 99))} ms max=${f(s[s.length - 1] ?? Number.NaN)} ms`;
}

/** Each client runs `rounds` identity prints back to back; returns per-call latencies. */
async function smallCommands(
  clients: RouterOSClient[],
  rounds: number,
  until: () => boolean,
): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = Date.now() + PHASE_LIMIT_MS;
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < rounds && Date.now() < deadline && until(); i += 1) {
        const t = performance.now();
        await client.print('/system/identity');
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies;
}

async function main(): Promise<void> {
  const { proc: simProc, info } = await spawnSimulator([
    '--api-port',
    '0',
    '--api-ssl-port',
    'off',
    '--admin-port',
    '0',
    '--dns-refresh-ms',
    '0',
  ]);
  const sim = { apiPort: info.apiPort, adminPort: info.adminPort! };
  const make = (id: string, timeoutMs = 60_000) =>
    new RouterOSClient({
      id,
      host: '127.0.0.1',
      port: sim.apiPort,
      tls: false,
      username: 'admin',
      password: '',
      timeoutMs,
    });
  const clients = Array.from({ length: CONNECTIONS }, (_, i) => make(`c${i}`));
  const big = make('big', PHASE_LIMIT_MS);
  try {
    let t = performance.now();
    const seeded = (await adminRequest(
      sim.adminPort,
      { op: 'seed', list: 'bulk', count: ENTRIES },
      '127.0.0.1',
      60_000,
    )) as {
      added: number;
    };
    const seedMs = performance.now() - t;

    t = performance.now();
    await Promise.all([...clients, big].map((c) => c.connect()));
    const connectMs = performance.now() - t;

    const baseline = await smallCommands(clients, ROUNDS, () => true);

    // Under load: the big print runs while every small client keeps going until it ends.
    let printing = true;
    t = performance.now();
    const bigPrint = big.print('/ip/firewall/address-list').then((rows) => {
      printing = false;
      return { rows: rows.length, ms: performance.now() - t };
    });
    let smallDoneFirst = 0;
    const loaded = await smallCommands(clients, 1_000, () => printing);
    if (printing) smallDoneFirst = 1;
    const printed = await bigPrint;

    const report = {
      date: new Date().toISOString().slice(0, 10),
      connections: CONNECTIONS,
      entries: seeded.added,
      seedMs: Math.round(seedMs),
      connectMs: Math.round(connectMs),
      baseline: summary(baseline),
      duringBigPrint: summary(loaded),
      smallCallsCompletedDuringBigPrint: loaded.length,
      bigPrint: {
        rows: printed.rows,
        ms: Math.round(printed.ms),
        rowsPerSecond: Math.round(printed.rows / (printed.ms / 1000)),
      },
      note: smallDoneFirst ? 'small clients hit the phase limit before the print ended' : undefined,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await Promise.all([...clients, big].map((c) => c.close()));
    simProc.kill('SIGTERM');
  }
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
