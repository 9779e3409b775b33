import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@/sim/clock';
import { type Simulator, startSimulator } from '@/sim/server';
import {
  addAddressListEntry,
  addOrRefreshAddressListEntry,
  familyOf,
  findAddressListEntriesByComment,
  parseAddressListRow,
  printAddressList,
  removeAddressListEntries,
  setAddressListEntry,
} from './address-list';
import { RouterOSClient } from './client';
import { RouterTrapError } from './errors';

let s: Simulator;
let c: RouterOSClient;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock();
  s = await startSimulator({ apiSslPort: null, clock });
  c = new RouterOSClient({
    id: 'r',
    host: '127.0.0.1',
    port: s.apiPort,
    tls: false,
    username: 'admin',
    password: '',
  });
});

afterEach(async () => {
  await c.close();
  await s.close();
});

describe('address-list helpers', () => {
  it('picks the table by address family', () => {
    expect(familyOf('192.0.2.1')).toBe('ip');
    expect(familyOf('2001:db8::1')).toBe('ipv6');
    expect(familyOf('2001:db8::/64')).toBe('ipv6');
    expect(familyOf('home.example.net')).toBe('ip');
  });

  it('adds with timeout and tag, and reads the entry back typed', async () => {
    const id = await addAddressListEntry(c, {
      list: 'kg',
      address: '192.0.2.1',
      timeoutSeconds: 5400,
      comment: 'knockgate:g1',
    });
    clock.advance(400_000);
    const [entry] = await printAddressList(c, { list: 'kg' });
    expect(entry).toEqual({
      id,
      list: 'kg',
      address: '192.0.2.1',
      comment: 'knockgate:g1',
      timeoutSeconds: 5000,
      dynamic: true,
      disabled: false,
      creationTime: '2026-11-26 09:00:00',
    });
  });

  it('IPv6 addresses go to /ipv6/firewall/address-list', async () => {
    await addAddressListEntry(c, {
      list: 'kg',
      address: '2001:db8::5',
      timeoutSeconds: 60,
      comment: 'knockgate:g6',
    });
    expect(
      s
        .addressList('ipv6')
        .entries(s.state.ctx)
        .map((e) => e.address),
    ).toEqual(['2001:db8::5/128']);
    expect(await printAddressList(c, { family: 'ipv6', comment: 'knockgate:g6' })).toHaveLength(1);
  });

  it('finds by exact comment on the router and by prefix here', async () => {
    await addAddressListEntry(c, { list: 'kg', address: '192.0.2.1', comment: 'knockgate:a' });
    await addAddressListEntry(c, { list: 'kg', address: '192.0.2.2', comment: 'someone else' });
    await addAddressListEntry(c, { list: 'other', address: '192.0.2.3', comment: 'knockgate:b' });
    expect((await findAddressListEntriesByComment(c, 'knockgate:a')).map((e) => e.address)).toEqual([
      '192.0.2.1',
    ]);
    expect((await printAddressList(c, { commentPrefix: 'knockgate:' })).map((e) => e.address)).toEqual([
      '192.0.2.1',
      '192.0.2.3',
    ]);
    expect(
      (await printAddressList(c, { list: 'kg', commentPrefix: 'knockgate:' })).map((e) => e.address),
    ).toEqual(['192.0.2.1']);
  });

  it('adopts the existing entry on duplicate instead of creating a twin', async () => {
    const first = await addOrRefreshAddressListEntry(c, {
      list: 'kg',
      address: '192.0.2.9',
      timeoutSeconds: 60,
      comment: 'knockgate:old',
    });
    expect(first.adopted).toBe(false);
    const again = await addOrRefreshAddressListEntry(c, {
      list: 'kg',
      address: '192.0.2.9',
      timeoutSeconds: 3600,
      comment: 'knockgate:new',
    });
    expect(again).toEqual({ id: first.id, adopted: true });
    const entries = s.addressList().entries(s.state.ctx);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ comment: 'knockgate:new', timeoutSeconds: 3600 });
  });

  it('adopts a normalised network entry', async () => {
    await addAddressListEntry(c, { list: 'kg', address: '10.1.2.3/24' });
    const again = await addOrRefreshAddressListEntry(c, {
      list: 'kg',
      address: '10.1.2.0/24',
      timeoutSeconds: 60,
    });
    expect(again.adopted).toBe(true);
    expect(s.addressList().size).toBe(1);
  });

  it('sets timeout and comment, removes, and treats an already-gone entry as removed when asked', async () => {
    const id = await addAddressListEntry(c, { list: 'kg', address: '192.0.2.1', timeoutSeconds: 60 });
    await setAddressListEntry(c, 'ip', id, { timeoutSeconds: 120, comment: 'knockgate:x' });
    expect((await printAddressList(c))[0]).toMatchObject({ timeoutSeconds: 120, comment: 'knockgate:x' });
    const other = await addAddressListEntry(c, { list: 'kg', address: '192.0.2.2' });
    await expect(removeAddressListEntries(c, 'ip', ['*99'])).rejects.toBeInstanceOf(RouterTrapError);
    await removeAddressListEntries(c, 'ip', [id, '*99', other], { ignoreMissing: true });
    expect(s.addressList().size).toBe(0);
  });

  it('parses rows from v6 routers (yes/no flags, no timeout)', () => {
    expect(
      parseAddressListRow({ '.id': '*A', list: 'l', address: '1.2.3.4', dynamic: 'no', disabled: 'yes' }),
    ).toMatchObject({
      id: '*A',
      timeoutSeconds: null,
      dynamic: false,
      disabled: true,
    });
  });
});
