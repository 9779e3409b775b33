/**
 * Audit export benchmark (issue 5, acceptance 6): memory while exporting 100,000 audit rows.
 *
 *   (a) in this process: the streaming export (`auditExportStream`, CSV and JSON) read to the end
 *       while the heap and RSS are sampled every 10 ms; for contrast, the same rows loaded at once
 *       and turned into one CSV string (what the export must not do)
 *   (b) over HTTP against the built app (`server.ts`): GET /api/admin/audit/export as an admin,
 *       the server process's RSS sampled from /proc every 20 ms while the client downloads
 *
 *   npx tsx --expose-gc bench/audit-export.ts [--rows 100000] [--page 1000] [--database-url postgres://…]
 *                                             [--skip-http]
 *
 * (b) needs a build (`npx next build`) and runs on PGlite. Figures go to docs/benchmarks.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { asc, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { auditExportStream, csvRow } from '@/lib/audit/export';
import { auditFilterSchema } from '@/lib/audit/query';
import { hashPassword } from '@/lib/auth/password';
import { type Db, openDatabase } from '@/lib/db/client';
import { auditEvents, users } from '@/lib/db/schema';
import { freePort, signInOverHttp, waitForHealth } from '@/tests/http';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    page: { type: 'string', default: '1000' },
    'database-url': { type: 'string' },
    'skip-http': { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const PAGE = Number(values.page);
const MB = 1024 * 1024;
const mb = (n: number) => (n / MB).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const root = path.resolve(import.meta.dirname, '..');
const everything = auditFilterSchema.parse({});

/** 100,000 rows like the real ones: a grant event with a before/after in its details. */
async function seed(db: Db, rows: number) {
  await db.execute(sql`
    insert into audit_events (at, actor, actor_user_id, action, target_type, target_id, target, client_address, details)
    select now() - (${rows} - g) * interval '1 second', 'user' || (g % 500), gen_random_uuid(),
           (array['grant.open','grant.extend','grant.revoke','request.create','request.approve','auth.sign_in'])[1 + g % 6],
           'grant', gen_random_uuid()::text, '198.51.' || (g % 250) || '.' || (g % 200) || ' → knockgate',
           '198.51.' || (g % 250) || '.' || (g % 200),
           jsonb_build_object('routerId', gen_random_uuid(), 'list', 'knockgate', 'source', 'web',
             'status', 'active', 'expiresAt', now(), 'durationSeconds', 3600,
             'before', jsonb_build_object('expiresAt', now(), 'status', 'pending'))
    from generate_series(1, ${rows}) g`);
}

type Sample = { heap: number; rss: number; external: number; progress: number };
/** Samples memory every `everyMs`; `progress()` (0..1) tells which quarter of the work a sample belongs to. */
function sampler(read: () => Omit<Sample, 'progress'>, everyMs: number, progress: () => number) {
  const samples: Sample[] = [];
  const take = () => samples.push({ ...read(), progress: progress() });
  const timer = setInterval(take, everyMs);
  return {
    /** In-process work on PGlite rarely lets a timer fire: callers also sample at each step. */
    take,
    stop() {
      clearInterval(timer);
      take();
      const quarters = [0, 1, 2, 3].map((q) =>
        Math.max(
          0,
          ...samples.filter((x) => Math.min(3, Math.floor(x.progress * 4)) === q).map((x) => x.rss),
        ),
      );
      const heapQuarters = [0, 1, 2, 3].map((q) =>
        Math.max(
          0,
          ...samples.filter((x) => Math.min(3, Math.floor(x.progress * 4)) === q).map((x) => x.heap),
        ),
      );
      return {
        n: samples.length,
        peakHeap: Math.max(...samples.map((s) => s.heap)),
        peakRss: Math.max(...samples.map((s) => s.rss)),
        rssByQuarter: quarters,
        heapByQuarter: heapQuarters,
      };
    },
  };
}
const own = (): Omit<Sample, 'progress'> => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
};

