/**
 * One router entry, one change at a time (in this process): opening, extending, revoking and
 * reconciling the same (router, family, list, address) are queued, so a revoke cannot interleave
 * with an extend that re-adds the entry it just removed. Across instances the reconciler repairs
 * what a race between two processes could leave.
 */
const key = Symbol.for('knockgate.keyLocks');
type Holder = { [key]?: Map<string, Promise<unknown>> };

function locks(): Map<string, Promise<unknown>> {
  const holder = globalThis as Holder;
  holder[key] ??= new Map();
  return holder[key];
}

export function entryLockKey(routerId: string, k: { family: string; list: string; address: string }): string {
  return `${routerId}|${k.family}|${k.list}|${k.address.toLowerCase()}`;
}

export async function withEntryLock<T>(lockKey: string, work: () => Promise<T>): Promise<T> {
  const map = locks();
  const previous = map.get(lockKey) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  map.set(lockKey, tail);
  await previous.catch(() => {});
  try {
    return await work();
  } finally {
    release();
    if (map.get(lockKey) === tail) map.delete(lockKey);
  }
}
