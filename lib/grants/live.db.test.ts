import { describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import type { RouterClient } from '@/lib/routeros';
import { staticResolver } from '@/sim';
import { makeUser } from '@/tests/factories';
import { fixtureActor, type RouterFixture, routerFixturePerFile } from '@/tests/router-fixture';
import { type LiveEntry, liveRouterView } from './live';
import { type GrantContext, openGrant } from './service';
import { grantTag } from './tag';
import { liveGrantViews } from './views';

/**
 * The admin's live view through the real parts: a migrated database (PGlite or PostgreSQL) and
 * the simulated RouterOS over TCP, its resolver answering for host names.
 */
let db: DatabaseHandle;
let fx: RouterFixture;

routerFixturePerFile(
  (d, f) => {
    db = d;
    fx = f;
  },
  {
    resolver: staticResolver({
      'home.live.example.net': ['198.51.100.240'],
      'away.live.example.net': ['198.51.100.241'],
    }),
  },
);

let n = 0;
const open = async (
  address: string,
  options: { family?: 'ip' | 'ipv6'; list?: string; kind?: 'address' | 'hostname' } = {},
) => {
  const user = await makeUser(db.db);
  const { grant } = await openGrant(fx.ctx, fixtureActor, {
    userId: user.id,
    routerId: fx.router.id,
    family: options.family ?? 'ip',
    list: options.list ?? 'knockgate',
    address,
    kind: options.kind,
    source: 'web',
    durationSeconds: 3600,
  });
  expect(grant.status).toBe('active');
  return grant;
};
const view = async () => liveRouterView(fx.ctx, fx.router, await liveGrantViews(db.db, fx.router.id));
const rowsFor = (entries: LiveEntry[], grantId: string) => entries.filter((e) => e.grant?.id === grantId);

describe('the live view attributes a tagged entry to its grant', () => {
  it('where list and address match the grant (IPv6 hosts as the router prints them, /128)', async () => {
    const v4 = await open(`198.51.100.${++n}`);
    const v6 = await open(`2001:db8::${++n}`, { family: 'ipv6' });
    const live = await view();
    expect(live.error).toBeNull();
    expect(rowsFor(live.entries, v4.id)).toEqual([
      expect.objectContaining({ kind: 'grant', address: v4.address, entryId: v4.routerEntryId }),
    ]);
    expect(rowsFor(live.entries, v6.id)).toEqual([
      expect.objectContaining({ kind: 'grant', address: v6.address, family: 'ipv6' }),
    ]);
  });

  it('a tagged entry moved to another address or list is an orphan; its grant waits for its entry', async () => {
    const moved = await open(`198.51.100.${++n}`);
    const relisted = await open(`198.51.100.${++n}`);
    // A grant on a second list, so the view reads that list too.
    await open(`198.51.100.${++n}`, { list: 'knockgate-b' });
    const client = await fx.ctx.clientFor(fx.router.id);
    const elsewhere = `198.51.100.${++n}`;
    await client.set('/ip/firewall/address-list', moved.routerEntryId!, { address: elsewhere });
    await client.set('/ip/firewall/address-list', relisted.routerEntryId!, { list: 'knockgate-b' });

    const live = await view();
    expect(live.error).toBeNull();
    expect(live.entries.find((e) => e.address === elsewhere)).toMatchObject({
      kind: 'orphan',
      grant: null,
      comment: grantTag(moved.id),
    });
    expect(live.entries.find((e) => e.entryId === relisted.routerEntryId)).toMatchObject({
      kind: 'orphan',
      list: 'knockgate-b',
      grant: null,
    });
    expect(rowsFor(live.entries, moved.id)).toEqual([
      expect.objectContaining({ kind: 'pending', entryId: null, address: moved.address }),
    ]);
    expect(rowsFor(live.entries, relisted.id)).toEqual([
      expect.objectContaining({ kind: 'pending', entryId: null, list: 'knockgate' }),
    ]);
  });

  it('a host-name entry and the addresses resolved from it belong to its grant only where the name matches', async () => {
    const home = await open('home.live.example.net', { kind: 'hostname' });
    const away = await open('away.live.example.net', { kind: 'hostname' });
    await fx.sim.refreshDns();
    let live = await view();
    expect(rowsFor(live.entries, home.id)).toEqual([
      expect.objectContaining({
        kind: 'grant',
        address: 'home.live.example.net',
        resolved: ['198.51.100.240'],
      }),
      expect.objectContaining({
        kind: 'grant',
        address: '198.51.100.240',
        resolvedFrom: 'home.live.example.net',
      }),
    ]);

    // The away name's entry now carries the home grant's tag: it is no entry of the home grant.
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.set('/ip/firewall/address-list', away.routerEntryId!, { comment: grantTag(home.id) });
    live = await view();
    // On the away grant's list and address, so that grant is listed as sharing it (not missing).
    const retagged = live.entries.find((e) => e.entryId === away.routerEntryId);
    expect(retagged).toMatchObject({ kind: 'orphan', grant: null });
    expect(retagged!.alsoFor.map((g) => g.id)).toEqual([away.id]);
    expect(live.entries.find((e) => e.resolvedFrom === 'away.live.example.net')).toMatchObject({
      kind: 'unmanaged',
      grant: null,
    });
    expect(rowsFor(live.entries, home.id).map((e) => [e.kind, e.address])).toEqual([
      ['grant', 'home.live.example.net'],
      ['grant', '198.51.100.240'],
    ]);
  });

  it('shows a disabled tagged entry as disabled', async () => {
    const grant = await open(`198.51.100.${++n}`);
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.set('/ip/firewall/address-list', grant.routerEntryId!, { disabled: true });
    const live = await view();
    expect(rowsFor(live.entries, grant.id)).toEqual([
      expect.objectContaining({ kind: 'grant', disabled: true }),
    ]);
  });
});

describe('reading the router', () => {
  it('prints both families at once', async () => {
    const grant = await open(`198.51.100.${++n}`);
    const steps: string[] = [];
    const watched: GrantContext = {
      ...fx.ctx,
      clientFor: async (id) => {
        const client = await fx.ctx.clientFor(id);
        return new Proxy(client, {
          get(target, prop) {
            if (prop === 'print') {
              return async (...args: Parameters<RouterClient['print']>) => {
                steps.push(`start ${args[0]}`);
                try {
                  return await target.print(...args);
                } finally {
                  steps.push(`end ${args[0]}`);
                }
              };
            }
            const value = Reflect.get(target, prop, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      },
    };
    const live = await liveRouterView(watched, fx.router, await liveGrantViews(db.db, fx.router.id));
    expect(live.error).toBeNull();
    expect(rowsFor(live.entries, grant.id)).toEqual([expect.objectContaining({ kind: 'grant' })]);
    expect(steps.slice(0, 2).sort()).toEqual([
      'start /ip/firewall/address-list',
      'start /ipv6/firewall/address-list',
    ]);
    expect(steps).toHaveLength(4);
  });

  // Bounded by the deadline given here; the test's own timeout only catches a read left waiting.
  it('a router that does not answer within the deadline is a router error; grants show as waiting', {
    timeout: 10_000,
  }, async () => {
    const grant = await open(`198.51.100.${++n}`);
    fx.sim.faults.set({ stall: '/address-list/print' });
    try {
      const live = await liveRouterView(fx.ctx, fx.router, await liveGrantViews(db.db, fx.router.id), [], {
        timeoutMs: 300,
      });
      expect(live.error).toEqual({ code: 'router_timeout', message: 'The router did not answer in time.' });
      expect(live.entries.every((e) => e.kind === 'pending')).toBe(true);
      expect(rowsFor(live.entries, grant.id)).toEqual([expect.objectContaining({ kind: 'pending' })]);
    } finally {
      fx.sim.faults.reset();
    }
    // The same router answers again once it does.
    // Once it answers again, so does the view (the client first drops the stalled connection).
    await vi.waitFor(async () => expect((await view()).error).toBeNull(), { timeout: 5_000 });
  });
});
