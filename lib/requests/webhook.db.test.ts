import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, grants, settings } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, startRouterFixture, testBox } from '@/tests/router-fixture';
import { approveRequest, createRequest, denyRequest } from './service';
import {
  type DeliveryResult,
  saveWebhook,
  testWebhook,
  WEBHOOK_SETTING,
  type WebhookPayload,
  webhookNotifier,
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
let notifier: ReturnType<typeof webhookNotifier>;

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
  // One attempt per event here; retries have their own test and notifier below.
  notifier = webhookNotifier(db.db, {
    box: testBox,
    retryDelaysMs: [],
    onResult: (result, payload) => results.push({ result, payload }),
  });
});
afterAll(async () => {
  await notifier.idle();
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
    { notify: notifier },
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
    // "created" (sent by the file's own notifier) lands; "approved" meets 503, 503, 200; later: 400.
    const answers = [503, 503, 200];
    const hook = await receiver({
      status: (event) => (event === 'request.created' ? 200 : (answers.shift() ?? 400)),
    });
    const attempts: { result: DeliveryResult; payload: WebhookPayload; attempt: number }[] = [];
    const retrying = webhookNotifier(db.db, {
      box: testBox,
      retryDelaysMs: [20, 40, 80],
      onResult: (result, payload, attempt) => attempts.push({ result, payload, attempt }),
    });
    try {
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

      // The receiver now answers 400: the next event is sent once and given up.
      const denied = await pendingRequest();
      await notifier.idle();
      const before = hook.received.length;
      retrying('request.cancelled', denied.request, fixtureActor);
      await retrying.idle();
      expect(hook.received.length).toBe(before + 1);
      expect(attempts.at(-1)).toMatchObject({
        attempt: 1,
        result: { delivered: false, status: 400 },
        payload: { request: { id: denied.request.id } },
      });
    } finally {
      await hook.close();
    }
  });

  it('a receiver that never answers well is tried 1 + retries times, then given up', async () => {
    const hook = await receiver({ status: 502 });
    const attempts: number[] = [];
    const retrying = webhookNotifier(db.db, {
      box: testBox,
      retryDelaysMs: [10, 10],
      onResult: (_result, _payload, attempt) => attempts.push(attempt),
    });
    try {
      await configure(hook.url);
      const { request } = await pendingRequest();
      retrying('request.cancelled', request, fixtureActor);
      await retrying.idle();
      expect(attempts).toEqual([1, 2, 3]);
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
