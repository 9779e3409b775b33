import { getTranslations } from 'next-intl/server';
import { RouterForm, RouterTools } from '@/components/admin/routers';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { requestLocale } from '@/i18n/request-locale';
import { localizeText } from '@/i18n/server-messages';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { workerStatus } from '@/lib/grants/worker';
import { listRouters, toPublicRouter } from '@/lib/routers/service';

export const generateMetadata = titled('routers');

export default async function RoutersPage() {
  await requireRole('admin', '/admin/routers');
  const t = await getTranslations('routers');
  const routers = (await listRouters(await getDb())).map((r) => toPublicRouter(r));
  const status = workerStatus();
  const locale = await requestLocale();
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Card className="mb-6">
        <h2 className="mb-4 text-base font-semibold">{t('add')}</h2>
        <RouterForm />
      </Card>
      <div className="space-y-4">
        {routers.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('none')}</p>}
        {routers.map((router) => {
          const report = status.routers[router.id];
          return (
            <Card key={router.id} data-testid={`router-${router.name}`}>
              <div className="flex flex-wrap items-start justify-between gap-4">
                <div>
                  <h2 className="text-base font-semibold">{router.name}</h2>
                  <p className="font-mono text-sm text-zinc-600 dark:text-zinc-400">
                    {router.tls ? 'api-ssl' : 'api'}://{router.username}@
                    {router.host.includes(':') ? `[${router.host}]` : router.host}:{router.port}
                  </p>
                  <p className="text-sm text-zinc-600 dark:text-zinc-400">
                    {t('lists', { ipv4: router.ipv4List, ipv6: router.ipv6List })}
                  </p>
                </div>
                <div className="flex flex-wrap gap-2">
                  {!router.enabled && <Badge tone="neutral">{t('disabled')}</Badge>}
                  {router.fingerprint && <Badge tone="blue">{t('pinned')}</Badge>}
                  {report &&
                    (report.skipped ? (
                      <Badge tone="red">{t('unreachable')}</Badge>
                    ) : (
                      <Badge tone="green">{t('reachable', { count: report.liveGrants })}</Badge>
                    ))}
                </div>
              </div>
              {report?.skipped && (
                <p className="mt-2 text-sm text-red-700 dark:text-red-400">
                  {localizeText(report.skipped.message, locale)}
                </p>
              )}
              <RouterTools router={router} />
            </Card>
          );
        })}
      </div>
    </>
  );
}
