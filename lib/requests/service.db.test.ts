import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { accessRequests, auditEvents, grants, type User, users } from '@/lib/db/schema';
import { singleProcessLeader } from '@/lib/grants/leader';
import { retryDueGrants } from '@/lib/grants/service';
import { grantTag } from '@/lib/grants/tag';
import { startGrantWorker } from '@/lib/grants/worker';
import { type PolicySettings, savePolicy } from '@/lib/policies/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, routerEntries, startRouterFixture } from '@/tests/router-fixture';
import { requestFormSchema } from './form';
import {
  approveRequest,
  cancelRequest,
  createRequest,
  denyRequest,
  expireRequests,
  MAX_PENDING_PER_USER,
  openInterruptedApprovals,
  pendingCountFor,
} from './service';
import { approvalQueue, requestsOfUser } from './views';

/**
 * Requests and approvals through the real parts: a migrated database (PGlite, or PostgreSQL in
 * CI) and the simulated RouterOS over TCP.
 */
let db: DatabaseHandle;
let fx: Awaited<ReturnType<typeof startRouterFixture>>;
let approver: User;
let admin: User;
const silent = { notify: () => {} };

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await startRouterFixture(db.db);
  approver = await makeUser(db.db, { role: 'approver' });
  admin = await makeUser(db.db, { role: 'admin' });
});
afterAll(async () => {
  await fx.close();
  await db.close();
});

let n = 0;
/** A user with their own policy: request only, at most 4 h, requests wait 1 h. */
async function requester(overrides: Partial<PolicySettings> = {}, role: User['role'] = 'user') {
  const user = await makeUser(db.db, { role });
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `policy-${++n}-${user.username}`,
    subject: `user:${user.id}`,
    defaultDuration: 3600,
    maxDuration: 4 * 3600,
    knockOnSignIn: false,
    directAccess: false,
    targets: [fx.router.id],
    ...overrides,
  });
  if (!saved.ok) throw new Error(saved.error.message);
  const address = `198.51.100.${n}`;
  return { user, address, ip: { family: 4 as const, address } };
}

