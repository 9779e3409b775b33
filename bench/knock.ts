/**
 * Web-knock benchmark (issue 4), all phases in one run against the same simulator process:
 *
 *   (a) a bare `add` round trip on an open API connection
 *   (b) our `openGrant` server-side (database + router, embedded PGlite)
 *   (c) the connect-login-add-close pattern per knock (what knock scripts do)
 *   (d) the HTTP "open access" server action at 1, 10 and 50 concurrent users (p50/p99)
 *   (e) 1,000 concurrent knocks over one connection: lost and duplicated entries
 *   (f) reconcile of 10,000 grants: after a router reboot (all re-added) and when nothing changed
 *
 *   npx tsx bench/knock.ts [--samples 300] [--latency-ms 0] [--database-url postgres://…]
 *
 * With `--database-url`, (b) is also measured on PostgreSQL with and without the entry lock
 * shared between instances, and (d) runs on PostgreSQL.
 *
 * `--latency-ms` delays every router reply (a router across a network instead of loopback).
 * Needs a build for (d): `npx next build` first.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { systemActor } from '@/lib/audit/actor';
import { hashPassword } from '@/lib/auth/password';
import { createSecretBox } from '@/lib/crypto/secret-box';
import { openDatabase } from '@/lib/db/client';
import { grants, users } from '@/lib/db/schema';
import { createRouterGateway } from '@/lib/grants/gateway';
import { inProcessEntryLocks, postgresEntryLocks } from '@/lib/grants/key-lock';
import { reconcileRouter } from '@/lib/grants/reconciler';
import { type GrantContext, openGrant } from '@/lib/grants/service';
import { savePolicy } from '@/lib/policies/service';
import { closeAllRouterClients, createRouterClient, type RouterClient } from '@/lib/routeros';
import { createRouter } from '@/lib/routers/service';
import { adminRequest } from '@/sim/admin';
import { spawnSimulator } from '@/sim/process';
import { freePort, signInOverHttp, waitForHealth } from '@/tests/http';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    'latency-ms': { type: 'string', default: '0' },
    'skip-http': { type: 'boolean', default: false },
    /** Talk API-SSL (TLS, pinned certificate) to the router instead of the plain API. */
    tls: { type: 'boolean', default: false },
    'http-only': { type: 'boolean', default: false },
    /** Run (d) on PostgreSQL (a fresh database is created on this server) instead of PGlite. */
    'database-url': { type: 'string' },
  },
});
const SAMPLES = Math.min(Number(values.samples), 5_000);
const LATENCY = Math.min(Number(values['latency-ms']), 1_000);
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const box = createSecretBox(SECRET);
const root = process.cwd();

