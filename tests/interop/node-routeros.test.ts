/**
 * The interop scenario of librouteros_check.py, run through node-routeros 1.6.9 (the client the
 * project first asked for). It runs against 7.15 and 6.x simulators: node-routeros throws an uncaught
 * UNKNOWNREPLY on the `!empty` reply of RouterOS 7.18+, which would take the test process down — that
 * defect is measured in a child process by bench/torture-compare.ts instead (docs/decisions.md).
 */
import { RouterOSAPI } from 'node-routeros';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settles } from '@/bench/torture-scenarios';
import { type Simulator, startSimulator } from '@/sim/server';

const AL = '/ip/firewall/address-list';
let v715: Simulator;
let v642: Simulator;

beforeAll(async () => {
  v715 = await startSimulator({ version: '7.15', apiSslPort: 0 });
  v642 = await startSimulator({
    version: '6.42',
    apiSslPort: null,
    users: [{ name: 'old', password: 'pa55' }],
  });
});

afterAll(async () => {
  await v715?.close();
  await v642?.close();
});

type Row = Record<string, string>;

async function scenario(api: RouterOSAPI, label: string): Promise<void> {
  const list = `interop-${label}`;
  const byList = () => settles(api.write(`${AL}/print`, [`?list=${list}`])) as Promise<Row[]>;
  expect(await byList()).toEqual([]);

  const [added] = (await settles(
    api.write(`${AL}/add`, [
      `=list=${list}`,
      '=address=192.0.2.10',
      '=timeout=1h',
      '=comment=knockgate:interop-1',
    ]),
  )) as Row[];
  const first = added?.ret as string;
  expect(first).toMatch(/^\*[0-9A-F]+$/);
  const [added2] = (await settles(
    api.write(`${AL}/add`, [
      `=list=${list}`,
      '=address=198.51.100.7/24',
      '=timeout=00:05:00',
      '=comment=knockgate:interop-2',
    ]),
  )) as Row[];
  const second = added2?.ret as string;

  const rows = await byList();
  expect(rows.map((r) => r.address)).toEqual(['192.0.2.10', '198.51.100.0/24']);
  expect(rows[0]).toMatchObject({
    '.id': first,
    list,
    comment: 'knockgate:interop-1',
    dynamic: 'true',
    disabled: 'false',
  });
  expect(rows[0]?.timeout).toMatch(/^(1h|59m5\ds)$/);
  expect(rows[1]?.timeout).toMatch(/^(5m|4m5\ds)$/);

  await expect(settles(api.write(`${AL}/add`, [`=list=${list}`, '=address=192.0.2.10']))).rejects.toThrow(
    'failure: already have such entry',
  );
  await settles(api.write(`${AL}/set`, [`=.id=${first}`, '=comment=knockgate:interop-1b']));
  expect((await byList())[0]?.comment).toBe('knockgate:interop-1b');
  expect(await settles(api.write(`${AL}/print`, ['=count-only=', `?list=${list}`]))).toEqual([{ ret: '2' }]);

  await settles(api.write(`${AL}/remove`, [`=.id=${first},${second}`]));
  expect(await byList()).toEqual([]);
  await expect(settles(api.write(`${AL}/remove`, [`=.id=${first}`]))).rejects.toThrow(/no such item/);
}

describe('node-routeros against the simulator', () => {
  it('plain API (7.15)', async () => {
    const api = new RouterOSAPI({
      host: '127.0.0.1',
      port: v715.apiPort,
      user: 'admin',
      password: '',
      timeout: 5,
    });
    await settles(api.connect());
    try {
      await scenario(api, 'plain');
    } finally {
      await api.close();
    }
  });

  it('API-SSL verified with the simulator certificate (7.15)', async () => {
    const api = new RouterOSAPI({
      host: '127.0.0.1',
      port: v715.apiSslPort as number,
      user: 'admin',
      password: '',
      timeout: 5,
      tls: { ca: v715.certificate?.cert },
    });
    await settles(api.connect());
    try {
      await scenario(api, 'tls');
    } finally {
      await api.close();
    }
  });

  it('legacy challenge login (6.42) and a refused password', async () => {
    const api = new RouterOSAPI({
      host: '127.0.0.1',
      port: v642.apiPort,
      user: 'old',
      password: 'pa55',
      timeout: 5,
    });
    await settles(api.connect());
    const [resource] = (await settles(api.write('/system/resource/print'))) as Row[];
    expect(resource?.version).toBe('6.42 (stable)');
    await api.close();
    const wrong = new RouterOSAPI({
      host: '127.0.0.1',
      port: v715.apiPort,
      user: 'admin',
      password: 'nope',
      timeout: 5,
    });
    await expect(settles(wrong.connect())).rejects.toMatchObject({ errno: 'CANTLOGIN' });
  });
});
