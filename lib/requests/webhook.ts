/**
 * The optional outgoing webhook: a JSON POST on request created / approved / denied / expired /
 * cancelled, signed with HMAC-SHA256 so the receiver can tell it came from this Knockgate
 * (docs/requests.md shows how to verify). An event's delivery is written to an outbox table in
 * the transaction of the change it reports and sent after the commit, in the background, with a
 * timeout and retries; a failing endpoint costs a log line and a row marked failed on the admin
 * page, never a failed approval, and a stopped process loses no delivery.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import { randomToken } from '../crypto/tokens';
import type { Db, Queryable } from '../db/client';
import {
  type AccessRequest,
  routers,
  settings,
  users,
  type WebhookDelivery,
  webhookDeliveries,
} from '../db/schema';
import { checkboxField } from '../forms/fields';
import { errorText } from '../observability/error-text';
import { log } from '../observability/log';
import { fail, ok, type Result } from '../result';
import { formatDuration } from '../routeros';

export const WEBHOOK_SETTING = 'requests.webhook';
export const SIGNATURE_HEADER = 'x-knockgate-signature';
export const TIMESTAMP_HEADER = 'x-knockgate-timestamp';
export const EVENT_HEADER = 'x-knockgate-event';
export const DELIVERY_HEADER = 'x-knockgate-delivery';
const TIMEOUT_MS = 5_000;

type StoredWebhook = { url: string; enabled: boolean; secretEnc: string };

export type RequestEventName =
  | 'request.created'
  | 'request.approved'
  | 'request.denied'
  | 'request.expired'
  | 'request.cancelled';

export type WebhookPayload = {
  event: RequestEventName | 'webhook.test';
  deliveryId: string;
  occurredAt: string;
  actor: string;
  text: string;
  request?: {
    id: string;
    status: AccessRequest['status'];
    requester: string | null;
    address: string;
    kind: AccessRequest['kind'];
    router: string | null;
    list: string | null;
    requestedSeconds: number;
    approvedSeconds: number | null;
    reason: string;
    note: string | null;
    approvalsRequired: number;
    clientAddress: string | null;
    createdAt: string;
    expiresAt: string;
    decidedAt: string | null;
  };
};

export const webhookFormSchema = z.object({
  url: z
    .string()
    .trim()
    .max(2000, 'That URL is too long.')
    .refine(
      (v) => v === '' || isHttpUrl(v),
      'Enter an http:// or https:// URL, or leave it empty to turn off.',
    ),
  enabled: checkboxField,
  rotateSecret: checkboxField,
});
export type WebhookForm = z.output<typeof webhookFormSchema>;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The signature of one delivery: hex HMAC-SHA256, keyed with the webhook secret, over
 * `<timestamp>.<raw body>`. Signing the timestamp too lets receivers refuse replays.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

async function readStored(db: Queryable): Promise<StoredWebhook | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, WEBHOOK_SETTING));
  return row ? (row.value as StoredWebhook) : null;
}

/** What the admin page shows: never the secret itself. */
export async function webhookSettings(
  db: Queryable,
): Promise<{ url: string; enabled: boolean; hasSecret: boolean }> {
  const stored = await readStored(db);
  return { url: stored?.url ?? '', enabled: stored?.enabled ?? false, hasSecret: Boolean(stored?.secretEnc) };
}

/**
 * Saves the webhook. A secret is made the first time (and when asked to rotate) and returned
 * once, for the admin to put into the receiver; it is stored encrypted.
 */
