import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { Card, PageHeader } from '@/components/ui/card';
import { requireUser } from '@/lib/auth/guards';

export default async function PortalHome() {
  const { user, clientAddress } = await requireUser('/');
  if (user.mustChangePassword) redirect('/account');
  const t = await getTranslations('portal');
  return (
    <>
      <PageHeader title={t('title')} description={t('welcome', { name: user.username })} />
      <Card>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('yourAddress')}</p>
        <p className="mt-1 font-mono text-xl" data-testid="client-address">
          {clientAddress?.address ?? t('addressUnknown')}
        </p>
      </Card>
    </>
  );
}
