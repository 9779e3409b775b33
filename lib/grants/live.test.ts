import { describe, expect, it } from 'vitest';
import type { RouterClient, RouterRow } from '@/lib/routeros';
import { liveRouterView } from './live';
import type { GrantContext } from './service';
import { grantTag } from './tag';
import type { GrantView } from './views';

/** The join of a router's entries with the grants, on a router that answers from memory. */
const router = { id: 'r1', name: 'edge', ipv4List: 'knockgate', ipv6List: 'knockgate' };

function grantFor(i: number): GrantView {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    routerId: router.id,
    routerName: router.name,
    list: 'knockgate',
    family: 'ip',
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    kind: 'address',
    source: 'web',
    status: 'active',
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    createdAt: new Date().toISOString(),
    openedBy: 'test',
    username: null,
    lastError: null,
  };
}

function contextWith(rows: RouterRow[]): GrantContext {
  const client = {
    print: async (path: string) => (path.startsWith('/ip/') ? rows : []),
  } as unknown as RouterClient;
  return { db: {} as never, clientFor: async () => client };
}

describe('liveRouterView', () => {
  it('looks each entry up instead of passing over every grant for it', async () => {
    const count = 400;
    const list = Array.from({ length: count }, (_, i) => grantFor(i + 1));
    // Every entry's grant, plus as many unmanaged entries at addresses no grant has.
    const rows: RouterRow[] = [
      ...list.map((g, i) => ({
        '.id': `*${i + 1}`,
        list: 'knockgate',
        address: g.address,
        timeout: '1h',
        comment: grantTag(g.id),
        dynamic: 'true',
        disabled: 'false',
      })),
      ...list.map((_, i) => ({
        '.id': `*${count + i + 1}`,
        list: 'knockgate',
        address: `192.0.2.${i % 250}`,
        comment: 'admin',
        dynamic: 'false',
        disabled: 'false',
      })),
    ];
    let reads = 0;
    const grants = new Proxy(list, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver);
      },
    });

    const view = await liveRouterView(contextWith(rows), router, grants);

    expect(view.error).toBeNull();
    expect(view.entries.filter((e) => e.kind === 'grant')).toHaveLength(count);
    expect(view.entries.filter((e) => e.kind === 'unmanaged')).toHaveLength(count);
    expect(view.entries.every((e) => e.kind !== 'grant' || e.grant?.address === e.address)).toBe(true);
    // A few passes over the grants in all, not one per router entry (that would be count × 2 × count).
    expect(reads).toBeLessThanOrEqual(5 * count);
  });
});