export async function saveWebhook(
  db: Db,
  actor: Actor,
  input: WebhookForm,
  box: SecretBox = secretBox(),
): Promise<Result<{ url: string; enabled: boolean; secret: string | null }>> {
  if (input.enabled && input.url === '') {
    return fail('invalid_input', 'Enter the URL to turn the webhook on.', {
      url: 'Enter the URL to turn the webhook on.',
    });
  }
  return db.transaction(async (tx) => {
    const before = await readStored(tx);
    const secret = !before?.secretEnc || input.rotateSecret ? randomToken(32) : null;
    const value: StoredWebhook = {
      url: input.url,
      enabled: input.enabled,
      secretEnc: secret ? box.seal(secret, 'webhook-secret') : before!.secretEnc,
    };
    await tx
      .insert(settings)
      .values({ key: WEBHOOK_SETTING, value, updatedAt: new Date() })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: 'webhook.update',
      targetType: 'setting',
      targetId: WEBHOOK_SETTING,
      target: 'request webhook',
      details: {
        before: before ? { url: before.url, enabled: before.enabled } : null,
        after: { url: value.url, enabled: value.enabled },
        secretChanged: secret !== null,
      },
    });
    return ok({ url: value.url, enabled: value.enabled, secret });
  });
}

export type DeliveryResult =
  | { delivered: true; status: number }
  | { delivered: false; status?: number; error: string }
  | null;

/** Sends one payload now (null when no webhook is on). Never throws. */
export async function deliverWebhook(
  db: Queryable,
  payload: WebhookPayload,
  box: SecretBox = secretBox(),
): Promise<DeliveryResult> {
  let stored: StoredWebhook | null;
  try {
    stored = await readStored(db);
  } catch (error) {
    return { delivered: false, error: `settings unreadable: ${errorText(error)}` };
  }
  if (!stored?.enabled || !stored.url) return null;
  try {
    const secret = box.open(stored.secretEnc, 'webhook-secret');
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(stored.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Knockgate-Webhook/1',
        [EVENT_HEADER]: payload.event,
        [DELIVERY_HEADER]: payload.deliveryId,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: `sha256=${signWebhook(secret, timestamp, body)}`,
      },
      body,
      // A redirect would re-send the signed body somewhere the admin did not configure.
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // Drain the body so the socket is released.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    return { delivered: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { delivered: false, error: errorText(error) };
  }
}

/** Builds the payload of a request event from the row as it was when the event happened. */
export async function requestPayload(
  db: Queryable,
  event: RequestEventName,
  request: AccessRequest,
  actor: Actor,
  now: Date = new Date(),
): Promise<WebhookPayload> {
  const ids = [request.userId, ...(request.decidedBy ? [request.decidedBy] : [])];
  const names = new Map(
    (
      await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids))
    ).map((u) => [u.id, u.username]),
  );
  const router = request.routerId
    ? ((await db.select({ name: routers.name }).from(routers).where(eq(routers.id, request.routerId)))[0]
        ?.name ?? null)
    : null;
  const requester = names.get(request.userId) ?? null;
  const where = router
    ? `${router}${request.list ? ` › ${request.list}` : ''}`
    : 'every target of the policy';
  const asked = formatDuration(request.requestedSeconds);
  const granted = request.approvedSeconds ? formatDuration(request.approvedSeconds) : null;
  const who = requester ?? 'someone';
  const text = {
    'request.created': `${who} requests ${asked} for ${request.address} on ${where}: ${request.reason}`,
    'request.approved': `${actor.label} approved ${who}'s request: ${request.address} on ${where} for ${granted ?? asked}.`,
    'request.denied': `${actor.label} denied ${who}'s request for ${request.address} on ${where}${request.decisionNote ? `: ${request.decisionNote}` : '.'}`,
    'request.expired': `${who}'s request for ${request.address} on ${where} expired undecided.`,
    'request.cancelled': `${who} cancelled the request for ${request.address} on ${where}.`,
  }[event];
  return {
    event,
    deliveryId: randomUUID(),
    occurredAt: now.toISOString(),
    actor: actor.label,
    text,
    request: {
      id: request.id,
      status: request.status,
      requester,
      address: request.address,
      kind: request.kind,
      router,
      list: request.list,
      requestedSeconds: request.requestedSeconds,
      approvedSeconds: request.approvedSeconds,
      reason: request.reason,
      note: request.decisionNote,
      approvalsRequired: request.approvalsRequired,
      clientAddress: request.clientAddress,
      createdAt: request.createdAt.toISOString(),
      expiresAt: request.expiresAt.toISOString(),
      decidedAt: request.decidedAt?.toISOString() ?? null,
    },
  };
}

