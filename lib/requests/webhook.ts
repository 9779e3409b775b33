/**
 * The optional outgoing webhook: a JSON POST on request created / approved / denied / expired /
 * cancelled, signed with HMAC-SHA256 so the receiver can tell it came from this Knockgate
 * (docs/requests.md shows how to verify). Delivery is best effort and never part of the change it
 * reports: events are queued after the change committed and sent one at a time in the
 * background, with a timeout; a failing endpoint costs a log line, never a failed approval.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import { randomToken } from '../crypto/tokens';
import type { Db, Queryable } from '../db/client';
import { type AccessRequest, routers, settings, users } from '../db/schema';
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
const QUEUE_LIMIT = 1_000;

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
    occurredAt: new Date().toISOString(),
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

export type RequestNotifier = (event: RequestEventName, request: AccessRequest, actor: Actor) => void;

/** Waits before the 2nd, 3rd and 4th attempt of a delivery that failed in a way worth retrying. */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];

/** No answer, a timeout, 429 or 5xx may pass; any other answer will be the same next time. */
function worthRetrying(result: DeliveryResult): boolean {
  if (!result || result.delivered) return false;
  return result.status === undefined || result.status === 429 || result.status >= 500;
}

/**
 * A notifier that queues webhook deliveries and sends them one after another in the background.
 * A delivery that fails with no answer, 429 or 5xx is tried again after each of `retryDelaysMs`
 * with the same delivery id (receivers drop duplicates by it) and a fresh timestamp and
 * signature; a waiting retry never holds up later deliveries. The queue lives in this process:
 * retries still waiting when it stops are lost (the audit log keeps every event).
 * It returns at once; `idle()` resolves when nothing is queued, sending or waiting to retry.
 */
export function webhookNotifier(
  db: Queryable,
  options: {
    box?: SecretBox;
    retryDelaysMs?: number[];
    onResult?: (result: DeliveryResult, payload: WebhookPayload, attempt: number) => void;
  } = {},
) {
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  const queue: (() => Promise<void>)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const idleWaiters: (() => void)[] = [];
  let running: Promise<void> | null = null;
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
    if (running || queue.length > 0 || timers.size > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function pump() {
    running ??= (async () => {
      while (queue.length > 0) {
        const job = queue.shift()!;
        try {
          await job();
        } catch (error) {
          log().warn({ error: errorText(error) }, 'webhook delivery failed');
        }
      }
      running = null;
      settleIdle();
    })();
  }

  function attempt(payload: WebhookPayload, n: number): () => Promise<void> {
    return async () => {
      const result = await deliverWebhook(db, payload, options.box ?? secretBox());
      report(result, payload, n);
      if (n <= delays.length && worthRetrying(result)) {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            queue.push(attempt(payload, n + 1));
            pump();
          },
          delays[n - 1],
        );
        timer.unref();
        timers.add(timer);
      }
    };
  }

  const notify: RequestNotifier = (event, request, actor) => {
    if (queue.length >= QUEUE_LIMIT) {
      log().warn({ event, requestId: request.id }, 'webhook queue full; event dropped');
      return;
    }
    const snapshot = { ...request };
    queue.push(async () => {
      const settings = await webhookSettings(db).catch(() => null);
      if (!settings?.enabled) return;
      const payload = await requestPayload(db, event, snapshot, actor);
      await attempt(payload, 1)();
    });
    pump();
  };
  return Object.assign(notify, {
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
  });
}

const notifierKey = Symbol.for('knockgate.requestNotifier');
type Holder = { [notifierKey]?: { db: Queryable; notify: RequestNotifier } };

/** The process-wide notifier for a database (one queue per process). */
export function sharedNotifier(db: Queryable): RequestNotifier {
  const g = globalThis as Holder;
  if (g[notifierKey]?.db !== db) g[notifierKey] = { db, notify: webhookNotifier(db) };
  return g[notifierKey]!.notify;
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
