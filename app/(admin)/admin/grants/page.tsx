import { getTranslations } from 'next-intl/server';
import { LiveGrants } from '@/components/admin/live-grants';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';
import { requestLocale } from '@/i18n/request-locale';
import { localizeText } from '@/i18n/server-messages';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { liveView } from '@/lib/grants/live-all';
import { workerStatus } from '@/lib/grants/worker';

export const generateMetadata = titled('grants');

export default async function GrantsPage() {
  const { user } = await requireRole(['admin', 'approver'], '/admin/grants');
  const t = await getTranslations('grants');
  const routers = await liveView();
  const status = workerStatus();
  const locale = await requestLocale();
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      {status.paused && (
        <Alert tone="error" className="mb-4">
          {t('paused', { reason: localizeText(status.paused, locale) })}
        </Alert>
      )}
      <LiveGrants
        initial={{ routers, serverTime: new Date().toISOString() }}
        canRevoke={user.role === 'admin'}
      />
    </>
  );
}