/**
 * Puts a request event's delivery into the outbox, inside the caller's transaction: it is sent
 * only if the change commits, and nothing is lost if the process stops before sending it. Writes
 * nothing when the webhook is off. The payload is built now, from the row as it is in the change.
 */
export async function queueRequestEvent(
  tx: Queryable,
  event: RequestEventName,
  request: AccessRequest,
  actor: Actor,
  now: Date = new Date(),
): Promise<boolean> {
  const stored = await readStored(tx);
  if (!stored?.enabled || !stored.url) return false;
  const payload = await requestPayload(tx, event, request, actor, now);
  await tx.insert(webhookDeliveries).values({
    id: payload.deliveryId,
    event,
    payload,
    status: 'pending',
    nextAttemptAt: sql`now()`,
    createdAt: now,
    updatedAt: now,
  });
  return true;
}

/** Tells the sender that deliveries were queued (called after the commit); returns at once. */
export type RequestNotifier = () => void;

/** Waits before the 2nd, 3rd and 4th attempt of a delivery that failed in a way worth retrying. */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];
/** How long a claimed delivery is left to its sender before another may take it over. */
const LEASE_MS = 60_000;
/**
 * Deliveries claimed at once by one sender. They are sent one after another, so the last of a
 * batch must still be inside its lease when its turn comes: BATCH × TIMEOUT_MS < LEASE_MS.
 */
const BATCH = 5;
/** The longest a sender sleeps before looking for due deliveries of other instances. */
const MAX_SLEEP_MS = 60_000;
/** Delivered and given-up deliveries are kept this long for the admin page, then deleted. */
export const WEBHOOK_KEEP_DAYS = 30;

/** No answer, a timeout, 429 or 5xx may pass; any other answer will be the same next time. */
function worthRetrying(result: DeliveryResult): boolean {
  if (!result || result.delivered) return false;
  return result.status === undefined || result.status === 429 || result.status >= 500;
}

/** The outcome of one attempt, as the delivery row records it (pending again: a retry). */
function settle(result: DeliveryResult, attempt: number, delays: number[], now: Date) {
  // Due times and leases are in the database's time, so instances whose clocks differ agree.
  if (result?.delivered) {
    return {
      status: 'delivered' as const,
      lastStatus: result.status,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: now,
    };
  }
  const error = result ? result.error : 'The webhook was turned off before this was sent.';
  const again = attempt <= delays.length && worthRetrying(result);
  return {
    status: again ? ('pending' as const) : ('failed' as const),
    lastStatus: result?.status ?? null,
    lastError: error.slice(0, 500),
    nextAttemptAt: again ? sql`now() + make_interval(secs => ${delays[attempt - 1]! / 1000})` : null,
  };
}

/**
 * The sender of the outbox. `kick()` (the notifier) starts a pass at once; a pass claims due
 * deliveries in the order they were queued (`FOR UPDATE SKIP LOCKED`, so instances sharing a
 * database never send one delivery twice at the same time), sends them one after another and
 * records each outcome. A delivery that fails with no answer, 429 or 5xx is tried again after
 * each of `retryDelaysMs` with the same delivery id (receivers drop duplicates by it) and a fresh
 * timestamp and signature. Between passes the sender sleeps until the next delivery is due (at
 * most a minute, so it also finds deliveries another instance queued or left unfinished).
 * `idle()` resolves when nothing is being sent and nothing is waiting for a retry.
 */
