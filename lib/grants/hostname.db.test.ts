import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, grants } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { staticResolver } from '@/sim/router';
import { actorFor, makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
} from '@/tests/router-fixture';
import { endAccess } from './access';
import { MAX_HOSTNAMES_PER_USER, openHostnameAccess } from './hostname';
import { liveRouterView } from './live';
import { reconcileRouter } from './reconciler';
import { grantTag } from './tag';
import { liveGrantViews, userGrantViews } from './views';

/**
 * Host-name grants through the real parts: the FQDN goes on the simulated router's list over TCP,
 * the simulator's injectable resolver answers for it (nothing leaves the machine), and the
 * router's dynamic children are read back for the views.
 */
let db: DatabaseHandle;
let fx: RouterFixture;
const resolver = staticResolver({
  'home.dyn.example.net': ['198.51.100.200'],
  'v6.dyn.example.net': ['2001:db8::200'],
  'office.dyn.example.net': ['198.51.100.210'],
});

routerFixturePerFile(
  (d, f) => {
    db = d;
    fx = f;
  },
  { resolver, name: 'dns-router' },
);

let n = 0;
async function userWithPolicy(
  settings: { allowHostnames?: boolean; hostnameSuffixes?: string[]; directAccess?: boolean } = {},
) {
  n += 1;
  const user = await makeUser(db.db);
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `hostnames-${n}-${user.id.slice(0, 8)}`,
    subject: `user:${user.id}`,
    defaultDuration: 3600,
    maxDuration: 7200,
    knockOnSignIn: false,
    directAccess: settings.directAccess ?? true,
    allowHostnames: settings.allowHostnames ?? true,
    hostnameSuffixes: settings.hostnameSuffixes ?? ['dyn.example.net'],
    targets: [fx.router.id],
  });
  if (!saved.ok) throw new Error(saved.error.message);
  return user;
}

const children = (name: string, family: 'ip' | 'ipv6' = 'ip') =>
  routerEntries(fx.sim, 'knockgate', family)
    .filter((e) => e.comment === name && e.parentId !== null)
    .map((e) => e.address)
    .sort();

async function openName(
  user: Awaited<ReturnType<typeof userWithPolicy>>,
  hostname: string,
  family: 'ip' | 'ipv6' = 'ip',
) {
  const result = await openHostnameAccess(fx.ctx, user, actorFor(user), { hostname, family });
  if (!result.ok) throw new Error(result.error.message);
  await fx.sim.refreshDns();
  const target = result.value.targets[0]!;
  if (!target.ok) throw new Error(target.error.message);
  return target.outcome.grant;
}