async function ask(
  who: Awaited<ReturnType<typeof requester>>,
  seconds = 2 * 3600,
  extra: { address?: string; target?: string; now?: Date } = {},
) {
  const result = await createRequest(
    db.db,
    who.user,
    actorFor(who.user, who.address),
    {
      target: extra.target ?? 'any',
      address: extra.address ?? '',
      duration: seconds,
      reason: 'Deploying the release tonight',
      clientAddress: who.ip,
    },
    { ...silent, now: extra.now },
  );
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const auditOf = async (id: string) =>
  (await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(auditEvents.id)).map(
    (a) => a.action,
  );
const grantsOf = (requestId: string) => db.db.select().from(grants).where(eq(grants.requestId, requestId));
const statusOf = async (id: string) =>
  (await db.db.select().from(accessRequests).where(eq(accessRequests.id, id)))[0]!.status;

describe('createRequest', () => {
  it("records a pending request for the caller's address with its TTL, and audits it", async () => {
    const a = await requester({ requestTtl: 1800 });
    const now = new Date();
    const r = await ask(a, 2 * 3600, { now });
    expect(r).toMatchObject({
      status: 'pending',
      address: a.address,
      kind: 'address',
      requestedSeconds: 7200,
      routerId: null,
      approvalsRequired: 1,
      clientAddress: a.address,
    });
    expect(r.expiresAt.getTime()).toBe(now.getTime() + 1800_000);
    const [event] = await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, r.id));
    expect(event).toMatchObject({
      action: 'request.create',
      actor: a.user.username,
      actorUserId: a.user.id,
      clientAddress: a.address,
      details: expect.objectContaining({ reason: 'Deploying the release tonight', requestedSeconds: 7200 }),
    });
  });

  it('acceptance 5: a duration above the policy maximum is a field error and writes nothing', async () => {
    const a = await requester();
    const before = (await db.db.select().from(auditEvents)).length;
    const r = await createRequest(
      db.db,
      a.user,
      actorFor(a.user),
      {
        target: 'any',
        address: '',
        duration: 5 * 3600,
        reason: 'Deploying the release tonight',
        clientAddress: a.ip,
      },
      silent,
    );
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'duration_too_long', fields: { duration: "At most 4h (your policy's maximum)." } },
    });
    expect(await db.db.select().from(accessRequests).where(eq(accessRequests.userId, a.user.id))).toEqual([]);
    expect((await db.db.select().from(auditEvents)).length).toBe(before);
  });

  it('acceptance 5: an empty or short reason and a bad duration are field errors of the form', () => {
    const parse = (fields: Record<string, string>) =>
      requestFormSchema.safeParse({
        target: 'any',
        duration: '1h',
        reason: 'Deploying the release',
        ...fields,
      });
    const issues = (fields: Record<string, string>) => {
      const r = parse(fields);
      return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
    };
    expect(issues({ reason: '' })).toEqual({ reason: 'Say why you need access in at least 10 characters.' });
    expect(issues({ reason: '   short   ' })).toEqual({
      reason: 'Say why you need access in at least 10 characters.',
    });
    expect(issues({ reason: 'x'.repeat(501) })).toEqual({
      reason: 'Keep the reason to 500 characters or fewer.',
    });
    expect(issues({ duration: 'soon' })).toEqual({ duration: expect.stringContaining('is not a duration') });
    expect(issues({ target: 'router-1' })).toEqual({ target: 'Choose where to open access.' });
    expect(parse({ duration: '90m' })).toMatchObject({ success: true, data: { duration: 5400 } });
  });

  it('a target outside the policy and a foreign address are refused with field errors', async () => {
    const a = await requester();
    const other = await startRouterFixture(db.db, { name: `other-${Date.now()}` });
    try {
      const base = {
        address: '',
        duration: 3600,
        reason: 'Deploying the release tonight',
        clientAddress: a.ip,
      };
      expect(
        await createRequest(
          db.db,
          a.user,
          actorFor(a.user),
          { ...base, target: `${other.router.id}|` },
          silent,
        ),
      ).toMatchObject({ ok: false, error: { fields: { target: expect.any(String) } } });
      expect(
        await createRequest(
          db.db,
          a.user,
          actorFor(a.user),
          { ...base, target: 'any', address: '192.0.2.99' },
          silent,
        ),
      ).toMatchObject({ ok: false, error: { code: 'address_not_allowed' } });
      const ok = await createRequest(
        db.db,
        a.user,
        actorFor(a.user),
        { ...base, target: `${fx.router.id}|` },
        silent,
      );
      expect(ok).toMatchObject({ ok: true, value: { routerId: fx.router.id, list: null } });
    } finally {
      await other.close();
    }
  });

  it(`at most ${MAX_PENDING_PER_USER} pending requests per person`, async () => {
    const a = await requester();
    for (let i = 0; i < MAX_PENDING_PER_USER; i++) await ask(a, 600);
    const r = await createRequest(
      db.db,
      a.user,
      actorFor(a.user),
      {
        target: 'any',
        address: '',
        duration: 600,
        reason: 'Deploying the release tonight',
        clientAddress: a.ip,
      },
      silent,
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'too_many_pending' } });
  });
});

