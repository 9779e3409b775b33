import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { makeUser } from '@/tests/factories';
import {
  fixtureActor,
  type RouterFixture,
  routerEntries,
  routerFixturePerFile,
} from '@/tests/router-fixture';
import { openGrant } from './service';
import { userGrantViews } from './views';

/**
 * The portal's read-back of what the router holds for a person's grants, through a migrated
 * database and the simulated RouterOS over TCP.
 */
let db: DatabaseHandle;
let fx: RouterFixture;

routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
});

let n = 0;
const open = async (userId: string, address: string, family: 'ip' | 'ipv6' = 'ip') =>
  openGrant(fx.ctx, fixtureActor, {
    userId,
    routerId: fx.router.id,
    family,
    list: 'knockgate',
    address,
    source: 'web',
    durationSeconds: 3600,
  });

describe('the router presence of a person’s grants', () => {
  it('an enabled entry is present with its time left', async () => {
    const user = await makeUser(db.db);
    const address = `198.51.100.${++n}`;
    await open(user.id, address);
    const [view] = await userGrantViews(db.db, user.id, { ctx: fx.ctx, routerPresence: true });
    expect(view!.onRouter?.present).toBe(true);
    expect(view!.onRouter?.timeoutSeconds).toBeGreaterThan(3500);
  });

  it('a disabled entry (ours or not) is not present: it matches nothing on the router', async () => {
    const user = await makeUser(db.db);
    const address = `198.51.100.${++n}`;
    const v6 = `2001:db8::${++n}`;
    const { grant } = await open(user.id, address);
    const { grant: grant6 } = await open(user.id, v6, 'ipv6');
    const client = await fx.ctx.clientFor(fx.router.id);
    await client.set('/ip/firewall/address-list', grant.routerEntryId!, { disabled: true });
    await client.set('/ipv6/firewall/address-list', grant6.routerEntryId!, { disabled: true });
    expect(routerEntries(fx.sim).find((e) => e.address === address)?.disabled).toBe(true);

    const views = await userGrantViews(db.db, user.id, { ctx: fx.ctx, routerPresence: true });
    expect(views.find((v) => v.id === grant.id)!.onRouter).toEqual({ present: false, timeoutSeconds: null });
    expect(views.find((v) => v.id === grant6.id)!.onRouter).toEqual({ present: false, timeoutSeconds: null });

    // An address an admin holds in a disabled entry of their own: not present either.
    const other = await makeUser(db.db);
    const held = `198.51.100.${++n}`;
    fx.sim.addressList('ip').add(
      new Map([
        ['list', 'knockgate'],
        ['address', held],
        ['comment', 'admin static'],
        ['disabled', 'yes'],
      ]),
      fx.sim.state.ctx,
    );
    await open(other.id, held);
    const [heldView] = await userGrantViews(db.db, other.id, { ctx: fx.ctx, routerPresence: true });
    expect(heldView!.onRouter?.present).toBe(false);
  });
});
