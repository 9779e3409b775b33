/**
 * The background side of grants, hosted by server.ts: on start, on every router reconnect and
 * every `intervalMs`, the leader expires grants and reconciles each enabled router; every
 * `retryMs` it retries router changes that failed (pending opens, pending revokes). Every
 * instance also starts its webhook sender each cycle, so deliveries queued by an instance that
 * stopped are sent by another.
 */
import { hostname } from 'node:os';
import { eq, lt } from 'drizzle-orm';
import { type Actor, systemActor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { pruneFailures } from '../auth/throttle';
import type { Db } from '../db/client';
import { rateEvents, routers } from '../db/schema';
import { errorText } from '../observability/error-text';
import { metrics } from '../observability/metrics';
import { applyRotation } from '../profiles/service';
import { expireRequests, openInterruptedApprovals } from '../requests/service';
import { pruneWebhookDeliveries, sharedSender, stopSharedSender } from '../requests/webhook';
import { endUncoveredAccess } from './access';
import type { RouterGateway } from './gateway';
import { type EntryLocks, processEntryLocks } from './key-lock';
import type { LeaderElector } from './leader';
import { type OrphanMemory, type ReconcileReport, reconcileRouter } from './reconciler';
import { expireGrants, type GrantContext, retryDueGrants } from './service';

export type WorkerStatus = {
  leader: boolean;
  lastRunAt: string | null;
  /** Why the last cycle did nothing, if it did nothing (database unreadable). */
  paused: string | null;
  routers: Record<string, ReconcileReport>;
};

export type WorkerOptions = {
  db: Db;
  gateway: RouterGateway;
  leader: LeaderElector;
  /** Entry locks shared with the app's requests (this process's by default). */
  locks?: EntryLocks;
  intervalMs?: number;
  retryMs?: number;
  actor?: Actor;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
};

const statusKey = Symbol.for('knockgate.workerStatus');

/** The last reconcile results, for the admin pages and /api/health (same process). */
export function workerStatus(): WorkerStatus {
  const g = globalThis as { [statusKey]?: WorkerStatus };
  g[statusKey] ??= { leader: false, lastRunAt: null, paused: null, routers: {} };
  return g[statusKey];
}

export function startGrantWorker(options: WorkerOptions) {
  const intervalMs = options.intervalMs ?? 30_000;
  const retryMs = options.retryMs ?? 2_000;
  const actor = options.actor ?? systemActor;
  const log = options.log ?? (() => {});
  const ctx: GrantContext = {
    db: options.db,
    clientFor: options.gateway.clientFor,
    locks: options.locks ?? processEntryLocks(),
  };
  const orphans: OrphanMemory = new Map();
  const status = workerStatus();
  let stopped = false;
  let running: Promise<void> | null = null;
  let rerun = false;
  const urgent = new Set<string>();

  const instance = `${hostname()}:${process.pid}`;
  async function noteLeadership(leader: boolean) {
    if (status.leader === leader) return;
    status.leader = leader;
    log(
      leader ? 'info' : 'warn',
      leader ? 'this instance leads the reconciler' : 'this instance no longer leads',
    );
    await auditLeadership(options.db, leader, instance).catch(() => {});
  }

  async function cycle(onlyRouter?: string): Promise<void> {
    if (!stopped) sharedSender(options.db)();
    if (!(await options.leader.check())) {
      await noteLeadership(false);
      return;
    }
    await noteLeadership(true);
    try {
      await expireGrants(ctx, actor);
      const ended = await endUncoveredAccess(ctx, actor);
      if (ended > 0) log('info', 'ended access no longer covered by a policy', { grants: ended });
      // Requests left undecided past their TTL end here (approve also refuses them on its own).
      await expireRequests(options.db, new Date());
      // Throttling and rate-limit rows older than their longest window count for nothing.
      const dayAgo = new Date(Date.now() - 24 * 3600_000);
      await pruneFailures(options.db, dayAgo);
      await options.db.delete(rateEvents).where(lt(rateEvents.at, dayAgo));
      await pruneWebhookDeliveries(options.db);
    } catch (error) {
      status.paused = `The database is unavailable: ${errorText(error)}`;
      log('error', 'reconciler paused: database unavailable', { error: errorText(error) });
      return;
    }
    let list: { id: string; name: string; ipv4List: string; ipv6List: string }[];
    try {
      list = await options.db
        .select({
          id: routers.id,
          name: routers.name,
          ipv4List: routers.ipv4List,
          ipv6List: routers.ipv6List,
        })
        .from(routers)
        .where(eq(routers.enabled, true));
    } catch (error) {
      status.paused = `The database is unavailable: ${errorText(error)}`;
      return;
    }
    status.paused = null;
    for (const router of list) {
      if (stopped) return;
      if (onlyRouter && router.id !== onlyRouter) continue;
      let report: ReconcileReport;
      try {
        report = await reconcileRouter(ctx, actor, router, orphans);
      } catch (error) {
        // One router's surprise (an unreadable stored password, say) must not stop the others.
        log('error', 'reconcile of a router failed', {
          router: router.name,
          error: errorText(error),
        });
        continue;
      }
      status.routers[router.id] = report;
      const m = metrics();
      m.reconcileDuration.observe(
        { router: router.id, outcome: report.skipped?.reason ?? 'ok' },
        report.durationMs / 1000,
      );
      for (const kind of ['added', 'removed', 'updated'] as const) {
        if (report[kind] > 0) m.reconcileDrift.inc({ router: router.id, kind }, report[kind]);
      }
      if (report.skipped?.reason === 'database_unavailable') {
        status.paused = report.skipped.message;
        log('error', 'reconciler paused: database unavailable', { router: router.name });
      } else if (report.skipped) {
        log('warn', 'router unreachable during reconcile', {
          router: router.name,
          error: report.skipped.message,
        });
      } else if (report.added + report.removed + report.updated > 0) {
        log('info', 'reconciled router', {
          router: router.name,
          added: report.added,
          removed: report.removed,
          updated: report.updated,
        });
      }
    }
    // Approvals whose grants were never recorded (a crash between the two) are completed.
    try {
      const done = await openInterruptedApprovals(ctx, actor);
      if (done.opened + done.skipped > 0) log('info', 'completed interrupted approvals', done);
    } catch (error) {
      log('warn', 'completing interrupted approvals failed', { error: errorText(error) });
    }
    // Rotating knock sequences move to the current time window (a no-op for fixed profiles).
    try {
      const rotated = await applyRotation(options.db, new Date(), { actor });
      for (const r of rotated) {
        if (r.outcome === 'failed') log('warn', 'knock profile rotation failed', { ...r });
      }
    } catch (error) {
      log('warn', 'knock profile rotation failed', { error: errorText(error) });
    }
    status.lastRunAt = new Date().toISOString();
  }

  /** Runs one cycle at a time; a request during a cycle runs one more afterwards. */
  function trigger(routerId?: string): Promise<void> {
    if (routerId) urgent.add(routerId);
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      do {
        rerun = false;
        const only = urgent.size === 1 ? [...urgent][0] : undefined;
        urgent.clear();
        try {
          await cycle(only);
        } catch (error) {
          log('error', 'reconcile cycle failed', { error: errorText(error) });
        }
      } while (rerun && !stopped);
      running = null;
    })();
    return running;
  }

  let retrying = false;
  async function retryTick() {
    if (retrying || stopped || !options.leader.isLeader) return;
    // Leadership is re-checked first: a lost database connection released the lock, and a former
    // leader must not keep retrying beside the new one.
    if (!(await options.leader.check())) {
      await noteLeadership(false);
      return;
    }
    retrying = true;
    try {
      await retryDueGrants(ctx, actor);
    } catch (error) {
      log('warn', 'retry of pending grants failed', { error: errorText(error) });
    } finally {
      retrying = false;
    }
  }

  const unsubscribe = options.gateway.onConnected((routerId) => void trigger(routerId));
  const interval = setInterval(() => void trigger(), intervalMs);
  const retry = setInterval(() => void retryTick(), retryMs);
  interval.unref();
  retry.unref();
  const first = trigger();

  return {
    /** Resolves when the first cycle (run at start) has finished. */
    ready: first,
    /** Reconcile now (all routers, or one) and wait for it. */
    runNow: (routerId?: string) => trigger(routerId),
    retryNow: () => retryTick(),
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearInterval(retry);
      unsubscribe();
      await running;
      await stopSharedSender(options.db);
      await options.leader.stop();
    },
  };
}

export type GrantWorker = ReturnType<typeof startGrantWorker>;

export async function auditLeadership(db: Db, leader: boolean, instance: string) {
  await recordAudit(db, {
    actor: systemActor,
    action: leader ? 'reconciler.leader_acquired' : 'reconciler.leader_lost',
    targetType: 'instance',
    target: instance,
  });
}
