import { getTranslations } from 'next-intl/server';
import { ChangePasswordForm, TotpPanel } from '@/components/account/account-forms';
import { Alert } from '@/components/ui/alert';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireUser } from '@/lib/auth/guards';
import { unusedRecoveryCodeCount } from '@/lib/auth/totp-enrolment';
import { getDb } from '@/lib/db';

export const generateMetadata = titled('account');

export default async function AccountPage() {
  const { user } = await requireUser('/account');
  const t = await getTranslations('account');
  const remaining = user.totpEnabledAt ? await unusedRecoveryCodeCount(await getDb(), user.id) : 0;
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      {user.mustChangePassword && (
        <Alert tone="warning" className="mb-6">
          {t('mustChange')}
        </Alert>
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="mb-4 text-base font-semibold">{t('passwordTitle')}</h2>
          <ChangePasswordForm />
        </Card>
        <Card>
          <h2 className="mb-4 text-base font-semibold">{t('totpTitle')}</h2>
          <TotpPanel enabledAt={user.totpEnabledAt?.toISOString() ?? null} recoveryLeft={remaining} />
        </Card>
      </div>
    </>
  );
}
