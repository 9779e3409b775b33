import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '@/lib/crypto/secret-box';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, knockProfiles, profileDeployments, type Router } from '@/lib/db/schema';
import { printAddressList } from '@/lib/routeros';
import { tcpSyn, udpDatagram } from '@/sim';
import { fixtureActor, type RouterFixture, routerFixturePerFile, testBox } from '@/tests/router-fixture';
import { withRouterLock } from './apply';
import { generateRules } from './generate';
import type { ProfileInput, ValidProfile } from './model';
import { rotatedProfile } from './rotation';
import { isOwnComment } from './rule';
import {
  applyProfile,
  applyRotation,
  classicAttribution,
  classicListsForRouter,
  createProfile,
  currentProfile,
  deleteProfile,
  dryRunProfile,
  dryRunRemoveProfile,
  getProfile,
  listProfiles,
  profileCommands,
  profileRsc,
  removeProfile,
  updateProfile,
} from './service';
import { makeProfileInput } from './testing/factories';

/** The profile service through the real parts: a migrated database and the simulator over TCP. */
let db: DatabaseHandle;
let fx: RouterFixture;
const opts = { box: testBox };

routerFixturePerFile(
  (d, f) => {
    db = d;
    fx = f;
  },
  { name: 'office-gw' },
);

let n = 0;
/** A valid editor input (no id: the service assigns the row's uuid). */
function input(overrides: Partial<ProfileInput> = {}): Omit<ProfileInput, 'id'> {
  n += 1;
  const { id: _id, ...rest } = makeProfileInput({
    name: `SSH knock ${n}`,
    stageListPrefix: `knock${n}`,
    ...overrides,
  });
  return rest;
}

