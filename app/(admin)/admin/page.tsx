import { getTranslations } from 'next-intl/server';
import { Card, PageHeader } from '@/components/ui/card';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { listUsers } from '@/lib/users/service';

export default async function AdminOverview() {
  const { user } = await requireRole(['admin', 'approver'], '/admin');
  const t = await getTranslations('admin');
  const people = user.role === 'admin' ? await listUsers(await getDb()) : [];
  return (
    <>
      <PageHeader title={t('title')} />
      {user.role === 'admin' && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Card>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('usersTitle')}</p>
            <p className="mt-1 text-2xl font-semibold">{people.length}</p>
          </Card>
        </div>
      )}
    </>
  );
}
