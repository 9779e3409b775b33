import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, grants, settings, webhookDeliveries } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, startRouterFixture, testBox } from '@/tests/router-fixture';
import { approveRequest, cancelRequest, createRequest, denyRequest } from './service';
import {
  type DeliveryResult,
  pruneWebhookDeliveries,
  recentDeliveries,
  redeliver,
  saveWebhook,
  testWebhook,
  WEBHOOK_SETTING,
  type WebhookPayload,
  webhookSender,
} from './webhook';

/**
 * The outgoing webhook against a real HTTP server on loopback: the signature verifies with the
 * secret shown to the admin (checked with the openssl CLI, as docs/requests.md describes), and an
 * endpoint that fails, hangs or is not there never blocks or fails an approval.
 */
type Received = { headers: http.IncomingHttpHeaders; body: string; respond: (status: number) => void };

async function receiver(mode: { status?: number | ((event: string) => number); hang?: boolean } = {}) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let answered = false;
      const respond = (status: number) => {
        if (answered) return;
        answered = true;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('ok');
      };
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), respond });
      if (!mode.hang)
        respond(
          typeof mode.status === 'function'
            ? mode.status(String(req.headers['x-knockgate-event']))
            : (mode.status ?? 200),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/knockgate`,
    received,
    async close() {
      for (const r of received) r.respond(200);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let db: DatabaseHandle;
let fx: Awaited<ReturnType<typeof startRouterFixture>>;
const results: { result: DeliveryResult; payload: WebhookPayload }[] = [];
let notifier: ReturnType<typeof webhookSender>;

/** One attempt per event, unless a test swaps in a sender of its own (`withSender`). */
const defaultSender = () =>
  webhookSender(db.db, {
    box: testBox,
    retryDelaysMs: [],
    onResult: (result, payload) => results.push({ result, payload }),
  });

/**
 * Runs a test with `sender` as the only sender (deliveries live in the database, so any sender
 * would take them; two with different retry delays would make the test depend on which won).
 */
async function withSender(sender: ReturnType<typeof webhookSender>, work: () => Promise<void>) {
  await notifier.idle();
  await notifier.stop();
  notifier = sender;
  try {
    await work();
  } finally {
    await sender.stop();
    notifier = defaultSender();
  }
}

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
  notifier = defaultSender();
});
afterAll(async () => {
  await notifier.idle();
  await notifier.stop();
  await fx.close();
  await db.close();
});

let n = 0;
async function pendingRequest(seconds = 3600) {
  const user = await makeUser(db.db);
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `hook-${++n}`,
    subject: `user:${user.id}`,
    defaultDuration: 3600,
    maxDuration: 8 * 3600,
    knockOnSignIn: false,
    directAccess: false,
    targets: [fx.router.id],
  });
  if (!saved.ok) throw new Error(saved.error.message);
  const address = `192.0.2.${n}`;
  const created = await createRequest(
    db.db,
    user,
    actorFor(user, address),
    {
      target: 'any',
      address: '',
      duration: seconds,
      reason: 'Database maintenance window',
      clientAddress: { family: 4, address },
    },
    { notify: () => notifier() },
  );
  if (!created.ok) throw new Error(created.error.message);
  return { user, request: created.value, address };
}

async function configure(url: string) {
  const admin = await makeUser(db.db, { role: 'admin' });
  const saved = await saveWebhook(
    db.db,
    actorFor(admin),
    { url, enabled: true, rotateSecret: true },
    testBox,
  );
  if (!saved.ok || !saved.value.secret) throw new Error('webhook not saved');
  return saved.value.secret;
}

const approver = () => makeUser(db.db, { role: 'approver' });

/** The receiver's check, exactly as docs/requests.md tells it, computed by the openssl CLI. */
function opensslVerifies(secret: string, received: Received): boolean {
  const timestamp = String(received.headers['x-knockgate-timestamp']);
  const expected = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-r'], {
    input: `${timestamp}.${received.body}`,
  })
    .toString()
    .split(' ')[0]!
    .trim();
  const header = String(received.headers['x-knockgate-signature']);
  return header === `sha256=${expected}`;
}

describe('webhook', () => {
  it('acceptance 7: every delivery is signed so that the documented check with the shown secret passes', async () => {
    const hook = await receiver();
    try {
      const secret = await configure(hook.url);
      const { request, user } = await pendingRequest();
      const b = await approver();
      const approved = await approveRequest(
        fx.ctx,
        b,
        actorFor(b),
        request.id,
        { seconds: 1800 },
        { notify: notifier },
      );
      expect(approved).toMatchObject({ ok: true, value: { state: 'approved' } });
      await notifier.idle();
      const ours = hook.received.filter((r) => JSON.parse(r.body).request?.id === request.id);
      expect(ours.map((r) => r.headers['x-knockgate-event'])).toEqual([
        'request.created',
        'request.approved',
      ]);
      for (const r of ours) {
        expect(r.headers['content-type']).toBe('application/json');
        expect(opensslVerifies(secret, r)).toBe(true);
        // A receiver holding another secret, or a body changed on the way, does not verify.
        expect(opensslVerifies(`${secret}x`, r)).toBe(false);
        expect(opensslVerifies(secret, { ...r, body: r.body.replace('maintenance', 'Maintenance') })).toBe(
          false,
        );
        // The same check in Node, as the docs show it.
        const mac = createHmac('sha256', secret)
          .update(`${r.headers['x-knockgate-timestamp']}.${r.body}`)
          .digest();
        const sent = Buffer.from(String(r.headers['x-knockgate-signature']).replace(/^sha256=/, ''), 'hex');
        expect(sent.length === mac.length && timingSafeEqual(sent, mac)).toBe(true);
      }
      const payload = JSON.parse(ours[1]!.body) as WebhookPayload;
      expect(payload).toMatchObject({
        event: 'request.approved',
        actor: b.username,
        request: {
          id: request.id,
          status: 'approved',
          requester: user.username,
          requestedSeconds: 3600,
          approvedSeconds: 1800,
          reason: 'Database maintenance window',
        },
      });
      expect(payload.text).toContain(`${b.username} approved ${user.username}'s request`);
      expect(ours[1]!.headers['x-knockgate-delivery']).toBe(payload.deliveryId);
    } finally {
      await hook.close();
    }
  });

  it('acceptance 7: an endpoint answering 500 does not fail the approval; the grant opens', async () => {
    const hook = await receiver({ status: 500 });
    try {
      await configure(hook.url);
      const { request } = await pendingRequest();
      const b = await approver();
      const approved = await approveRequest(fx.ctx, b, actorFor(b), request.id, {}, { notify: notifier });
      expect(approved).toMatchObject({ ok: true, value: { state: 'approved' } });
      const [grant] = await db.db.select().from(grants).where(eq(grants.requestId, request.id));
      expect(grant?.status).toBe('active');
      await notifier.idle();
      const failed = results.filter((r) => r.payload.request?.id === request.id);
      expect(failed.map((r) => r.result)).toEqual([
        { delivered: false, status: 500, error: 'HTTP 500' },
        { delivered: false, status: 500, error: 'HTTP 500' },
      ]);
    } finally {
      await hook.close();
    }
  });

  it('acceptance 7: an endpoint that hangs does not hold up approvals or denials', async () => {
    const hook = await receiver({ hang: true });
    try {
      await configure(hook.url);
      const first = await pendingRequest();
      const second = await pendingRequest();
      // The "created" deliveries are stuck at the receiver, unanswered; decisions go on.
      await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      const b = await approver();
      expect(
        await approveRequest(fx.ctx, b, actorFor(b), first.request.id, {}, { notify: notifier }),
      ).toMatchObject({ ok: true, value: { state: 'approved' } });
      expect(
        await denyRequest(db.db, b, actorFor(b), second.request.id, { note: 'later' }, { notify: notifier }),
      ).toMatchObject({ ok: true, value: { status: 'denied' } });
      const [grant] = await db.db.select().from(grants).where(eq(grants.requestId, first.request.id));
      expect(grant?.status).toBe('active');
      // Both decisions are done while the first delivery is still waiting for its answer.
      expect(hook.received.filter((r) => r.headers['x-knockgate-event'] !== 'request.created')).toEqual([]);
      // Answering each delivery lets the queue move on to the next.
      await expect
        .poll(
          () => {
            for (const r of hook.received) r.respond(200);
            return hook.received.map((r) => r.headers['x-knockgate-event']);
          },
          { timeout: 20_000, interval: 100 },
        )
        .toEqual(expect.arrayContaining(['request.approved', 'request.denied']));
      for (const r of hook.received) r.respond(200);
      await notifier.idle();
    } finally {
      await hook.close();
    }
  });

  it('acceptance 7: nobody listening (connection refused) does not fail the approval', async () => {
    const hook = await receiver();
    const url = hook.url;
    await hook.close();
    await configure(url);
    const { request } = await pendingRequest();
    const b = await approver();
    expect(await approveRequest(fx.ctx, b, actorFor(b), request.id, {}, { notify: notifier })).toMatchObject({
      ok: true,
      value: { state: 'approved' },
    });
    await notifier.idle();
    const mine = results.filter((r) => r.payload.request?.id === request.id);
    expect(mine).toHaveLength(2);
    for (const r of mine) expect(r.result).toMatchObject({ delivered: false });
  });

  it('a delivery answered 503 is retried with the same id, each send signed, until it lands; 400 is not retried', async () => {
    // "created" lands; "approved" meets 503, 503, 200; later: 400.
    const answers = [503, 503, 200];
    const hook = await receiver({
      status: (event) => (event === 'request.created' ? 200 : (answers.shift() ?? 400)),
    });
    const attempts: { result: DeliveryResult; payload: WebhookPayload; attempt: number }[] = [];
    const retrying = webhookSender(db.db, {
      box: testBox,
      retryDelaysMs: [20, 40, 80],
      onResult: (result, payload, attempt) => attempts.push({ result, payload, attempt }),
    });
    try {
      await withSender(retrying, async () => {
        const secret = await configure(hook.url);
        const { request } = await pendingRequest();
        const b = await approver();
        await approveRequest(fx.ctx, b, actorFor(b), request.id, {}, { notify: retrying });
        await retrying.idle();
        // The "approved" event: 503, 503, then 200 — three sends of one delivery.
        const approved = attempts.filter((a) => a.payload.event === 'request.approved');
        expect(approved.map((a) => [a.attempt, a.result])).toEqual([
          [1, { delivered: false, status: 503, error: 'HTTP 503' }],
          [2, { delivered: false, status: 503, error: 'HTTP 503' }],
          [3, { delivered: true, status: 200 }],
        ]);
        const sent = hook.received.filter((r) => r.headers['x-knockgate-event'] === 'request.approved');
        expect(sent).toHaveLength(3);
        expect(new Set(sent.map((r) => r.headers['x-knockgate-delivery']))).toEqual(
          new Set([approved[0]!.payload.deliveryId]),
        );
        for (const r of sent) expect(opensslVerifies(secret, r)).toBe(true);
        const [row] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.id, approved[0]!.payload.deliveryId));
        expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });

        // The receiver now answers 400: the next event is sent once and given up.
        const later = await pendingRequest();
        await retrying.idle();
        const before = hook.received.length;
        await cancelRequest(db.db, later.user, actorFor(later.user), later.request.id, { notify: retrying });
        await retrying.idle();
        expect(hook.received.length).toBe(before + 1);
        expect(attempts.at(-1)).toMatchObject({
          attempt: 1,
          result: { delivered: false, status: 400 },
          payload: { event: 'request.cancelled', request: { id: later.request.id } },
        });
        const [given] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.id, attempts.at(-1)!.payload.deliveryId));
        expect(given).toMatchObject({
          status: 'failed',
          attempts: 1,
          lastStatus: 400,
          lastError: 'HTTP 400',
        });
      });
    } finally {
      await hook.close();
    }
  });

  it('a receiver that never answers well is tried 1 + retries times, then given up (and can be sent again)', async () => {
    const hook = await receiver({ status: 502 });
    const attempts: number[] = [];
    const retrying = webhookSender(db.db, {
      box: testBox,
      retryDelaysMs: [10, 10],
      onResult: (_result, payload, attempt) => {
        if (payload.event === 'request.cancelled') attempts.push(attempt);
      },
    });
    try {
      await withSender(retrying, async () => {
        await configure(hook.url);
        const { request, user } = await pendingRequest();
        await cancelRequest(db.db, user, actorFor(user), request.id, { notify: retrying });
        await retrying.idle();
        expect(attempts).toEqual([1, 2, 3]);
        const [row] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(
            and(eq(webhookDeliveries.event, 'request.cancelled'), eq(webhookDeliveries.status, 'failed')),
          )
          .orderBy(desc(webhookDeliveries.createdAt))
          .limit(1);
        expect(row).toMatchObject({
          attempts: 3,
          lastStatus: 502,
          lastError: 'HTTP 502',
          nextAttemptAt: null,
        });
        expect((row!.payload as WebhookPayload).request?.id).toBe(request.id);

        // The admin sends it again once the receiver is fixed: same delivery id, audited.
        const fixed = await receiver();
        try {
          await configure(fixed.url);
          const admin = await makeUser(db.db, { role: 'admin' });
          expect(await redeliver(db.db, actorFor(admin), row!.id)).toEqual({
            ok: true,
            value: { id: row!.id },
          });
          retrying();
          await retrying.idle();
          expect(fixed.received.map((r) => r.headers['x-knockgate-delivery'])).toEqual([row!.id]);
          const [again] = await db.db
            .select()
            .from(webhookDeliveries)
            .where(eq(webhookDeliveries.id, row!.id));
          expect(again).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
          const audit = await db.db
            .select()
            .from(auditEvents)
            .where(and(eq(auditEvents.action, 'webhook.redeliver'), eq(auditEvents.targetId, row!.id)));
          expect(audit).toHaveLength(1);
          // Only a failed delivery can be sent again.
          expect(await redeliver(db.db, actorFor(admin), row!.id)).toMatchObject({
            ok: false,
            error: { code: 'not_failed' },
          });
          expect(await redeliver(db.db, actorFor(admin), randomUUID())).toMatchObject({
            ok: false,
            error: { code: 'not_found' },
          });
        } finally {
          await fixed.close();
        }
      });
    } finally {
      await hook.close();
    }
  });

  it('a delivery is written with its change and survives the process: a sender started later sends it', async () => {
    const hook = await receiver();
    try {
      await withSender(webhookSender(db.db, { box: testBox }), async () => {
        await notifier.stop(); // the "process" that made the change stops before sending
        await configure(hook.url);
        const user = await makeUser(db.db);
        await savePolicy(db.db, fixtureActor, null, {
          name: `hook-stop-${++n}`,
          subject: `user:${user.id}`,
          defaultDuration: 3600,
          maxDuration: 3600,
          knockOnSignIn: false,
          directAccess: false,
          targets: [fx.router.id],
        });
        const created = await createRequest(
          db.db,
          user,
          actorFor(user, '192.0.2.200'),
          {
            target: 'any',
            address: '',
            duration: 600,
            reason: 'Sent after a restart',
            clientAddress: { family: 4, address: '192.0.2.200' },
          },
          { notify: () => {} },
        );
        if (!created.ok) throw new Error(created.error.message);
        const [queued] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(sql`${webhookDeliveries.payload} -> 'request' ->> 'id' = ${created.value.id}`);
        expect(queued).toMatchObject({ event: 'request.created', status: 'pending', attempts: 0 });
        expect(hook.received).toHaveLength(0);

        // "After the restart": a new sender finds it and sends it, under the id it was queued with.
        const restarted = webhookSender(db.db, { box: testBox });
        try {
          restarted();
          await restarted.idle();
        } finally {
          await restarted.stop();
        }
        expect(hook.received.map((r) => r.headers['x-knockgate-delivery'])).toEqual([queued!.id]);
        const [sent] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.id, queued!.id));
        expect(sent).toMatchObject({ status: 'delivered', attempts: 1 });

        // A change that is refused queues nothing.
        const rows = async () =>
          (await db.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries)).length;
        const before = await rows();
        const refused = await cancelRequest(db.db, user, actorFor(user), randomUUID(), { notify: () => {} });
        expect(refused.ok).toBe(false);
        expect(await rows()).toBe(before);
      });
    } finally {
      await hook.close();
    }
  });

  it('a sender stopped mid-batch finishes the delivery under way and hands the others back', async () => {
    const hook = await receiver({ hang: true });
    try {
      await withSender(webhookSender(db.db, { box: testBox }), async () => {
        await notifier.stop();
        await configure(hook.url);
        const made: string[] = [];
        for (let i = 0; i < 3; i++) made.push((await pendingRequest()).request.id);
        const stopping = webhookSender(db.db, { box: testBox });
        stopping();
        await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(1);
        const stopped = stopping.stop();
        hook.received[0]!.respond(200);
        await stopped;
        const rows = await db.db
          .select()
          .from(webhookDeliveries)
          .where(sql`${webhookDeliveries.payload} -> 'request' ->> 'id' in ${made}`);
        const byRequest = new Map(rows.map((r) => [(r.payload as WebhookPayload).request!.id, r]));
        const first = JSON.parse(hook.received[0]!.body) as WebhookPayload;
        expect(byRequest.get(first.request!.id)).toMatchObject({ status: 'delivered', attempts: 1 });
        const rest = rows.filter((r) => r.id !== first.deliveryId);
        expect(rest.map((r) => [r.status, r.attempts])).toEqual([
          ['pending', 0],
          ['pending', 0],
        ]);

        // The next sender takes them at once.
        const next = webhookSender(db.db, { box: testBox });
        try {
          next();
          await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(2);
          hook.received[1]!.respond(200);
          await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(3);
          hook.received[2]!.respond(200);
          await next.idle();
        } finally {
          await next.stop();
        }
        expect(new Set(hook.received.map((r) => r.headers['x-knockgate-delivery'])).size).toBe(3);
      });
    } finally {
      await hook.close();
    }
  });

  it('a sender whose claim ran out does not overwrite the outcome of the sender that took over', async () => {
    const hook = await receiver({ hang: true });
    try {
      await withSender(webhookSender(db.db, { box: testBox, retryDelaysMs: [10] }), async () => {
        await notifier.stop();
        await configure(hook.url);
        const { request } = await pendingRequest();
        const slow = webhookSender(db.db, { box: testBox, retryDelaysMs: [10] });
        try {
          slow();
          await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(1);
          const id = String(hook.received[0]!.headers['x-knockgate-delivery']);
          // Meanwhile its lease ran out and another instance claimed and delivered it.
          await db.db
            .update(webhookDeliveries)
            .set({
              status: 'delivered',
              attempts: 2,
              lastStatus: 204,
              lastError: null,
              deliveredAt: new Date(),
            })
            .where(eq(webhookDeliveries.id, id));
          hook.received[0]!.respond(500); // the slow sender's answer arrives late, and failed
          await slow.idle();
          const [row] = await db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
          expect(row).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });
          expect((row!.payload as WebhookPayload).request?.id).toBe(request.id);
          expect(hook.received).toHaveLength(1); // and it was not sent a third time
        } finally {
          await slow.stop();
        }
      });
    } finally {
      await hook.close();
    }
  });

  it('a delivery queued while the sender is looking for its next due time is sent at once, not after its sleep', async () => {
    const hook = await receiver();
    try {
      await withSender(webhookSender(db.db, { box: testBox }), async () => {
        await notifier.stop();
        await configure(hook.url);
        // The sender's "when is the next one due?" query answers (nothing due) only after the
        // delivery below has been queued and the sender kicked.
        let open!: () => void;
        const gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        let asked!: () => void;
        const looking = new Promise<void>((resolve) => {
          asked = resolve;
        });
        let armed = true;
        const held = <T extends object>(builder: T): T =>
          new Proxy(builder, {
            get(target, prop) {
              if (prop === 'then') {
                const then = Reflect.get(target, prop, target) as PromiseLike<unknown>['then'];
                return (ok: (v: unknown) => unknown, ko: (e: unknown) => unknown) =>
                  then.call(target, (v: unknown) => gate.then(() => ok(v)), ko);
              }
              const value = Reflect.get(target, prop, target);
              if (typeof value !== 'function') return value;
              return (...args: unknown[]) => {
                const result = (value as (...a: unknown[]) => unknown).apply(target, args);
                return result && typeof result === 'object' ? held(result) : result;
              };
            },
          });
        const watched = new Proxy(db.db, {
          get(target, prop) {
            const value = Reflect.get(target, prop, target);
            if (prop === 'select') {
              return (fields?: Record<string, unknown>) => {
                const builder = (value as (f?: unknown) => object).call(target, fields);
                if (!armed || !fields || !('retrying' in fields)) return builder;
                armed = false;
                asked();
                return held(builder);
              };
            }
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const sender = webhookSender(watched, { box: testBox });
        try {
          sender();
          await looking;
          const { request } = await pendingRequest(); // queued and committed now; kick
          sender();
          open();
          await expect
            .poll(() => hook.received.some((r) => JSON.parse(r.body).request?.id === request.id), {
              timeout: 5_000,
            })
            .toBe(true);
        } finally {
          await sender.stop();
        }
      });
    } finally {
      await hook.close();
    }
  });

  it('two instances sending from one outbox deliver each event exactly once', async () => {
    const hook = await receiver();
    try {
      await withSender(webhookSender(db.db, { box: testBox }), async () => {
        await notifier.stop();
        await configure(hook.url);
        const made: string[] = [];
        for (let i = 0; i < 12; i++) made.push((await pendingRequest()).request.id);
        const a = webhookSender(db.db, { box: testBox });
        const b = webhookSender(db.db, { box: testBox });
        try {
          a();
          b();
          await Promise.all([a.idle(), b.idle()]);
        } finally {
          await Promise.all([a.stop(), b.stop()]);
        }
        const ids = hook.received.map((r) => String(r.headers['x-knockgate-delivery']));
        expect(new Set(ids).size).toBe(ids.length);
        const created = hook.received
          .map((r) => JSON.parse(r.body) as WebhookPayload)
          .filter((p) => p.event === 'request.created')
          .map((p) => p.request!.id);
        expect(created.sort()).toEqual([...made].sort());
        // Nothing is left waiting.
        const pending = await db.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.status, 'pending'));
        expect(pending).toEqual([]);
      });
    } finally {
      await hook.close();
    }
  });

  it('turned off before sending: the delivery is given up with the reason; old finished rows are pruned', async () => {
    const hook = await receiver();
    try {
      await withSender(webhookSender(db.db, { box: testBox }), async () => {
        await notifier.stop();
        await configure(hook.url);
        const { request, user } = await pendingRequest();
        const admin = await makeUser(db.db, { role: 'admin' });
        await saveWebhook(
          db.db,
          actorFor(admin),
          { url: hook.url, enabled: false, rotateSecret: false },
          testBox,
        );
        const off = webhookSender(db.db, { box: testBox });
        try {
          off();
          await off.idle();
        } finally {
          await off.stop();
        }
        expect(hook.received).toHaveLength(0);
        const [row] = await db.db
          .select()
          .from(webhookDeliveries)
          .where(sql`${webhookDeliveries.payload} -> 'request' ->> 'id' = ${request.id}`);
        expect(row).toMatchObject({
          status: 'failed',
          lastError: 'The webhook was turned off before this was sent.',
        });
        // Off: a change queues nothing at all.
        const count = async () => (await db.db.select().from(webhookDeliveries)).length;
        const before = await count();
        await cancelRequest(db.db, user, actorFor(user), request.id, { notify: () => {} });
        expect(await count()).toBe(before);

        // The admin page's list shows it, newest first, with its text and no secret.
        const recent = await recentDeliveries(db.db, 5);
        expect(recent[0]).toMatchObject({ id: row!.id, status: 'failed', event: 'request.created' });
        expect(recent[0]!.text).toContain('requests');

        // Pruning: finished rows older than the keep time go; pending ones stay whatever their age.
        const old = new Date(Date.now() - 40 * 86_400_000);
        const [pendingOld] = await db.db
          .insert(webhookDeliveries)
          .values({
            event: 'request.created',
            payload: {},
            status: 'pending',
            nextAttemptAt: new Date(Date.now() + 3600_000),
            createdAt: old,
            updatedAt: old,
          })
          .returning();
        await db.db
          .update(webhookDeliveries)
          .set({ updatedAt: old })
          .where(eq(webhookDeliveries.id, row!.id));
        expect(await pruneWebhookDeliveries(db.db)).toBeGreaterThanOrEqual(1);
        const left = await db.db
          .select({ id: webhookDeliveries.id })
          .from(webhookDeliveries)
          .where(inArray(webhookDeliveries.id, [row!.id, pendingOld!.id]));
        expect(left.map((r) => r.id)).toEqual([pendingOld!.id]);
        await db.db.delete(webhookDeliveries).where(eq(webhookDeliveries.id, pendingOld!.id));
      });
    } finally {
      await hook.close();
    }
  });

  it('the secret is stored encrypted, shown only when made, and the change is audited without it', async () => {
    const hook = await receiver();
    try {
      const admin = await makeUser(db.db, { role: 'admin' });
      const made = await saveWebhook(
        db.db,
        actorFor(admin),
        { url: hook.url, enabled: true, rotateSecret: true },
        testBox,
      );
      if (!made.ok || !made.value.secret) throw new Error('not saved');
      const kept = await saveWebhook(
        db.db,
        actorFor(admin),
        { url: hook.url, enabled: true, rotateSecret: false },
        testBox,
      );
      expect(kept).toMatchObject({ ok: true, value: { secret: null } });
      const [row] = await db.db.select().from(settings).where(eq(settings.key, WEBHOOK_SETTING));
      expect(JSON.stringify(row!.value)).not.toContain(made.value.secret);
      const audit = await db.db.select().from(auditEvents).where(eq(auditEvents.action, 'webhook.update'));
      expect(audit.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(audit)).not.toContain(made.value.secret);
      // The admin's test message verifies with the secret that was shown.
      expect(await testWebhook(db.db, actorFor(admin), testBox)).toEqual({ delivered: true, status: 200 });
      const last = hook.received.at(-1)!;
      expect(last.headers['x-knockgate-event']).toBe('webhook.test');
      expect(opensslVerifies(made.value.secret, last)).toBe(true);
      // Turning it on without a URL is a field error.
      expect(
        await saveWebhook(db.db, actorFor(admin), { url: '', enabled: true, rotateSecret: false }, testBox),
      ).toMatchObject({ ok: false, error: { fields: { url: expect.any(String) } } });
      // Turned off: nothing is sent.
      await saveWebhook(
        db.db,
        actorFor(admin),
        { url: hook.url, enabled: false, rotateSecret: false },
        testBox,
      );
      const before = hook.received.length;
      await pendingRequest();
      await notifier.idle();
      expect(hook.received.length).toBe(before);
    } finally {
      await hook.close();
    }
  });
});