describe('host-name grants', () => {
  it('the FQDN entry is on the list with the tag and timeout; the router resolves it into dynamic children', async () => {
    const user = await userWithPolicy();
    const grant = await openName(user, 'Home.Dyn.Example.NET.');
    expect(grant).toMatchObject({ kind: 'hostname', address: 'home.dyn.example.net', status: 'active' });
    const parent = routerEntries(fx.sim).filter((e) => e.address === 'home.dyn.example.net');
    expect(parent).toHaveLength(1);
    expect(parent[0]!.comment).toBe(grantTag(grant.id));
    expect(parent[0]!.timeoutSeconds).toBeGreaterThan(3600 - 5);
    expect(children('home.dyn.example.net')).toEqual(['198.51.100.200']);
    const audit = await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, grant.id));
    expect(audit.map((a) => a.action)).toEqual(['grant.open']);
  });

  it("the user's view shows the name with the addresses read back; a new resolver answer changes them", async () => {
    const user = await userWithPolicy();
    await openName(user, 'office.dyn.example.net');
    let [view] = await userGrantViews(db.db, user.id, { ctx: fx.ctx });
    expect(view).toMatchObject({
      address: 'office.dyn.example.net',
      kind: 'hostname',
      resolved: ['198.51.100.210'],
    });

    resolver.set('office.dyn.example.net', ['198.51.100.211', '198.51.100.212']);
    await fx.sim.refreshDns();
    expect(children('office.dyn.example.net')).toEqual(['198.51.100.211', '198.51.100.212']);
    [view] = await userGrantViews(db.db, user.id, { ctx: fx.ctx });
    expect(view!.resolved).toEqual(['198.51.100.211', '198.51.100.212']);

    // A router that cannot be read leaves the addresses unknown instead of stale or hanging.
    fx.sim.faults.set({ stall: '/address-list/print' });
    [view] = await userGrantViews(db.db, user.id, { ctx: fx.ctx, routerTimeoutMs: 300 });
    fx.sim.faults.reset();
    expect(view!.resolved).toBeNull();
  });

  it('the reconciler keeps the children (never orphans, never removed) and the live view shows them under the grant', async () => {
    const user = await userWithPolicy();
    const grant = await openName(user, 'home.dyn.example.net');
    // An unrelated admin entry with a name, and its children, are not ours either.
    fx.sim.addressList('ip').add(
      new Map([
        ['list', 'knockgate'],
        ['address', 'v6.dyn.example.net'],
        ['comment', 'admin static'],
      ]),
      fx.sim.state.ctx,
    );
    await fx.sim.refreshDns();
    const before = routerEntries(fx.sim).map((e) => [e.id, e.address, e.comment]);

    const report = await reconcileRouter(fx.ctx, fixtureActor, fx.router);
    expect(report.skipped).toBeUndefined();
    expect(report.removed).toBe(0);
    expect(report.failedKeys).toBe(0);
    expect(routerEntries(fx.sim).map((e) => [e.id, e.address, e.comment])).toEqual(before);
    // A second cycle (orphans are only removed when seen twice) does not remove them either.
    await reconcileRouter(fx.ctx, fixtureActor, fx.router);
    expect(children('home.dyn.example.net')).toEqual(['198.51.100.200']);

    const view = await liveRouterView(fx.ctx, fx.router, await liveGrantViews(db.db, fx.router.id));
    expect(view.error).toBeNull();
    expect(view.entries.some((e) => e.kind === 'orphan')).toBe(false);
    const rows = view.entries.filter(
      (e) => e.address === 'home.dyn.example.net' || e.resolvedFrom === 'home.dyn.example.net',
    );
    const at = view.entries.findIndex(
      (e) => e.grant?.id === grant.id && e.address === 'home.dyn.example.net',
    );
    expect(at).toBeGreaterThanOrEqual(0);
    expect(view.entries[at]!.resolved).toEqual(['198.51.100.200']);
    // The child follows its parent and belongs to the same grant.
    expect(view.entries[at + 1]).toMatchObject({
      address: '198.51.100.200',
      kind: 'grant',
      resolvedFrom: 'home.dyn.example.net',
      dynamic: true,
    });
    expect(view.entries[at + 1]!.grant?.id).toBe(grant.id);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const adminChild = view.entries.find((e) => e.resolvedFrom === 'v6.dyn.example.net');
    // The admin's name resolves to no IPv4 address here; its entry stays "not managed".
    expect(adminChild).toBeUndefined();
    expect(view.entries.find((e) => e.address === 'v6.dyn.example.net')).toMatchObject({ kind: 'unmanaged' });
  });

  it('after a router reboot the reconciler re-adds the name and the router resolves it again', async () => {
    const user = await userWithPolicy();
    const grant = await openName(user, 'home.dyn.example.net');
    await fx.sim.reboot({ downMs: 0 });
    expect(routerEntries(fx.sim).filter((e) => e.comment === grantTag(grant.id))).toEqual([]);
    await expect
      .poll(
        async () => {
          const r = await reconcileRouter(fx.ctx, fixtureActor, fx.router);
          return r.skipped ? 'skipped' : r.added;
        },
        { timeout: 20_000, interval: 300 },
      )
      .not.toBe('skipped');
    await fx.sim.refreshDns();
    expect(routerEntries(fx.sim).filter((e) => e.comment === grantTag(grant.id))).toHaveLength(1);
    expect(children('home.dyn.example.net')).toEqual(['198.51.100.200']);
  });

  it('ending the grant removes the name and with it the children', async () => {
    const user = await userWithPolicy();
    const grant = await openName(user, 'v6.dyn.example.net', 'ipv6');
    expect(children('v6.dyn.example.net', 'ipv6')).toEqual(['2001:db8::200/128']);
    const ended = await endAccess(fx.ctx, user, actorFor(user), grant.id);
    expect(ended.ok && ended.value.grant.status).toBe('revoked');
    expect(routerEntries(fx.sim, 'knockgate', 'ipv6').filter((e) => e.address.includes('v6.dyn'))).toEqual(
      [],
    );
    expect(children('v6.dyn.example.net', 'ipv6')).toEqual([]);
  });
});