type Stats = { n: number; p50: number; p99: number; mean: number };
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
let ip = 0;
const nextIp = () => {
  ip++;
  return `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
};

async function main() {
  const { proc: simProc, info: sim } = await spawnSimulator([
    '--api-port',
    '0',
    '--api-ssl-port',
    values.tls ? '0' : 'off',
    '--admin-port',
    '0',
    '--dns-refresh-ms',
    '0',
  ]);
  if (values['http-only']) {
    const rows = await httpPhase({ host: '127.0.0.1', port: sim.apiPort, username: 'admin', password: '' });
    console.log(rows.join('\n'));
    simProc.kill('SIGTERM');
    return;
  }
  const admin = (req: Record<string, unknown>) => adminRequest(sim.adminPort!, req as never);
  if (LATENCY > 0) await admin({ op: 'faults', set: { latencyMs: LATENCY } });
  const TLS = values.tls === true;
  const fingerprint = TLS ? (sim.fingerprint256 ?? '').replace(/:/g, '').toLowerCase() : undefined;
  const simConfig = {
    host: '127.0.0.1',
    port: TLS ? sim.apiSslPort! : sim.apiPort,
    tls: TLS,
    username: 'admin',
    password: '',
    ...(fingerprint ? { fingerprint } : {}),
  };

  // ---- (a) bare add on an open connection
  const bare: RouterClient = createRouterClient({ id: 'bench-bare', ...simConfig, timeoutMs: 10_000 });
  await bare.connect();
  for (let i = 0; i < 50; i++)
    await bare.add('/ip/firewall/address-list', { list: 'warm', address: nextIp(), timeout: '1h' });
  const aTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await bare.add('/ip/firewall/address-list', {
      list: 'bench-a',
      address: nextIp(),
      timeout: '1h',
      comment: 'bench',
    });
    aTimes.push(performance.now() - t);
  }
  const a = stats(aTimes);

  // ---- (b) openGrant server-side on PGlite
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-'));
  const db = await openDatabase({ driver: 'pglite', dataDir });
  await db.migrate();
  const router = await createRouter(
    db.db,
    systemActor,
    {
      name: 'bench',
      ...simConfig,
      fingerprint: fingerprint ?? null,
      ipv4List: 'bench-b',
      ipv6List: 'bench-b',
      enabled: true,
    },
    box,
  );
  if (!router.ok) throw new Error(router.error.message);
  const gateway = createRouterGateway(db.db, box);
  const ctx: GrantContext = { db: db.db, clientFor: gateway.clientFor };
  const open = (address: string, list = 'bench-b', userId: string | null = null) =>
    openGrant(ctx, systemActor, {
      userId,
      routerId: router.value.id,
      family: 'ip',
      list,
      address,
      source: 'web',
      durationSeconds: 3600,
    });
  for (let i = 0; i < 50; i++) await open(nextIp());
  const bTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    const outcome = await open(nextIp());
    bTimes.push(performance.now() - t);
    if (!outcome.confirmed) throw new Error('openGrant not confirmed');
  }
  const b = stats(bTimes);

  // ---- (b0) the least a knock must write: the grant row and its audit event in one PGlite
  // transaction, as prepared SQL without the ORM — the floor under (b) on this machine.
  const pglite = (db.db as unknown as { $client: PGlite }).$client;
  const grantSql = `insert into grants (id, router_id, family, list, address, kind, source, status, expires_at,
    created_at, updated_at, activated_at, opened_by, router_entry_id, attempts)
    values ($1, $2, 'ip', 'bench-b0', $3, 'address', 'web', 'active', $4, $5, $5, $5, 'bench', '*1', 0) returning *`;
  const auditSql = `insert into audit_events (actor, action, target_type, target_id, target, details)
    values ('system', 'grant.open', 'grant', $1, $2, $3)`;
  const b0Times: number[] = [];
  for (let i = 0; i < SAMPLES + 50; i++) {
    const id = randomUUID();
    const address = nextIp();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 3600_000);
    const t = performance.now();
    await pglite.transaction(async (tx) => {
      await tx.query(grantSql, [id, router.value.id, address, expiresAt, now]);
      await tx.query(auditSql, [
        id,
        `${address} → bench-b0`,
        JSON.stringify({
          routerId: router.value.id,
          family: 'ip',
          list: 'bench-b0',
          address,
          source: 'web',
          status: 'active',
          expiresAt: expiresAt.toISOString(),
          durationSeconds: 3600,
        }),
      ]);
    });
    if (i >= 50) b0Times.push(performance.now() - t);
  }
  const b0 = stats(b0Times);

  // ---- (c) connect, log in, add, close per knock
  const cTimes: number[] = [];
  for (let i = 0; i < Math.min(SAMPLES, 200); i++) {
    const t = performance.now();
    const once = createRouterClient({
      id: `bench-c-${i}`,
      ...simConfig,
      persistent: false,
      timeoutMs: 10_000,
    });
    await once.add('/ip/firewall/address-list', { list: 'bench-c', address: nextIp(), timeout: '1h' });
    await once.close();
    cTimes.push(performance.now() - t);
  }
  const c = stats(cTimes);

  // ---- (e) 1,000 concurrent knocks over one connection
  const eAddresses = Array.from({ length: 1000 }, () => nextIp());
  const eStart = performance.now();
  const eOutcomes = await Promise.all(eAddresses.map((address) => open(address, 'bench-e')));
  const eMs = performance.now() - eStart;
  const onRouter = (await bare.print('/ip/firewall/address-list', { query: ['?list=bench-e'] })).map(
    (r) => r.address,
  );
  const counts = new Map<string, number>();
  for (const addr of onRouter) counts.set(addr ?? '', (counts.get(addr ?? '') ?? 0) + 1);
  const lost =
    eAddresses.filter((addr) => !counts.has(addr)).length + eOutcomes.filter((o) => !o.confirmed).length;
  const duplicated = [...counts.values()].filter((n) => n > 1).length;

  // ---- (f) reconcile 10,000 grants
  const fRouter = await createRouter(
    db.db,
    systemActor,
    {
      name: 'bench-f',
      ...simConfig,
      fingerprint: fingerprint ?? null,
      ipv4List: 'bench-f',
      ipv6List: 'bench-f',
      enabled: true,
    },
    box,
  );
  if (!fRouter.ok) throw new Error(fRouter.error.message);
  const now = Date.now();
  const rows = Array.from({ length: 10_000 }, () => ({
    id: randomUUID(),
    userId: null,
    routerId: fRouter.value.id,
    family: 'ip' as const,
    list: 'bench-f',
    address: nextIp(),
    source: 'web' as const,
    status: 'active' as const,
    expiresAt: new Date(now + 3600_000),
    openedBy: 'bench',
  }));
  for (let i = 0; i < rows.length; i += 1000) await db.db.insert(grants).values(rows.slice(i, i + 1000));
  const fStart = performance.now();
  const readd = await reconcileRouter(ctx, systemActor, fRouter.value);
  const fReadd = performance.now() - fStart;
  const fStart2 = performance.now();
  const steady = await reconcileRouter(ctx, systemActor, fRouter.value);
  const fSteady = performance.now() - fStart2;

  await bare.close();
  await closeAllRouterClients();
  await db.close();

  // ---- (b) again on PostgreSQL: this process's lock alone vs the lock shared between instances
  let pgRows: string[] = [];
  if (values['database-url']) pgRows = await postgresLockPhase(simConfig);

  // ---- (d) the HTTP open-access action against the built app
  // The earlier phases left some 12,000 entries on the router; (d) starts from a router that has
  // just restarted (timed entries gone), so its reads are not slowed by the other phases' lists.
  let dRows: string[] = [];
  if (!values['skip-http']) {
    await admin({ op: 'reboot', downMs: 0 });
    dRows = await httpPhase(simConfig);
  }

  await simProc.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });

  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `### Web knock — ${date}, \`npx tsx bench/knock.ts --samples ${SAMPLES}${LATENCY ? ` --latency-ms ${LATENCY}` : ''}${TLS ? ' --tls' : ''}\``,
    '',
    `Simulator in its own process on loopback${TLS ? ', API-SSL with a pinned certificate' : ''}${LATENCY ? `, ${LATENCY} ms added to every router reply` : ''}; PGlite (embedded) database.`,
    '',
    '| measure | n | p50 ms | p99 ms | mean ms |',
    '|---|---|---|---|---|',
    `| (a) bare \`add\` on an open connection | ${a.n} | ${fmt(a.p50)} | ${fmt(a.p99)} | ${fmt(a.mean)} |`,
    `| (b) \`openGrant\` (DB + router) | ${b.n} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${fmt(b.mean)} |`,
    `| (b0) floor under (b): grant row + audit event, one PGlite transaction, prepared SQL | ${b0.n} | ${fmt(b0.p50)} | ${fmt(b0.p99)} | ${fmt(b0.mean)} |`,
    `| (c) connect + login + add + close | ${c.n} | ${fmt(c.p50)} | ${fmt(c.p99)} | ${fmt(c.mean)} |`,
    ...pgRows,
    ...dRows,
    '',
    `Ratios (mean): (b)/(a) = ${(b.mean / a.mean).toFixed(2)}; (c)/(b) = ${(c.mean / b.mean).toFixed(2)}.`,
    '',
    `Floors in this run (mean): a knock that records its grant and audit event after the router's`,
    `acknowledgement costs at least (a) + (b0) = ${fmt(a.mean + b0.mean)} ms = ${((a.mean + b0.mean) / a.mean).toFixed(2)}× (a);`,
    `even with the write fully overlapped with the router round trip, (b0)/(a) = ${(b0.mean / a.mean).toFixed(2)}.`,
    `(b) 5× faster than (c) means (b) ≤ (c)/5 = ${fmt(c.mean / 5)} ms: ${c.mean / 5 < b0.mean ? 'less than (b0) alone' : 'not below (b0)'}, and (b) also contains an \`add\` ((c)/(a) = ${(c.mean / a.mean).toFixed(2)}).`,
    '',
    `(e) 1,000 concurrent knocks on one connection: ${fmt(eMs)} ms in all, lost ${lost}, duplicated ${duplicated}.`,
    '',
    `(f) reconcile of 10,000 grants: after a reboot (router empty, ${readd.added} re-added) ${fmt(fReadd)} ms; nothing to change (${steady.added + steady.removed + steady.updated} changes) ${fmt(fSteady)} ms.`,
  ];
  console.log(lines.join('\n'));
}

