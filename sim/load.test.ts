/**
 * Acceptance 5 without timing: while one connection streams a 100,000-entry print, 50 other
 * connections get their answers before that print is done (the simulator yields between batches).
 * Speed figures are in bench/sim-load.ts and docs/benchmarks.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAddressList } from './admin';
import { RawSession } from './raw-session';
import { type Simulator, startSimulator } from './server';

let sim: Simulator;
const sessions: RawSession[] = [];

beforeAll(async () => {
  sim = await startSimulator({ apiSslPort: null });
  expect(seedAddressList(sim, 'bulk', 100_000)).toBe(100_000);
});

afterAll(async () => {
  for (const s of sessions) s.close();
  await sim.close();
});

describe('simulator under load', () => {
  it('answers 50 parallel connections while a 100,000-entry print is streaming', {
    timeout: 60_000,
  }, async () => {
    const small = await Promise.all(Array.from({ length: 50 }, () => RawSession.open(sim.apiPort)));
    const big = await RawSession.open(sim.apiPort);
    sessions.push(...small, big);
    await Promise.all([...small, big].map((s) => s.login()));
    expect(sim.connectionCount()).toBe(51);

    let bigDone = false;
    let rows = 0;
    big.send(['/ip/firewall/address-list/print', '=.proplist=.id,address,comment', '.tag=big']);
    const bigReply = (async () => {
      for (;;) {
        const sentence = await big.read(30_000);
        if (!sentence) throw new Error('big print did not finish');
        if (sentence[0] === '!re') rows += 1;
        if (sentence[0] === '!done') break;
      }
      bigDone = true;
    })();

    // Wait until the print is visibly under way, then ask the 50 others.
    while (rows === 0) await new Promise((r) => setTimeout(r, 1));
    const answered = await Promise.all(
      small.map(async (s, i) => {
        const reply = await s.call(['/system/identity/print'], `s${i}`);
        return { reply, printStillRunning: !bigDone };
      }),
    );
    for (const [i, a] of answered.entries()) {
      expect(a.reply).toEqual([
        ['!re', '=name=MikroTik', `.tag=s${i}`],
        ['!done', `.tag=s${i}`],
      ]);
    }
    expect(answered.filter((a) => a.printStillRunning)).toHaveLength(50);
    await bigReply;
    expect(rows).toBe(100_000);
  });
});