describe('approveRequest', () => {
  it('approved shorter than asked: the router lists the address with ~1 h, the tag, source request', async () => {
    const a = await requester();
    const r = await ask(a, 2 * 3600);
    const result = await approveRequest(
      fx.ctx,
      approver,
      actorFor(approver),
      r.id,
      { seconds: 3600 },
      silent,
    );
    expect(result.ok).toBe(true);
    if (!result.ok || result.value.state !== 'approved') throw new Error('not approved');
    expect(result.value.request).toMatchObject({
      status: 'approved',
      approvedSeconds: 3600,
      decidedBy: approver.id,
    });
    expect(result.value.grants).toHaveLength(1);
    const [grant] = await grantsOf(r.id);
    expect(grant).toMatchObject({
      status: 'active',
      source: 'request',
      userId: a.user.id,
      address: a.address,
    });
    const entries = routerEntries(fx.sim).filter((e) => e.address === a.address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(grant!.id));
    expect(entries[0]!.timeoutSeconds).toBeGreaterThan(3600 - 5);
    expect(entries[0]!.timeoutSeconds).toBeLessThanOrEqual(3600);
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.approve']);
    expect(await auditOf(grant!.id)).toEqual(['grant.open']);
    const [mine] = await requestsOfUser(db.db, a.user.id);
    expect(mine).toMatchObject({
      status: 'approved',
      decidedBy: approver.username,
      approvedSeconds: 3600,
      grants: [{ id: grant!.id, status: 'active' }],
    });
  });

  it('refuses a longer duration than asked', async () => {
    const a = await requester();
    const r = await ask(a, 1800);
    expect(
      await approveRequest(fx.ctx, approver, actorFor(approver), r.id, { seconds: 3600 }, silent),
    ).toMatchObject({
      ok: false,
      error: { code: 'duration_too_long', fields: { duration: expect.stringContaining('30m') } },
    });
    expect(await statusOf(r.id)).toBe('pending');
  });

  it('acceptance 2: nobody approves their own request, and a user approves nobody', async () => {
    // An approver whose own policy is request-only asks for access.
    const self = await requester({}, 'approver');
    const own = await ask(self);
    expect(await approveRequest(fx.ctx, self.user, actorFor(self.user), own.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'own_request' },
    });
    expect(await denyRequest(db.db, self.user, actorFor(self.user), own.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'own_request' },
    });
    const plain = await makeUser(db.db, { role: 'user' });
    expect(await approveRequest(fx.ctx, plain, actorFor(plain), own.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    expect(await statusOf(own.id)).toBe('pending');
    expect(await grantsOf(own.id)).toEqual([]);
    // Another approver may.
    expect(await approveRequest(fx.ctx, approver, actorFor(approver), own.id, {}, silent)).toMatchObject({
      ok: true,
      value: { state: 'approved' },
    });
  });

  it('acceptance 3: 20 concurrent approve calls → one transition, one grant, one "approved" event', async () => {
    const a = await requester();
    const r = await ask(a, 3600);
    const approvers = [approver, admin, await makeUser(db.db, { role: 'approver' })];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const who = approvers[i % approvers.length]!;
        return approveRequest(fx.ctx, who, actorFor(who), r.id, { seconds: 1800 + i }, silent);
      }),
    );
    const winners = results.filter((x) => x.ok);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((x) => !x.ok)) {
      expect(loser).toMatchObject({ ok: false, error: { code: 'already_decided' } });
    }
    expect(await grantsOf(r.id)).toHaveLength(1);
    const approved = (await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, r.id))).filter(
      (e) => e.action === 'request.approve',
    );
    expect(approved).toHaveLength(1);
    expect(routerEntries(fx.sim).filter((e) => e.address === a.address)).toHaveLength(1);
  });

  it('acceptance 4: a pending request past its TTL becomes expired and can no longer be approved', async () => {
    const a = await requester({ requestTtl: 600 });
    const asked = new Date();
    const r = await ask(a, 3600, { now: asked });
    // Before the TTL nothing expires.
    expect(await expireRequests(db.db, new Date(asked.getTime() + 599_000), silent)).toEqual([]);
    const later = new Date(asked.getTime() + 600_000);
    const expired = await expireRequests(db.db, later, silent);
    expect(expired.map((x) => x.id)).toContain(r.id);
    expect(await statusOf(r.id)).toBe('expired');
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.expire']);
    expect(await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'already_decided' },
    });
    expect(await grantsOf(r.id)).toEqual([]);
  });

  it('acceptance 4: the grant worker expires requests left past their TTL', async () => {
    const a = await requester({ requestTtl: 600 });
    const r = await ask(a, 3600, { now: new Date(Date.now() - 601_000) });
    const worker = startGrantWorker({ db: db.db, gateway: fx.gateway, leader: singleProcessLeader() });
    try {
      await worker.ready;
    } finally {
      await worker.stop();
    }
    expect(await statusOf(r.id)).toBe('expired');
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.expire']);
  });

  it('acceptance 4: approving after the TTL, before the worker ran, is refused and expires it', async () => {
    const a = await requester({ requestTtl: 600 });
    const asked = new Date();
    const r = await ask(a, 3600, { now: asked });
    const late = { ...silent, now: new Date(asked.getTime() + 601_000) };
    expect(await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, late)).toMatchObject({
      ok: false,
      error: { code: 'request_expired' },
    });
    expect(await statusOf(r.id)).toBe('expired');
    expect(await grantsOf(r.id)).toEqual([]);
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.expire']);
  });

  it('router down during approval: the request is approved, its grant pending (not done) until the router answers', async () => {
    const a = await requester();
    const r = await ask(a, 3600);
    fx.sim.faults.set({
      refuseConnections: true,
      dropAfter: { command: '/ip/firewall/address-list/add', phase: 'before-apply', times: 1 },
    });
    let result: Awaited<ReturnType<typeof approveRequest>>;
    try {
      result = await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent);
    } finally {
      fx.sim.faults.reset();
    }
    if (!result.ok || result.value.state !== 'approved') throw new Error('not approved');
    const [target] = result.value.grants;
    expect(target).toMatchObject({ ok: true, outcome: { confirmed: false, grant: { status: 'pending' } } });
    expect(routerEntries(fx.sim).filter((e) => e.address === a.address)).toEqual([]);
    const [grant] = await grantsOf(r.id);
    await db.db.update(grants).set({ nextAttemptAt: new Date() }).where(eq(grants.id, grant!.id));
    await expect
      .poll(
        async () => {
          await retryDueGrants(fx.ctx, fixtureActor);
          return (await grantsOf(r.id))[0]!.status;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('active');
    expect(routerEntries(fx.sim).filter((e) => e.address === a.address)).toHaveLength(1);
  });

  it('two approvals required: the first keeps it pending, the same approver twice does not count, the second opens (shorter wins)', async () => {
    const a = await requester({ approvalsRequired: 2 });
    const r = await ask(a, 3 * 3600);
    expect(r.approvalsRequired).toBe(2);
    const second = await makeUser(db.db, { role: 'approver' });
    const first = await approveRequest(
      fx.ctx,
      approver,
      actorFor(approver),
      r.id,
      { seconds: 2 * 3600 },
      silent,
    );
    expect(first).toMatchObject({ ok: true, value: { state: 'awaiting_approval', approvals: 1 } });
    expect(await statusOf(r.id)).toBe('pending');
    expect(await grantsOf(r.id)).toEqual([]);
    expect(await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'already_approved' },
    });
    expect(await pendingCountFor(db.db, approver.id)).toBe(
      (await approvalQueue(db.db, approver.id)).filter((q) => !q.own && !q.approvedByMe).length,
    );
    expect((await approvalQueue(db.db, second.id)).find((q) => q.id === r.id)).toMatchObject({
      approvedBy: [approver.username],
      approvedByMe: false,
    });
    const done = await approveRequest(fx.ctx, second, actorFor(second), r.id, { seconds: 3 * 3600 }, silent);
    expect(done).toMatchObject({
      ok: true,
      value: { state: 'approved', request: { approvedSeconds: 7200 } },
    });
    expect(await grantsOf(r.id)).toHaveLength(1);
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.approval', 'request.approve']);
  });
});