/** Six rounds of 50 GETs of `url` sent at once: the (d) baselines' load. */
async function fiftyConcurrentGets(url: string): Promise<Stats> {
  const times: number[] = [];
  for (let r = 0; r < 6; r++) {
    times.push(
      ...(await Promise.all(
        Array.from({ length: 50 }, async () => {
          const t = performance.now();
          await (await fetch(url)).text();
          return performance.now() - t;
        }),
      )),
    );
  }
  return stats(times);
}

/**
 * The machine's floor without Next.js: a bare `node:http` server in its own process answering
 * "ok", 50 concurrent requests from this process, as the (d) baselines are sent.
 */
async function bareNodeFloor(): Promise<string> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  process.once('exit', () => server.kill('SIGKILL'));
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) await (await fetch(url)).text();
  const s = await fiftyConcurrentGets(url);
  server.kill('SIGTERM');
  return `| floor: bare \`node:http\` server (no Next.js, no database), 50 concurrent | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} |`;
}

/** A fresh database on the PostgreSQL server of `--database-url`. */
async function freshPostgres(prefix: string): Promise<string> {
  const name = `${prefix}_${Date.now()}`;
  const adminSql = postgres(values['database-url']!, { max: 1, onnotice: () => {} });
  await adminSql.unsafe(`create database ${name}`);
  await adminSql.end();
  const url = new URL(values['database-url']!);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * `openGrant` on PostgreSQL, alternating between a context with this process's entry lock only
 * and one with the advisory lock shared between instances: what the shared lock costs a knock.
 */
async function postgresLockPhase(simConfig: {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  fingerprint?: string;
}): Promise<string[]> {
  const url = await freshPostgres('kg_bench_locks');
  const db = await openDatabase({ driver: 'postgres', url });
  await db.migrate();
  const router = await createRouter(
    db.db,
    systemActor,
    {
      name: 'bench-pg',
      ...simConfig,
      fingerprint: simConfig.fingerprint ?? null,
      ipv4List: 'bench-pg',
      ipv6List: 'bench-pg',
      enabled: true,
    },
    box,
  );
  if (!router.ok) throw new Error(router.error.message);
  const gateway = createRouterGateway(db.db, box);
  const shared = postgresEntryLocks(db.db);
  const local: GrantContext = { db: db.db, clientFor: gateway.clientFor, locks: inProcessEntryLocks() };
  const across: GrantContext = { ...local, locks: shared };
  const open = (ctx: GrantContext) =>
    openGrant(ctx, systemActor, {
      userId: null,
      routerId: router.value.id,
      family: 'ip',
      list: 'bench-pg',
      address: nextIp(),
      source: 'web',
      durationSeconds: 3600,
    });
  for (let i = 0; i < 50; i++) {
    await open(local);
    await open(across);
  }
  const times = { local: [] as number[], across: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const kind of ['local', 'across'] as const) {
      const t = performance.now();
      const outcome = await open(kind === 'local' ? local : across);
      times[kind].push(performance.now() - t);
      if (!outcome.confirmed) throw new Error('openGrant not confirmed');
    }
  }
  await shared.close();
  await closeAllRouterClients();
  await db.close();
  const l = stats(times.local);
  const x = stats(times.across);
  return [
    `| (b) \`openGrant\` on PostgreSQL, entry lock in this process only | ${l.n} | ${fmt(l.p50)} | ${fmt(l.p99)} | ${fmt(l.mean)} |`,
    `| (b) \`openGrant\` on PostgreSQL, entry lock shared between instances | ${x.n} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.mean)} |`,
  ];
}

