import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics. One registry for the process, on globalThis: server.ts and the Next.js bundle
 * load separate copies of this module and must count into the same metrics.
 */
function create() {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'knockgate' });
  collectDefaultMetrics({ register: registry, prefix: 'knockgate_process_' });
  const m = {
    registry,
    grantsOpened: new Counter({
      name: 'knockgate_grants_opened_total',
      help: 'Grants opened or extended and confirmed by the router',
      labelNames: ['router', 'source'] as const,
      registers: [registry],
    }),
    grantsFailed: new Counter({
      name: 'knockgate_grants_failed_total',
      help: 'Grant changes the router did not confirm (left pending and retried)',
      labelNames: ['router', 'code'] as const,
      registers: [registry],
    }),
    grantsActive: new Gauge({
      name: 'knockgate_grants_active',
      help: 'Live grants per router and status (read from the database at scrape time)',
      labelNames: ['router', 'status'] as const,
      registers: [registry],
    }),
    routerCommand: new Histogram({
      name: 'knockgate_router_command_duration_seconds',
      help: 'RouterOS API round trips',
      labelNames: ['router', 'command', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'knockgate_reconcile_duration_seconds',
      help: 'Duration of one reconcile of one router',
      labelNames: ['router', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    reconcileDrift: new Counter({
      name: 'knockgate_reconcile_drift_total',
      help: 'Router entries the reconciler had to repair',
      labelNames: ['router', 'kind'] as const,
      registers: [registry],
    }),
    signInFailures: new Counter({
      name: 'knockgate_signin_failures_total',
      help: 'Failed sign-ins',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    throttled: new Counter({
      name: 'knockgate_throttled_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    httpRequests: new Histogram({
      name: 'knockgate_http_request_duration_seconds',
      help: 'HTTP requests served',
      labelNames: ['method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
  return m;
}

type Metrics = ReturnType<typeof create>;
const key = Symbol.for('knockgate.metrics');

export function metrics(): Metrics {
  const holder = globalThis as { [key]?: Metrics };
  holder[key] ??= create();
  return holder[key];
}
