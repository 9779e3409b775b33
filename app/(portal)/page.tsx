import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { AccessPanel } from '@/components/portal/access-panel';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';
import { requireUser } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { userGrantViews } from '@/lib/grants/views';
import { effectivePolicy } from '@/lib/policies/service';

export default async function PortalHome() {
  const { user, clientAddress } = await requireUser('/');
  if (user.mustChangePassword) redirect('/account');
  const t = await getTranslations('portal');
  const db = await getDb();
  const [grants, policy] = await Promise.all([
    userGrantViews(db, user.id, { routerPresence: true }),
    effectivePolicy(db, user),
  ]);
  const canOpen = Boolean(policy?.policy.directAccess && policy.targets.length > 0);
  return (
    <>
      <PageHeader title={t('title')} description={t('welcome', { name: user.username })} />
      {!policy && (
        <Alert tone="info" className="mb-6">
          {t('noPolicy')}
        </Alert>
      )}
      {policy && !policy.policy.directAccess && (
        <Alert tone="info" className="mb-6">
          {t('requestOnly')}
        </Alert>
      )}
      <AccessPanel
        initial={{ address: clientAddress?.address ?? null, grants, serverTime: new Date().toISOString() }}
        canOpen={canOpen}
      />
    </>
  );
}
