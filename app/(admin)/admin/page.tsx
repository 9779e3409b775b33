import { getTranslations } from 'next-intl/server';
import { ActivityChart } from '@/components/activity/activity-chart';
import { Card, PageHeader } from '@/components/ui/card';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { grantActivity } from '@/lib/grants/activity';
import { pendingCountFor } from '@/lib/requests/service';
import { listUsers } from '@/lib/users/service';

export default async function AdminOverview() {
  const { user } = await requireRole(['admin', 'approver'], '/admin');
  const t = await getTranslations('admin');
  const a = await getTranslations('activity');
  const db = await getDb();
  const [people, activity, pending] = await Promise.all([
    user.role === 'admin' ? listUsers(db) : Promise.resolve([]),
    grantActivity(db),
    pendingCountFor(db, user.id),
  ]);
  const stat = (label: string, value: number, testId: string) => (
    <Card>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </p>
    </Card>
  );
  return (
    <>
      <PageHeader title={t('title')} />
      <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {user.role === 'admin' && stat(t('usersTitle'), people.length, 'stat-users')}
        {stat(a('pending'), pending, 'stat-pending')}
        {stat(
          a('activeNow'),
          activity.routers.reduce((s, r) => s + r.current, 0),
          'stat-active',
        )}
        {stat(
          a('openedWeek'),
          activity.opened.reduce((s, v) => s + v, 0),
          'stat-opened',
        )}
      </div>
      <ActivityChart activity={activity} />
    </>
  );
}