async function created(overrides: Partial<ProfileInput> = {}) {
  const result = await createProfile(db.db, fixtureActor, input(overrides), opts);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const filterRows = () => fx.sim.rules('filter').list(fx.sim.state.ctx);
const auditFor = async (id: string) =>
  (await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).map((a) => a.action);

beforeEach(() => fx.sim.faults.reset());

describe('create, update, delete', () => {
  it('stores the validated definition with defaults and audits it', async () => {
    const record = await created();
    expect(record.profile?.id).toBe(record.id);
    expect(record.profile?.defaultGap).toBe('15s');
    expect(record.rotating).toBe(false);
    const [row] = await db.db.select().from(knockProfiles).where(eq(knockProfiles.id, record.id));
    expect(row!.definition).toMatchObject({ finalList: 'ssh-allowed', options: { finalDrop: 'all' } });
    expect(row!.definition).not.toHaveProperty('id');
    expect(row!.rotationSecretEnc).toBeNull();
    expect(await auditFor(record.id)).toEqual(['profile.create']);
  });

  it('refuses invalid profiles with codes and field paths, writing nothing', async () => {
    const before = (await db.db.select().from(knockProfiles)).length;
    const result = await createProfile(
      db.db,
      fixtureActor,
      input({
        steps: [
          { kind: 'tcp', port: 70000 },
          { kind: 'tcp', port: 70000 },
        ],
      }),
      opts,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_profile');
      expect(result.error.issues?.map((i) => i.code)).toEqual(
        expect.arrayContaining(['port_out_of_range', 'duplicate_step']),
      );
      expect(result.error.fields).toHaveProperty(['steps.0.port']);
    }
    expect(await createProfile(db.db, fixtureActor, 'not an object', opts)).toMatchObject({
      ok: false,
      error: { code: 'invalid_profile' },
    });
    expect((await db.db.select().from(knockProfiles)).length).toBe(before);
  });

  it('keeps names and stage-list prefixes unique', async () => {
    const first = await created();
    expect(
      await createProfile(db.db, fixtureActor, input({ name: first.name.toUpperCase() }), opts),
    ).toMatchObject({
      ok: false,
      error: { code: 'name_taken', fields: { name: expect.any(String) } },
    });
    expect(
      await createProfile(
        db.db,
        fixtureActor,
        input({ stageListPrefix: first.profile!.stageListPrefix }),
        opts,
      ),
    ).toMatchObject({ ok: false, error: { code: 'stage_prefix_taken' } });
  });

  it("updates in place (same id) and keeps a rotating profile's secret", async () => {
    const record = await created({ rotation: { period: '5m' } });
    const [before] = await db.db.select().from(knockProfiles).where(eq(knockProfiles.id, record.id));
    expect(before!.rotationSecretEnc).not.toBeNull();
    const updated = await updateProfile(
      db.db,
      fixtureActor,
      record.id,
      { ...record.definition, finalTimeout: '2h' },
      opts,
    );
    expect(updated.ok && updated.value.profile?.finalTimeout).toBe('2h');
    const [after] = await db.db.select().from(knockProfiles).where(eq(knockProfiles.id, record.id));
    expect(after!.rotationSecretEnc).toBe(before!.rotationSecretEnc);
    const fixed = await updateProfile(
      db.db,
      fixtureActor,
      record.id,
      { ...record.definition, rotation: undefined },
      opts,
    );
    expect(fixed.ok).toBe(true);
    const [plain] = await db.db.select().from(knockProfiles).where(eq(knockProfiles.id, record.id));
    expect(plain!.rotationSecretEnc).toBeNull();
    expect(await auditFor(record.id)).toEqual(['profile.create', 'profile.update', 'profile.update']);
    expect(
      await updateProfile(db.db, fixtureActor, '00000000-0000-4000-8000-000000000000', input(), opts),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('deletes an undeployed profile; refuses while it is on a router', async () => {
    const record = await created();
    expect((await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    expect(await deleteProfile(db.db, fixtureActor, record.id)).toMatchObject({
      ok: false,
      error: { code: 'profile_deployed', message: expect.stringContaining('office-gw') },
    });
    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    expect(await deleteProfile(db.db, fixtureActor, record.id)).toEqual({ ok: true, value: null });
    expect((await getProfile(db.db, record.id, opts)).ok).toBe(false);
    expect((await auditFor(record.id)).at(-1)).toBe('profile.delete');
  });
});

describe('dry run, apply, remove on the simulator', () => {
  it('dry-runs without changing the router, applies, records the deployment, then is a no-op', async () => {
    const record = await created();
    const before = filterRows();
    const dry = await dryRunProfile(db.db, record.id, fx.router.id, opts);
    expect(dry.ok).toBe(true);
    if (!dry.ok) return;
    const rules = generateRules(record.profile!);
    expect(dry.value.summary).toEqual({ add: rules.length, set: 0, move: 0, remove: 0 });
    expect(dry.value.diff).toContain('+ add');
    expect(dry.value.diff).toContain('dst-port=2022');
    expect(filterRows()).toEqual(before);

    const applied = await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts);
    expect(applied.ok && applied.value.executed).toBe(rules.length);
    expect(
      filterRows()
        .filter((r) => isOwnComment(r.attrs.comment, record.id))
        .map((r) => r.attrs),
    ).toEqual(rules.map((r) => r.attrs));
    const [deployment] = await db.db
      .select()
      .from(profileDeployments)
      .where(eq(profileDeployments.profileId, record.id));
    expect(deployment).toMatchObject({ status: 'applied', lastError: null, appliedBy: 'test' });
    expect(deployment!.rulesHash).toMatch(/^[0-9a-f]{64}$/);

    const listed = (await listProfiles(db.db, opts)).find((p) => p.id === record.id)!;
    expect(listed.deployments).toMatchObject([{ routerName: 'office-gw', status: 'applied', current: true }]);
    const again = await dryRunProfile(db.db, record.id, fx.router.id, opts);
    expect(again.ok && again.value.summary).toEqual({ add: 0, set: 0, move: 0, remove: 0 });

    // A changed profile shows as not current until it is applied again.
    await updateProfile(db.db, fixtureActor, record.id, { ...record.definition, finalTimeout: '3h' }, opts);
    expect(await getProfile(db.db, record.id, opts)).toMatchObject({
      ok: true,
      value: { deployments: [{ status: 'applied', current: false }] },
    });
    const update = await dryRunProfile(db.db, record.id, fx.router.id, opts);
    expect(update.ok && update.value.diff).toContain('address-list-timeout: 1h → 3h');

    const removePreview = await dryRunRemoveProfile(db.db, record.id, fx.router.id, opts);
    expect(removePreview.ok && removePreview.value.summary.remove).toBe(rules.length);
    const removed = await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts);
    expect(removed.ok).toBe(true);
    expect(filterRows()).toEqual(before);
    expect(await auditFor(record.id)).toEqual([
      'profile.create',
      'profile.apply',
      'profile.update',
      'profile.remove',
    ]);
  });

  it('an unreachable router gives a typed error, a failed deployment and an audit row', async () => {
    const record = await created();
    fx.sim.faults.set({ refuseConnections: true });
    const { closeRouterClient } = await import('@/lib/routeros');
    await closeRouterClient(fx.router.id);
    const result = await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts);
    expect(result).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^router_/) } });
    const [deployment] = await db.db
      .select()
      .from(profileDeployments)
      .where(eq(profileDeployments.profileId, record.id));
    expect(deployment).toMatchObject({ status: 'failed', appliedAt: null });
    expect(deployment!.lastError).toBeTruthy();
    expect(await auditFor(record.id)).toEqual(['profile.create', 'profile.apply_failed']);
    fx.sim.faults.reset();
    await closeRouterClient(fx.router.id);
    // Safe to repeat: the same call now succeeds.
    expect((await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
  });

  it('unknown ids are typed errors, never exceptions', async () => {
    const record = await created();
    expect(await applyProfile(db.db, fixtureActor, 'nope', fx.router.id, opts)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await applyProfile(db.db, fixtureActor, record.id, 'nope', opts)).toMatchObject({
      ok: false,
      error: { code: 'router_not_found' },
    });
  });
});

describe('rotation, classic lists, export and commands', () => {
  it('applyRotation moves the router to each new window and leaves current ones alone', async () => {
    const t0 = new Date('2026-11-26T09:00:10Z');
    const record = await created({ rotation: { period: '5m', portMin: 20_000, portMax: 29_999 } });
    const applied = await applyProfile(db.db, fixtureActor, record.id, fx.router.id, { ...opts, now: t0 });
    expect(applied.ok).toBe(true);
    const w0 = applied.ok ? applied.value.window : null;
    expect(w0).toBe(Math.floor(t0.getTime() / 300_000));

    expect((await applyRotation(db.db, t0, opts)).filter((o) => o.profileId === record.id)).toEqual([]);

    const t1 = new Date(t0.getTime() + 300_000);
    const outcomes = (await applyRotation(db.db, t1, opts)).filter((o) => o.profileId === record.id);
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'rotated', window: w0! + 1, routerName: 'office-gw' }),
    ]);
    const [row] = await db.db.select().from(knockProfiles).where(eq(knockProfiles.id, record.id));
    const secret = testBox.open(row!.rotationSecretEnc!, 'profile-secret');
    const expected = rotatedProfile(record.profile!, secret, t1.getTime());
    if (!expected.ok) throw new Error(expected.error.message);
    const onRouter = filterRows().filter((r) => isOwnComment(r.attrs.comment, record.id));
    expect(onRouter.map((r) => r.attrs)).toEqual(generateRules(expected.value.profile).map((r) => r.attrs));
    const ports = (p: ValidProfile) => p.steps.map((s) => ('port' in s ? s.port : null));
    const old = rotatedProfile(record.profile!, secret, t0.getTime());
    if (!old.ok) throw new Error(old.error.message);
    expect(ports(old.value.profile)).not.toEqual(ports(expected.value.profile));
    expect((await applyRotation(db.db, t1, opts)).filter((o) => o.profileId === record.id)).toEqual([]);
    expect(await auditFor(record.id)).toContain('profile.rotate');

    // What a signed-in user is shown is this window's sequence.
    const view = await currentProfile(db.db, record.id, { ...opts, now: t1 });
    expect(view.ok && ports(view.value.current)).toEqual(ports(expected.value.profile));
    expect(view.ok && view.value.windowEndsAt?.getTime()).toBe((w0! + 2) * 300_000);

    // A failed rotation is reported, recorded and retried on the next call.
    const t2 = new Date(t1.getTime() + 300_000);
    fx.sim.faults.set({ refuseConnections: true });
    const { closeRouterClient } = await import('@/lib/routeros');
    await closeRouterClient(fx.router.id);
    const failed = (await applyRotation(db.db, t2, opts)).filter((o) => o.profileId === record.id);
    expect(failed).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    fx.sim.faults.reset();
    await closeRouterClient(fx.router.id);
    const retried = (await applyRotation(db.db, t2, opts)).filter((o) => o.profileId === record.id);
    expect(retried).toEqual([expect.objectContaining({ outcome: 'rotated', window: w0! + 2 })]);

    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    expect(
      (await applyRotation(db.db, new Date(t2.getTime() + 300_000), opts)).filter(
        (o) => o.profileId === record.id,
      ),
    ).toEqual([]);
  });

  it('a remove that failed is not undone by the rotation; a rotation failing again is audited once', async () => {
    const { closeRouterClient } = await import('@/lib/routeros');
    const t0 = new Date('2026-11-26T11:00:10Z');
    const record = await created({ rotation: { period: '5m', portMin: 20_000, portMax: 29_999 } });
    const ours = () => filterRows().filter((r) => isOwnComment(r.attrs.comment, record.id));
    expect((await applyProfile(db.db, fixtureActor, record.id, fx.router.id, { ...opts, now: t0 })).ok).toBe(
      true,
    );
    const applied = ours().length;
    expect(applied).toBeGreaterThan(0);

    // The router is down for a rotation or two: one audit row for the streak, not one per cycle.
    fx.sim.faults.set({ refuseConnections: true });
    await closeRouterClient(fx.router.id);
    const t1 = new Date(t0.getTime() + 300_000);
    for (const at of [t1, new Date(t1.getTime() + 30_000), new Date(t1.getTime() + 60_000)]) {
      expect((await applyRotation(db.db, at, opts)).filter((o) => o.profileId === record.id)).toEqual([
        expect.objectContaining({ outcome: 'failed' }),
      ]);
    }
    expect((await auditFor(record.id)).filter((a) => a === 'profile.rotate_failed')).toHaveLength(1);

    // The admin removes it while the router is still down: refused, recorded as failed...
    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(false);
    fx.sim.faults.reset();
    await closeRouterClient(fx.router.id);
    // ...and the rotation does not take that as a rotation to catch up: the rules stay as they were
    // (old window) until the admin retries the remove.
    const before = ours().map((r) => r.attrs);
    expect(
      (await applyRotation(db.db, new Date(t1.getTime() + 90_000), opts)).filter(
        (o) => o.profileId === record.id,
      ),
    ).toEqual([]);
    expect(ours().map((r) => r.attrs)).toEqual(before);
    const [deployment] = await db.db
      .select()
      .from(profileDeployments)
      .where(eq(profileDeployments.profileId, record.id));
    expect(deployment).toMatchObject({ status: 'failed', rotationWindow: null });
    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    expect(ours()).toEqual([]);
  });

  it('a remove made after the rotation read its deployments is not undone; the profile can then be deleted', async () => {
    const t0 = new Date('2026-11-26T12:00:10Z');
    const record = await created({ rotation: { period: '5m', portMin: 20_000, portMax: 29_999 } });
    const ours = () => filterRows().filter((r) => isOwnComment(r.attrs.comment, record.id));
    expect((await applyProfile(db.db, fixtureActor, record.id, fx.router.id, { ...opts, now: t0 })).ok).toBe(
      true,
    );
    const { clientForRouter } = await import('@/lib/routers/service');
    /** Options whose clientFor says when the caller is about to queue for the router's lock. */
    const announcing = () => {
      let arrive!: () => void;
      const queued = new Promise<void>((resolve) => {
        arrive = resolve;
      }).then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      return {
        queued,
        options: {
          ...opts,
          clientFor: (router: Router) => {
            arrive();
            return clientForRouter(router, testBox);
          },
        },
      };
    };
    // The router is busy (the lock is held); the admin's remove queues first, then the rotation,
    // which has already read the deployment as applied on an older window.
    let release!: () => void;
    const busy = withRouterLock(
      clientForRouter(fx.router, testBox).id,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const admin = announcing();
    const removing = removeProfile(db.db, fixtureActor, record.id, fx.router.id, admin.options);
    await admin.queued;
    const worker = announcing();
    const rotating = applyRotation(db.db, new Date(t0.getTime() + 300_000), worker.options);
    await worker.queued;
    release();
    await busy;
    expect((await removing).ok).toBe(true);
    expect((await rotating).filter((o) => o.profileId === record.id)).toEqual([]);
    expect(ours()).toEqual([]);
    expect((await deleteProfile(db.db, fixtureActor, record.id)).ok).toBe(true);
  });

  it('a rotation secret sealed under another key is a typed error, not a crash', async () => {
    const record = await created({ rotation: { period: '5m' } });
    const otherKey = { box: createSecretBox('another-secret-entirely-0123456789abcdef') };
    expect(await currentProfile(db.db, record.id, otherKey)).toMatchObject({
      ok: false,
      error: { code: 'rotation_secret_unreadable' },
    });
    expect((await currentProfile(db.db, record.id, opts)).ok).toBe(true);
  });

  it('classicListsForRouter names the final lists of applied profiles; classicAttribution uses them', async () => {
    const record = await created({ finalList: 'knockgate' });
    expect(await classicListsForRouter(db.db, fx.router.id)).not.toContainEqual(
      expect.objectContaining({ profileId: record.id }),
    );
    await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts);
    const lists = await classicListsForRouter(db.db, fx.router.id);
    expect(lists).toContainEqual({ list: 'knockgate', profileId: record.id, profileName: record.name });
    expect(classicAttribution({ list: 'knockgate', dynamic: true }, lists)).toEqual({
      profileId: record.id,
      profileName: record.name,
    });
    expect(
      classicAttribution({ list: 'knockgate', comment: 'knockgate:42', dynamic: true }, lists),
    ).toBeNull();
    expect(classicAttribution({ list: 'other', dynamic: true }, lists)).toBeNull();
    expect(classicAttribution({ list: 'knockgate', dynamic: false }, lists)).toBeNull();
    await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts);
    expect(await classicListsForRouter(db.db, fx.router.id)).not.toContainEqual(
      expect.objectContaining({ profileId: record.id }),
    );
    expect(await classicListsForRouter(db.db, 'not-a-uuid')).toEqual([]);
  });

  it('acceptance 5: a classic knock lands on the web-knock list and is attributed to the profile', async () => {
    // The profile's final list is the router's web-knock list ('knockgate', see the router fixture).
    const record = await created({ finalList: fx.router.ipv4List, scope: {} });
    expect((await applyProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
    const knocker = '198.51.100.77';
    const ends = (dstPort: number) => ({ src: knocker, dst: '127.0.0.1', dstPort });
    fx.sim.firewall.process(tcpSyn(ends(2022)));
    fx.sim.firewall.process(udpDatagram(ends(9090)));
    fx.sim.firewall.process(tcpSyn(ends(4022)));
    expect(fx.sim.firewall.process(tcpSyn(ends(22))).action).toBe('accept');
    // A web knock of someone else on the same list, tagged by Knockgate.
    fx.sim.addressList('ip').add(
      new Map([
        ['list', 'knockgate'],
        ['address', '198.51.100.78'],
        ['timeout', '1h'],
        ['comment', 'knockgate:1234'],
      ]),
      fx.sim.state.ctx,
    );

    const client = fx.gateway.clientFor(fx.router.id);
    const entries = await printAddressList(await client, { family: 'ip', list: 'knockgate' });
    const lists = await classicListsForRouter(db.db, fx.router.id);
    const byAddress = new Map(entries.map((e) => [e.address, classicAttribution(e, lists)]));
    expect(byAddress.get(knocker)).toEqual({ profileId: record.id, profileName: record.name });
    expect(byAddress.get('198.51.100.78')).toBeNull();
    expect((await removeProfile(db.db, fixtureActor, record.id, fx.router.id, opts)).ok).toBe(true);
  });

  it('exports the .rsc and client commands of the profile as it is now', async () => {
    const record = await created({ name: 'Office SSH' });
    const view = await currentProfile(db.db, record.id, opts);
    if (!view.ok) throw new Error(view.error.message);
    const rsc = profileRsc(view.value);
    expect(rsc.filename).toBe('knockgate-office-ssh.rsc');
    expect(rsc.text).toContain(`comment=knockgate-profile:${record.id}:1`);
    const commands = profileCommands(view.value, '203.0.113.7');
    expect(commands.ok && commands.value.oneLiners.knock).toBe(
      'knock 203.0.113.7 2022:tcp 9090:udp 4022:tcp',
    );
    expect(profileCommands(view.value, 'bad host;rm')).toMatchObject({
      ok: false,
      error: { code: 'invalid_host' },
    });
  });
});
