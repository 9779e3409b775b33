import { getTranslations } from 'next-intl/server';
import { ApprovalQueue } from '@/components/requests/approval-queue';
import { WebhookDeliveries } from '@/components/requests/webhook-deliveries';
import { WebhookForm } from '@/components/requests/webhook-form';
import { PageHeader } from '@/components/ui/card';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { pendingCountFor } from '@/lib/requests/service';
import { approvalQueue, RECENT_GRANTS_DAYS, recentDecisions } from '@/lib/requests/views';
import { recentDeliveries, webhookSettings } from '@/lib/requests/webhook';

export const generateMetadata = titled('approvals');

export default async function ApprovalsPage() {
  const { user } = await requireRole(['admin', 'approver'], '/admin/approvals');
  const t = await getTranslations('approvals');
  const db = await getDb();
  const admin = user.role === 'admin';
  const [queue, recent, pending, webhook, deliveries, locale] = await Promise.all([
    approvalQueue(db, user.id),
    recentDecisions(db),
    pendingCountFor(db, user.id),
    admin ? webhookSettings(db) : null,
    admin ? recentDeliveries(db) : [],
    requestLocale(user),
  ]);
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <div className="space-y-8">
        <ApprovalQueue
          initial={{ queue, recent, pending, serverTime: new Date().toISOString() }}
          recentDays={RECENT_GRANTS_DAYS}
        />
        {webhook && (
          <WebhookForm initial={webhook}>
            <WebhookDeliveries deliveries={localizeMessagesIn(deliveries, ['lastError'], locale)} />
          </WebhookForm>
        )}
      </div>
    </>
  );
}