describe('host-name grants are refused', () => {
  it.each([
    ['nas.other.example.com', 'hostname_suffix'],
    ['*.dyn.example.net', 'hostname_wildcard'],
    ['198.51.100.7', 'hostname_ip_literal'],
    ['bad_name.dyn.example.net', 'hostname_label'],
    ['dyn', 'hostname_not_fqdn'],
  ])('%s → %s with a field error; nothing on the router, nothing written', async (hostname, code) => {
    const user = await userWithPolicy();
    const before = routerEntries(fx.sim).length;
    const result = await openHostnameAccess(fx.ctx, user, actorFor(user), { hostname, family: 'ip' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.fields?.hostname).toBeTruthy();
    }
    expect(routerEntries(fx.sim)).toHaveLength(before);
    expect(await db.db.select().from(grants).where(eq(grants.userId, user.id))).toEqual([]);
  });

  it('when the policy does not allow host names, or only by request', async () => {
    const off = await userWithPolicy({ allowHostnames: false });
    const r1 = await openHostnameAccess(fx.ctx, off, actorFor(off), {
      hostname: 'home.dyn.example.net',
      family: 'ip',
    });
    expect(r1).toMatchObject({ ok: false, error: { code: 'hostnames_not_allowed' } });
    const requestOnly = await userWithPolicy({ directAccess: false });
    const r2 = await openHostnameAccess(fx.ctx, requestOnly, actorFor(requestOnly), {
      hostname: 'home.dyn.example.net',
      family: 'ip',
    });
    expect(r2).toMatchObject({ ok: false, error: { code: 'request_required' } });
  });

  it(`more than ${MAX_HOSTNAMES_PER_USER} different names at once are refused; extending one still works; ending one frees a place`, async () => {
    const user = await userWithPolicy();
    const names = Array.from({ length: MAX_HOSTNAMES_PER_USER }, (_, i) => `cap${i}.dyn.example.net`);
    const opened = [];
    for (const name of names) opened.push(await openName(user, name));
    const before = routerEntries(fx.sim).length;
    const refused = await openHostnameAccess(fx.ctx, user, actorFor(user), {
      hostname: 'one-more.dyn.example.net',
      family: 'ip',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'too_many_hostnames', fields: { hostname: expect.any(String) } },
    });
    expect(routerEntries(fx.sim)).toHaveLength(before);
    // The same name again is an extension, not a new name.
    const again = await openHostnameAccess(fx.ctx, user, actorFor(user), {
      hostname: names[0]!,
      family: 'ip',
    });
    expect(again).toMatchObject({
      ok: true,
      value: { targets: [{ ok: true, outcome: { extended: true } }] },
    });
    await endAccess(fx.ctx, user, actorFor(user), opened[1]!.id);
    const now = await openHostnameAccess(fx.ctx, user, actorFor(user), {
      hostname: 'one-more.dyn.example.net',
      family: 'ip',
    });
    expect(now.ok).toBe(true);
  });

  it('the cap holds when many different names are opened at the same moment', async () => {
    const user = await userWithPolicy();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        openHostnameAccess(fx.ctx, user, actorFor(user), {
          hostname: `burst${i}.dyn.example.net`,
          family: 'ip',
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_HOSTNAMES_PER_USER);
    expect(results.filter((r) => !r.ok && r.error.code === 'too_many_hostnames')).toHaveLength(
      12 - MAX_HOSTNAMES_PER_USER,
    );
    const live = await db.db
      .selectDistinct({ address: grants.address })
      .from(grants)
      .where(
        and(
          eq(grants.userId, user.id),
          eq(grants.kind, 'hostname'),
          inArray(grants.status, ['pending', 'active']),
        ),
      );
    expect(live).toHaveLength(MAX_HOSTNAMES_PER_USER);
    expect(routerEntries(fx.sim).filter((e) => e.address.startsWith('burst'))).toHaveLength(
      MAX_HOSTNAMES_PER_USER,
    );
  });

  it('the same name may be open on the IPv4 and the IPv6 list at once (separate grants)', async () => {
    const user = await userWithPolicy();
    await openName(user, 'both.dyn.example.net', 'ip');
    const result = await openHostnameAccess(fx.ctx, user, actorFor(user), {
      hostname: 'both.dyn.example.net',
      family: 'ipv6',
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.targets[0]).toMatchObject({ ok: true, outcome: { confirmed: true } });
    const mine = await db.db.select().from(grants).where(eq(grants.userId, user.id));
    expect(mine.map((g) => g.family).sort()).toEqual(['ip', 'ipv6']);
  });
});