async function inProcess(): Promise<string[]> {
  const url = values['database-url'];
  let handle: Awaited<ReturnType<typeof openDatabase>>;
  let drop: (() => Promise<void>) | undefined;
  if (url) {
    const name = `kg_bench_${Date.now().toString(36)}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${name}`;
    handle = await openDatabase({ driver: 'postgres', url: u.toString(), max: 4 });
    drop = async () => {
      const c = postgres(url, { max: 1, onnotice: () => {} });
      await c.unsafe(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    handle = await openDatabase({ driver: 'pglite', dataDir: 'memory' });
  }
  await handle.migrate();
  const t0 = performance.now();
  await seed(handle.db, ROWS);
  const seeded = performance.now() - t0;
  const lines = [
    `(a) ${ROWS.toLocaleString('en')} rows seeded in ${(seeded / 1000).toFixed(1)} s on ${url ? 'PostgreSQL' : 'PGlite (in memory)'}; page size ${PAGE}.`,
    '',
    '| run | time | output | rows/s | heap before → peak → after (MB) | peak heap per quarter of the rows (MB) | live heap after GC at ¼ / ½ / ¾ (MB) | RSS before → peak (MB) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const format of ['csv', 'json'] as const) {
    gc();
    const before = own();
    let bytes = 0;
    const expected = format === 'csv' ? 440 * ROWS : 520 * ROWS;
    const s = sampler(own, 10, () => Math.min(1, bytes / expected));
    const live: number[] = [];
    const t = performance.now();
    const reader = auditExportStream(handle.db, everything, format, { pageSize: PAGE }).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      s.take();
      // Live memory (garbage collected first) at each quarter: what the export really holds.
      const quarter = Math.min(4, Math.floor((bytes / expected) * 4));
      if (quarter > live.length && quarter < 4) {
        gc();
        live.push(process.memoryUsage().heapUsed);
      }
    }
    const ms = performance.now() - t;
    const r = s.stop();
    gc();
    const after = own();
    lines.push(
      `| streaming ${format.toUpperCase()} | ${(ms / 1000).toFixed(2)} s | ${mb(bytes)} MB | ${Math.round(ROWS / (ms / 1000)).toLocaleString('en')} | ${mb(before.heap)} → ${mb(r.peakHeap)} → ${mb(after.heap)} | ${r.heapByQuarter.map(mb).join(' / ')} | ${live.map(mb).join(' / ')} | ${mb(before.rss)} → ${mb(r.peakRss)} |`,
    );
  }
  // For contrast: everything at once, then one string.
  gc();
  const before = own();
  let phase = 0;
  const s = sampler(own, 10, () => phase);
  const t = performance.now();
  const all = await handle.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
  s.take();
  phase = 0.5;
  const text = all.map(csvRow).join('');
  s.take();
  phase = 1;
  const ms = performance.now() - t;
  const r = s.stop();
  const bytes = Buffer.byteLength(text);
  all.length = 0;
  gc();
  const after = own();
  lines.push(
    `| all rows loaded, one string (contrast) | ${(ms / 1000).toFixed(2)} s | ${mb(bytes)} MB | ${Math.round(ROWS / (ms / 1000)).toLocaleString('en')} | ${mb(before.heap)} → ${mb(r.peakHeap)} → ${mb(after.heap)} | — | — | ${mb(before.rss)} → ${mb(r.peakRss)} |`,
  );
  await handle.close();
  await drop?.();
  return lines;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function overHttp(): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-audit-'));
  const password = 'bench-admin-password-0123';
  {
    const db = await openDatabase({ driver: 'pglite', dataDir, lock: false });
    await db.migrate();
    await db.db
      .insert(users)
      .values({ username: 'bench-admin', role: 'admin', passwordHash: await hashPassword(password) });
    await seed(db.db, ROWS);
    await db.close();
  }
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      KNOCKGATE_SECRET: 'bench-secret-that-is-long-enough-0123456789abcdef',
      LOG_LEVEL: 'warn',
      RECONCILE_INTERVAL_SECONDS: '3600',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => server.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base);
    const cookie = await signInOverHttp(base, 'bench-admin', password);
    // Warm up the route (first compile of the handler, first queries).
    await (
      await fetch(`${base}/api/admin/audit/export?format=csv&action=none.such`, { headers: { cookie } })
    ).text();
    const lines = [
      `(b) over HTTP, the built app on PGlite with ${ROWS.toLocaleString('en')} audit rows; RSS of the server process.`,
      '',
      '| export | time | bytes | server RSS idle → peak (MB) | peak RSS per quarter of the download (MB) | first byte after |',
      '|---|---|---|---|---|---|',
    ];
    for (const format of ['csv', 'json'] as const) {
      await new Promise((r) => setTimeout(r, 500));
      const idle = rssOf(server.pid!);
      let bytes = 0;
      const expected = format === 'csv' ? 440 * ROWS : 520 * ROWS;
      const s = sampler(
        () => ({ heap: 0, rss: rssOf(server.pid!), external: 0 }),
        20,
        () => Math.min(1, bytes / expected),
      );
      const t = performance.now();
      const response = await fetch(`${base}/api/admin/audit/export?format=${format}`, {
        headers: { cookie },
      });
      if (!response.ok || !response.body) throw new Error(`export answered ${response.status}`);
      const reader = response.body.getReader();
      let firstByte = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) firstByte = performance.now() - t;
        bytes += value.byteLength;
      }
      const ms = performance.now() - t;
      const r = s.stop();
      lines.push(
        `| ${format.toUpperCase()} | ${(ms / 1000).toFixed(2)} s | ${mb(bytes)} MB | ${mb(idle)} → ${mb(r.peakRss)} | ${r.rssByQuarter.map(mb).join(' / ')} | ${firstByte.toFixed(0)} ms |`,
      );
    }
    return lines;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const out = [
  `Audit export benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores`,
  '',
];
if (!(globalThis as { gc?: unknown }).gc)
  out.push('(run with --expose-gc for before/after heap figures after a collection)', '');
out.push(...(await inProcess()));
if (!values['skip-http']) out.push('', ...(await overHttp()));
console.log(out.join('\n'));
process.exit(0);
