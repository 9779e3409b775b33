import { classicListsForRouter } from '../profiles/service';
import { listRouters } from '../routers/service';
import { getGrantContext } from './context';
import { type LiveRouterView, liveRouterView } from './live';
import { liveGrantViews } from './views';

/** The live view of every router (or one), read from the routers in parallel. */
export async function liveView(
  options: {
    routerId?: string;
    classicLists?: (routerId: string) => Promise<{ list: string; profileName: string }[]>;
  } = {},
): Promise<LiveRouterView[]> {
  const ctx = await getGrantContext();
  const routers = (await listRouters(ctx.db)).filter((r) => !options.routerId || r.id === options.routerId);
  const grants = await liveGrantViews(ctx.db, options.routerId);
  return Promise.all(
    routers.map(async (router) =>
      liveRouterView(
        ctx,
        router,
        grants.filter((g) => g.routerId === router.id),
        await classicListsForRouter(ctx.db, router.id),
      ),
    ),
  );
}