export function webhookSender(
  db: Db,
  options: {
    box?: SecretBox;
    retryDelaysMs?: number[];
    onResult?: (result: DeliveryResult, payload: WebhookPayload, attempt: number) => void;
  } = {},
) {
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  const idleWaiters: (() => void)[] = [];
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let waitingForRetry = false;
  let stopped = false;
  const report =
    options.onResult ??
    ((result: DeliveryResult, payload: WebhookPayload, attempt: number) => {
      if (result && !result.delivered) {
        const final = attempt > delays.length || !worthRetrying(result);
        log()[final ? 'warn' : 'info'](
          { event: payload.event, deliveryId: payload.deliveryId, attempt, error: result.error },
          final ? 'webhook not delivered' : 'webhook not delivered yet; will retry',
        );
      }
    });

  function settleIdle() {
    if (running || (timer && waitingForRetry)) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  async function claim(now: Date): Promise<WebhookDelivery[]> {
    // Due: pending ones whose time has come, and sending ones whose sender's lease ran out (it
    // stopped mid-send; the receiver may see that delivery id twice and drops the repeat).
    const due = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(
          inArray(webhookDeliveries.status, ['pending', 'sending']),
          lte(webhookDeliveries.nextAttemptAt, sql`now()`),
        ),
      )
      .orderBy(asc(webhookDeliveries.createdAt))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    const rows = await db
      .update(webhookDeliveries)
      .set({
        status: 'sending',
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        nextAttemptAt: sql`now() + make_interval(secs => ${LEASE_MS / 1000})`,
        updatedAt: now,
      })
      .where(inArray(webhookDeliveries.id, due))
      .returning();
    return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  /** Hands claimed deliveries that were not sent back (stopping): due now, attempt not counted. */
  async function unclaim(rows: WebhookDelivery[]) {
    const now = new Date();
    await db
      .update(webhookDeliveries)
      .set({
        status: 'pending',
        attempts: sql`${webhookDeliveries.attempts} - 1`,
        nextAttemptAt: sql`now()`,
        updatedAt: now,
      })
      .where(
        or(
          ...rows.map((r) =>
            and(
              eq(webhookDeliveries.id, r.id),
              eq(webhookDeliveries.status, 'sending'),
              eq(webhookDeliveries.attempts, r.attempts),
            ),
          ),
        ),
      );
  }

  async function sendOne(row: WebhookDelivery) {
    const payload = row.payload as WebhookPayload;
    const result = await deliverWebhook(db, payload, options.box ?? secretBox());
    report(result, payload, row.attempts);
    const now = new Date();
    // Only while the claim is still ours: had the lease run out (a stalled process) and another
    // sender taken the delivery over, its outcome stands.
    await db
      .update(webhookDeliveries)
      .set({ ...settle(result, row.attempts, delays, now), updatedAt: now })
      .where(
        and(
          eq(webhookDeliveries.id, row.id),
          eq(webhookDeliveries.status, 'sending'),
          eq(webhookDeliveries.attempts, row.attempts),
        ),
      );
  }

  /**
   * When the next delivery is due (a retry, or the end of another sender's lease; null: none),
   * and whether one of them is a retry this sender is waiting for.
   */
  async function nextDue(): Promise<{ inMs: number | null; retrying: boolean }> {
    const [row] = await db
      .select({
        inMs: sql<
          number | null
        >`extract(epoch from min(${webhookDeliveries.nextAttemptAt}) - now()) * 1000`.mapWith(
          (v: string | number | null) => (v === null ? null : Number(v)),
        ),
        retrying: sql<number>`count(*) filter (where ${webhookDeliveries.status} = 'pending')`.mapWith(
          Number,
        ),
      })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.status, ['pending', 'sending']));
    return { inMs: row?.inMs ?? null, retrying: (row?.retrying ?? 0) > 0 };
  }

  async function pass() {
    for (;;) {
      again = false;
      while (!stopped) {
        const rows = await claim(new Date());
        if (rows.length === 0) break;
        for (const [i, row] of rows.entries()) {
          if (stopped) {
            await unclaim(rows.slice(i));
            break;
          }
          await sendOne(row);
        }
      }
      const next = await nextDue();
      // A kick that came while we looked (a delivery committed after our last claim) goes round
      // again rather than waiting for the timer.
      if (again && !stopped) continue;
      schedule(next.inMs, next.retrying);
      return;
    }
  }

  function schedule(inMs: number | null, retrying: boolean) {
    if (timer) clearTimeout(timer);
    timer = null;
    waitingForRetry = false;
    if (stopped) return;
    const wait = inMs === null ? MAX_SLEEP_MS : Math.min(Math.max(inMs, 0), MAX_SLEEP_MS);
    waitingForRetry = inMs !== null && retrying;
    timer = setTimeout(() => {
      timer = null;
      waitingForRetry = false;
      kick();
    }, wait);
    timer.unref();
  }

  const kick: RequestNotifier = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => {
        // The database is unreachable: the deliveries stay queued; try again later.
        log().warn({ error: errorText(error) }, 'webhook deliveries could not be sent now');
        schedule(5_000, true);
      })
      .finally(() => {
        running = null;
        settleIdle();
      });
  };

  return Object.assign(kick, {
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    /**
     * No more passes; resolves when the delivery being sent (if any) has finished. Deliveries it
     * had claimed but not sent go back to the outbox for the next sender.
     */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      waitingForRetry = false;
      await running;
      settleIdle();
    },
  });
}