describe('an approval interrupted before its grants were recorded', () => {
  /** Makes the database refuse grant rows for one address (a real failure, not a mock). */
  async function refuseGrantsFor(address: string) {
    await db.db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION test_refuse_grant() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.address = '${address}' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$`),
    );
    await db.db.execute(
      sql.raw(
        'CREATE TRIGGER test_refuse_grant BEFORE INSERT ON grants FOR EACH ROW EXECUTE FUNCTION test_refuse_grant()',
      ),
    );
    return async () => {
      await db.db.execute(sql.raw('DROP TRIGGER test_refuse_grant ON grants'));
    };
  }

  async function interruptedApproval(seconds: number) {
    const a = await requester();
    const r = await ask(a, seconds);
    const allow = await refuseGrantsFor(a.address);
    let result: Awaited<ReturnType<typeof approveRequest>>;
    try {
      result = await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent);
    } finally {
      await allow();
    }
    if (!result.ok || result.value.state !== 'approved') throw new Error('not approved');
    expect(result.value.grants).toMatchObject([{ ok: false, error: { code: 'internal_error' } }]);
    const [row] = await db.db.select().from(accessRequests).where(eq(accessRequests.id, r.id));
    expect(row).toMatchObject({ status: 'approved', grantsOpenedAt: null });
    expect(await grantsOf(r.id)).toEqual([]);
    // Fail closed: the entry added before the grant row failed was taken back.
    expect(routerEntries(fx.sim).filter((e) => e.address === a.address)).toEqual([]);
    return { a, r };
  }

  it('a successful approval marks the request as opened', async () => {
    const a = await requester();
    const r = await ask(a, 3600);
    await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent);
    const [row] = await db.db.select().from(accessRequests).where(eq(accessRequests.id, r.id));
    expect(row!.grantsOpenedAt).toBeInstanceOf(Date);
    expect(await openInterruptedApprovals(fx.ctx)).toEqual({ opened: 0, skipped: 0 });
  });

  it('the grant worker opens it for the time the approval has left, once', async () => {
    const { a, r } = await interruptedApproval(3600);
    // Inside the grace period the approval may still be opening its grants: left alone.
    expect(await openInterruptedApprovals(fx.ctx)).toEqual({ opened: 0, skipped: 0 });
    // Two minutes later (the decision moved back in time), the worker completes it.
    await db.db
      .update(accessRequests)
      .set({ decidedAt: new Date(Date.now() - 120_000) })
      .where(eq(accessRequests.id, r.id));
    const worker = startGrantWorker({ db: db.db, gateway: fx.gateway, leader: singleProcessLeader() });
    try {
      await worker.ready;
    } finally {
      await worker.stop();
    }
    const [grant] = await grantsOf(r.id);
    expect(grant).toMatchObject({ status: 'active', source: 'request', userId: a.user.id });
    expect(grant!.openedBy).toBe('system');
    const left = (grant!.expiresAt.getTime() - Date.now()) / 1000;
    expect(left).toBeGreaterThan(3600 - 120 - 10);
    expect(left).toBeLessThanOrEqual(3600 - 120);
    const entries = routerEntries(fx.sim).filter((e) => e.address === a.address);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe(grantTag(grant!.id));
    expect(entries[0]!.timeoutSeconds).toBeLessThanOrEqual(3600 - 120);
    const [row] = await db.db.select().from(accessRequests).where(eq(accessRequests.id, r.id));
    expect(row!.grantsOpenedAt).toBeInstanceOf(Date);
    // Once done, never again.
    expect(await openInterruptedApprovals(fx.ctx)).toEqual({ opened: 0, skipped: 0 });
    expect(await grantsOf(r.id)).toHaveLength(1);
  });

  it('nothing is opened for a requester disabled meanwhile, or once the approved time has passed', async () => {
    const first = await interruptedApproval(3600);
    await db.db.update(users).set({ disabled: true }).where(eq(users.id, first.a.user.id));
    const later = await interruptedApproval(600);
    const past = { ...fx.ctx, now: () => new Date(Date.now() + 3 * 60_000) };
    // The 10-minute approval still has 7 minutes: it opens; the disabled requester is skipped.
    expect(await openInterruptedApprovals(past)).toEqual({ opened: 1, skipped: 1 });
    expect(await grantsOf(first.r.id)).toEqual([]);
    expect(routerEntries(fx.sim).filter((e) => e.address === first.a.address)).toEqual([]);
    expect(await auditOf(first.r.id)).toEqual(['request.create', 'request.approve', 'request.open_skipped']);
    expect(await grantsOf(later.r.id)).toHaveLength(1);

    const expired = await interruptedApproval(600);
    const tooLate = { ...fx.ctx, now: () => new Date(Date.now() + 11 * 60_000) };
    expect(await openInterruptedApprovals(tooLate)).toEqual({ opened: 0, skipped: 0 });
    expect(await grantsOf(expired.r.id)).toEqual([]);
  });
});

describe('deny, cancel and the queue', () => {
  it('deny with a note: the requester sees who and why; it cannot be approved afterwards', async () => {
    const a = await requester();
    const r = await ask(a);
    const denied = await denyRequest(
      db.db,
      approver,
      actorFor(approver),
      r.id,
      { note: 'Not during the freeze' },
      silent,
    );
    expect(denied).toMatchObject({
      ok: true,
      value: { status: 'denied', decisionNote: 'Not during the freeze' },
    });
    const [mine] = await requestsOfUser(db.db, a.user.id);
    expect(mine).toMatchObject({
      status: 'denied',
      decidedBy: approver.username,
      decisionNote: 'Not during the freeze',
    });
    expect(await approveRequest(fx.ctx, admin, actorFor(admin), r.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'already_decided' },
    });
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.deny']);
  });

  it('the requester cancels while pending; nobody else can; a decided request stays decided', async () => {
    const a = await requester();
    const r = await ask(a);
    const stranger = await makeUser(db.db);
    expect(await cancelRequest(db.db, stranger, actorFor(stranger), r.id, silent)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await cancelRequest(db.db, a.user, actorFor(a.user), r.id, silent)).toMatchObject({
      ok: true,
      value: { status: 'cancelled' },
    });
    expect(await cancelRequest(db.db, a.user, actorFor(a.user), r.id, silent)).toMatchObject({
      ok: false,
      error: { code: 'already_decided' },
    });
    expect(await approveRequest(fx.ctx, approver, actorFor(approver), r.id, {}, silent)).toMatchObject({
      ok: false,
      error: { code: 'already_decided' },
    });
    expect(await auditOf(r.id)).toEqual(['request.create', 'request.cancel']);
  });

  it("the queue shows who, from where, what, how long, why, and the requester's recent grants", async () => {
    const a = await requester({ directAccess: true });
    const earlier = await ask(a, 600);
    await approveRequest(fx.ctx, approver, actorFor(approver), earlier.id, {}, silent);
    const r = await ask(a, 5400);
    const item = (await approvalQueue(db.db, approver.id)).find((q) => q.id === r.id);
    expect(item).toMatchObject({
      requester: a.user.username,
      clientAddress: a.address,
      address: a.address,
      routerName: null,
      requestedSeconds: 5400,
      reason: 'Deploying the release tonight',
      recentGrants: 1,
      own: false,
    });
    expect((await approvalQueue(db.db, approver.id)).some((q) => q.id === earlier.id)).toBe(false);
    const count = await pendingCountFor(db.db, approver.id);
    const pending = await db.db
      .select()
      .from(accessRequests)
      .where(and(eq(accessRequests.status, 'pending')));
    expect(count).toBeLessThanOrEqual(pending.length);
    expect(count).toBeGreaterThan(0);
  });
});
