import { count, inArray } from 'drizzle-orm';
import { headers } from 'next/headers';
import { Gauge } from 'prom-client';
import { getDb } from '@/lib/db';
import { grants, LIVE_GRANT_STATUSES, routers } from '@/lib/db/schema';
import { metrics } from '@/lib/observability/metrics';
import { mayScrape } from '@/lib/observability/scrape-auth';

export const dynamic = 'force-dynamic';

/**
 * Prometheus scrape endpoint. With METRICS_TOKEN set, it needs `Authorization: Bearer <token>`;
 * without, it answers only clients on this machine (loopback).
 */
export async function GET() {
  if (!mayScrape(await headers())) {
    return new Response(
      'Unauthorized: send the METRICS_TOKEN as a bearer token, or scrape from this machine.\n',
      {
        status: 401,
        headers: { 'www-authenticate': 'Bearer' },
      },
    );
  }
  const m = metrics();
  try {
    const db = await getDb();
    const rows = await db
      .select({ routerId: grants.routerId, status: grants.status, n: count() })
      .from(grants)
      .where(inArray(grants.status, [...LIVE_GRANT_STATUSES]))
      .groupBy(grants.routerId, grants.status);
    m.grantsActive.reset();
    for (const r of rows) m.grantsActive.set({ router: r.routerId, status: r.status }, Number(r.n));
    const info = routerInfo(m.registry);
    info.reset();
    for (const r of await db.select({ id: routers.id, name: routers.name }).from(routers)) {
      info.set({ router: r.id, name: r.name }, 1);
    }
  } catch {
    // The database is down: serve what is in memory; /api/ready reports the outage.
  }
  return new Response(await m.registry.metrics(), {
    headers: { 'content-type': m.registry.contentType, 'cache-control': 'no-store' },
  });
}

function routerInfo(registry: ReturnType<typeof metrics>['registry']): Gauge<'router' | 'name'> {
  const existing = registry.getSingleMetric('knockgate_router_info');
  if (existing) return existing as Gauge<'router' | 'name'>;
  return new Gauge({
    name: 'knockgate_router_info',
    help: 'Router id to name (join on the router label)',
    labelNames: ['router', 'name'],
    registers: [registry],
  });
}
