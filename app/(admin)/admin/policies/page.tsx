import { getTranslations } from 'next-intl/server';
import { PolicyDelete, PolicyForm } from '@/components/admin/policies';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { listPolicies } from '@/lib/policies/service';
import { formatDuration } from '@/lib/routeros';
import { listRouters } from '@/lib/routers/service';
import { listUsers } from '@/lib/users/service';

export const generateMetadata = titled('policies');

export default async function PoliciesPage() {
  await requireRole('admin', '/admin/policies');
  const t = await getTranslations('policies');
  const a = await getTranslations('admin');
  const db = await getDb();
  const [policies, routers, users] = await Promise.all([listPolicies(db), listRouters(db), listUsers(db)]);
  const routerOptions = routers.map((r) => ({ id: r.id, name: r.name }));
  const userOptions = users.map((u) => ({ id: u.id, username: u.username }));
  const subjectLabel = (p: (typeof policies)[number]) =>
    p.subjectType === 'role'
      ? t('forRole', { role: a(`roles.${p.subjectRole!}`) })
      : t('forUser', { user: users.find((u) => u.id === p.subjectUserId)?.username ?? '?' });
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Card className="mb-6">
        <h2 className="mb-4 text-base font-semibold">{t('add')}</h2>
        {routers.length === 0 ? (
          <p className="text-sm">{t('needRouter')}</p>
        ) : (
          <PolicyForm routers={routerOptions} users={userOptions} />
        )}
      </Card>
      <div className="space-y-4">
        {policies.map((p) => (
          <Card key={p.id} data-testid={`policy-${p.name}`}>
            <div className="flex flex-wrap items-start justify-between gap-4">
              <div>
                <h2 className="text-base font-semibold">{p.name}</h2>
                <p className="text-sm text-zinc-600 dark:text-zinc-400">{subjectLabel(p)}</p>
                <p className="mt-1 text-sm">
                  {t('durations', {
                    default: formatDuration(p.defaultDurationSeconds),
                    max: formatDuration(p.maxDurationSeconds),
                  })}
                </p>
                <p className="text-sm">
                  {t('targets', { routers: p.targets.map((x) => x.routerName).join(', ') || '—' })}
                </p>
              </div>
              <div className="flex flex-wrap gap-2">
                {p.directAccess ? (
                  <Badge tone="green">{t('direct')}</Badge>
                ) : (
                  <Badge tone="amber">{t('byRequest')}</Badge>
                )}
                {p.knockOnSignIn && <Badge tone="blue">{t('signInKnocks')}</Badge>}
                {p.approvalsRequired > 1 && <Badge tone="amber">{t('twoApprovals')}</Badge>}
                {p.allowHostnames && <Badge tone="neutral">{t('hostnames')}</Badge>}
                {p.allowDevices && <Badge tone="neutral">{t('devices')}</Badge>}
              </div>
            </div>
            <details className="mt-4">
              <summary className="cursor-pointer text-sm text-zinc-700 dark:text-zinc-300">
                {t('edit')}
              </summary>
              <div className="mt-4 space-y-4">
                <PolicyForm
                  routers={routerOptions}
                  users={userOptions}
                  policy={{
                    id: p.id,
                    name: p.name,
                    subject: p.subjectType === 'role' ? `role:${p.subjectRole}` : `user:${p.subjectUserId}`,
                    defaultDuration: formatDuration(p.defaultDurationSeconds),
                    maxDuration: formatDuration(p.maxDurationSeconds),
                    knockOnSignIn: p.knockOnSignIn,
                    directAccess: p.directAccess,
                    requestOtherAddresses: p.requestOtherAddresses,
                    allowHostnames: p.allowHostnames,
                    hostnameSuffixes: p.hostnameSuffixes.join(', '),
                    allowDevices: p.allowDevices,
                    requestTtl: formatDuration(p.requestTtlSeconds),
                    approvalsRequired: p.approvalsRequired,
                    targets: p.targets.map((x) => x.routerId),
                  }}
                />
                <PolicyDelete id={p.id} name={p.name} />
              </div>
            </details>
          </Card>
        ))}
      </div>
    </>
  );
}