const senderKey = Symbol.for('knockgate.webhookSender');
type Holder = { [senderKey]?: { db: Db; send: ReturnType<typeof webhookSender> } };

/** The process-wide sender for a database (one per process). */
export function sharedSender(db: Db): ReturnType<typeof webhookSender> {
  const g = globalThis as Holder;
  if (g[senderKey]?.db !== db) {
    void g[senderKey]?.send.stop();
    g[senderKey] = { db, send: webhookSender(db) };
  }
  return g[senderKey]!.send;
}

/** Stops the process-wide sender of this database (shutdown); a later event starts a new one. */
export async function stopSharedSender(db: Db): Promise<void> {
  const g = globalThis as Holder;
  const current = g[senderKey];
  if (current?.db !== db) return;
  g[senderKey] = undefined;
  await current.send.stop();
}

/** Deletes delivered and given-up deliveries older than `WEBHOOK_KEEP_DAYS`. */
export async function pruneWebhookDeliveries(db: Queryable, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - WEBHOOK_KEEP_DAYS * 86_400_000);
  const gone = await db
    .delete(webhookDeliveries)
    .where(
      and(
        inArray(webhookDeliveries.status, ['delivered', 'failed']),
        lt(webhookDeliveries.updatedAt, before),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return gone.length;
}

/** The latest deliveries, newest first, for the admin page (payload text included, no secret). */
export async function recentDeliveries(db: Queryable, limit = 20) {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    event: r.event,
    text: (r.payload as WebhookPayload).text,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    nextAttemptAt: r.status === 'pending' ? (r.nextAttemptAt?.toISOString() ?? null) : null,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
  }));
}
export type DeliveryView = Awaited<ReturnType<typeof recentDeliveries>>[number];

/**
 * Queues a given-up delivery again (same delivery id, attempts counted afresh); audited. Only
 * `failed` deliveries can be sent again: a pending one is on its way, a delivered one arrived.
 */
export async function redeliver(db: Db, actor: Actor, id: string): Promise<Result<{ id: string }>> {
  const now = new Date();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: sql`now()`,
        lastError: null,
        lastStatus: null,
        updatedAt: now,
      })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'failed')))
      .returning();
    if (!row) {
      const [current] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      if (!current) return fail('not_found', 'No such delivery.');
      return fail(
        'not_failed',
        current.status === 'delivered'
          ? 'This delivery has arrived; there is nothing to send again.'
          : 'This delivery is still on its way.',
      );
    }
    await recordAudit(tx, {
      actor,
      action: 'webhook.redeliver',
      targetType: 'webhook_delivery',
      targetId: row.id,
      target: `${row.event} ${row.id}`,
      details: { event: row.event },
    });
    return ok({ id: row.id });
  });
}

/** A test delivery from the admin page, awaited so the admin sees the answer. */
export async function testWebhook(db: Queryable, actor: Actor, box: SecretBox = secretBox()) {
  return deliverWebhook(
    db,
    {
      event: 'webhook.test',
      deliveryId: randomUUID(),
      occurredAt: new Date().toISOString(),
      actor: actor.label,
      text: `Test message from Knockgate, sent by ${actor.label}.`,
    },
    box,
  );
}
