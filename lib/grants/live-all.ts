import { classicListsForRouter } from '../profiles/service';
import { listRouters } from '../routers/service';
import { getGrantContext } from './context';
import { type LiveRouterView, liveRouterView } from './live';
import { type GrantView, liveGrantViews } from './views';

/** The live view of every router (or one), read from the routers in parallel. */
export async function liveView(
  options: {
    routerId?: string;
    classicLists?: (routerId: string) => Promise<{ list: string; profileName: string }[]>;
  } = {},
): Promise<LiveRouterView[]> {
  const ctx = await getGrantContext();
  const routers = (await listRouters(ctx.db)).filter((r) => !options.routerId || r.id === options.routerId);
  const grantsOf = new Map<string, GrantView[]>();
  for (const g of await liveGrantViews(ctx.db, options.routerId)) {
    const list = grantsOf.get(g.routerId);
    if (list) list.push(g);
    else grantsOf.set(g.routerId, [g]);
  }
  return Promise.all(
    routers.map(async (router) =>
      liveRouterView(
        ctx,
        router,
        grantsOf.get(router.id) ?? [],
        await classicListsForRouter(ctx.db, router.id),
      ),
    ),
  );
}
