import { expect, it } from 'vitest';
import { inProcessEntryLocks } from './key-lock';

it('runs work on one key strictly one after another, other keys in parallel, and forgets idle keys', async () => {
  const events: string[] = [];
  const step = (name: string, ms: number) => async () => {
    events.push(`${name}:start`);
    await new Promise((r) => setTimeout(r, ms));
    events.push(`${name}:end`);
    return name;
  };
  const map = new Map<string, Promise<unknown>>();
  const locks = inProcessEntryLocks(map);
  const withEntryLock = <T>(k: string, work: () => Promise<T>) => locks.run(k, work);
  const results = await Promise.all([
    withEntryLock('a', step('a1', 20)),
    withEntryLock('a', step('a2', 1)),
    withEntryLock('b', step('b1', 5)),
    withEntryLock('a', async () => {
      throw new Error('a3 failed');
    }).catch((e: Error) => e.message),
    withEntryLock('a', step('a4', 1)),
  ]);
  expect(results).toEqual(['a1', 'a2', 'b1', 'a3 failed', 'a4']);
  const a = events.filter((e) => e.startsWith('a'));
  expect(a).toEqual(['a1:start', 'a1:end', 'a2:start', 'a2:end', 'a4:start', 'a4:end']);
  expect(events.indexOf('b1:start')).toBeLessThan(events.indexOf('a1:end'));
  expect(map.size).toBe(0);
});
