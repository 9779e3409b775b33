import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { LiveGrants } from '@/components/admin/live-grants';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';
import { requireRole } from '@/lib/auth/guards';
import { liveView } from '@/lib/grants/live-all';
import { workerStatus } from '@/lib/grants/worker';

export const metadata: Metadata = { title: 'Live grants' };

export default async function GrantsPage() {
  const { user } = await requireRole(['admin', 'approver'], '/admin/grants');
  const t = await getTranslations('grants');
  const routers = await liveView();
  const status = workerStatus();
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      {status.paused && (
        <Alert tone="error" className="mb-4">
          {t('paused', { reason: status.paused })}
        </Alert>
      )}
      <LiveGrants
        initial={{ routers, serverTime: new Date().toISOString() }}
        canRevoke={user.role === 'admin'}
      />
    </>
  );
}