async function httpPhase(simConfig: { host: string; port: number; username: string; password: string }) {
  const manifest = path.join(root, '.next/server/server-reference-manifest.json');
  if (!fs.existsSync(manifest)) throw new Error('Build first: npx next build');
  const actions = JSON.parse(fs.readFileSync(manifest, 'utf8')).node as Record<
    string,
    { filename: string; exportedName: string }
  >;
  const actionId = Object.entries(actions).find(
    ([, v]) => v.filename === 'app/(portal)/actions.ts' && v.exportedName === 'openAccessAction',
  )?.[0];
  if (!actionId) throw new Error('openAccessAction not in the build');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-http-'));
  const USERS = 50;
  const password = 'bench-password-0123456789';
  const databaseUrl = values['database-url'] ? await freshPostgres('kg_bench') : undefined;
  {
    const db = databaseUrl
      ? await openDatabase({ driver: 'postgres', url: databaseUrl, max: 2 })
      : await openDatabase({ driver: 'pglite', dataDir });
    await db.migrate();
    const hash = await hashPassword(password);
    await db.db
      .insert(users)
      .values(Array.from({ length: USERS }, (_, i) => ({ username: `bench${i}`, passwordHash: hash })));
    const router = await createRouter(
      db.db,
      systemActor,
      {
        name: 'bench-http',
        ...simConfig,
        tls: false,
        fingerprint: null,
        ipv4List: 'bench-d',
        ipv6List: 'bench-d',
        enabled: true,
      },
      box,
    );
    if (!router.ok) throw new Error(router.error.message);
    await savePolicy(db.db, systemActor, null, {
      name: 'bench',
      subject: 'role:user',
      defaultDuration: 3600,
      maxDuration: 7200,
      knockOnSignIn: false,
      directAccess: true,
      targets: [router.value.id],
    });
    await db.close();
  }
  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const server = spawn(process.execPath, [...profile, '--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: dataDir,
      KNOCKGATE_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Never leave the server behind, whatever ends this process.
  process.once('exit', () => server.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base);
  // Sign every user in through the credentials endpoint; keep their session cookies.
  const cookies: string[] = [];
  for (let i = 0; i < USERS; i++) cookies.push(await signInOverHttp(base, `bench${i}`, password));
  const call = async (cookie: string) => {
    const form = new FormData();
    form.append('0', '[null,"$K1"]');
    const t = performance.now();
    const res = await fetch(`${base}/`, {
      method: 'POST',
      headers: { 'next-action': actionId, accept: 'text/x-component', cookie },
      body: form,
    });
    const text = await res.text();
    const ms = performance.now() - t;
    if (!text.includes('"ok":true')) throw new Error(`open access failed: ${text.slice(0, 200)}`);
    return ms;
  };
  // The same action sent from a loopback address of the user's own (127.0.1.x): every user is a
  // different address, so each has a router entry of their own (no shared entry to wait for).
  const agents = cookies.map((_, i) => new http.Agent({ keepAlive: true, localAddress: `127.0.1.${i + 1}` }));
  const boundary = 'knockgate-bench-boundary';
  const body = `--${boundary}\r\ncontent-disposition: form-data; name="0"\r\n\r\n[null,"$K1"]\r\n--${boundary}--\r\n`;
  const callFrom = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          method: 'POST',
          agent: agents[i],
          headers: {
            'next-action': actionId,
            accept: 'text/x-component',
            cookie: cookies[i]!,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const ms = performance.now() - t;
            if (!text.includes('"ok":true')) reject(new Error(`open access failed: ${text.slice(0, 200)}`));
            else resolve(ms);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (const cookie of cookies.slice(0, 10)) await call(cookie); // warm-up
  for (let i = 0; i < 10; i++) await callFrom(i);
  const rows: string[] = [];
  // Baselines in the same run: the cheapest route, and a signed-in JSON route (session check + query).
  for (const [label, url, cookie] of [
    ['GET /api/health (no session)', `${base}/api/health`, ''],
    ['GET /api/me/grants (session + query)', `${base}/api/me/grants`, cookies[0]!],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await (await fetch(url, { headers: { cookie } })).text();
      times.push(performance.now() - t);
    }
    const s = stats(times);
    rows.push(
      `| baseline: ${label}, 1 concurrent | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} |`,
    );
  }
  rows.push(await bareNodeFloor());
  {
    // The floor for any request at 50 concurrent on this machine: the cheapest route.
    const s = await fiftyConcurrentGets(`${base}/api/health`);
    rows.push(
      `| baseline: GET /api/health, 50 concurrent | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} |`,
    );
  }
  const dbName = databaseUrl ? 'PostgreSQL' : 'PGlite';
  for (const [label, send] of [
    ['all users at one address (one shared router entry)', (i: number) => call(cookies[i]!)],
    ['each user at an address of their own', callFrom],
  ] as const) {
    for (const concurrency of [1, 10, 50]) {
      const times: number[] = [];
      const rounds = Math.max(5, Math.floor(300 / concurrency));
      const deadline = Date.now() + 60_000;
      for (let r = 0; r < rounds && Date.now() < deadline; r++) {
        times.push(...(await Promise.all(Array.from({ length: concurrency }, (_, i) => send(i)))));
      }
      const s = stats(times);
      rows.push(
        `| (d) HTTP "open access", ${concurrency} concurrent, ${label}, ${dbName} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} |`,
      );
    }
  }
  for (const agent of agents) agent.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
  return rows;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
