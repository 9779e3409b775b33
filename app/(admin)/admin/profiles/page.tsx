import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { deploymentStatus } from '@/components/profiles/deployment-status';
import { SequenceLabel } from '@/components/profiles/step-label';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { SEED_PROFILES } from '@/lib/profiles/seed-profiles';
import { listProfiles } from '@/lib/profiles/service';

export const generateMetadata = titled('profiles');

const TONES = {
  applied: 'green',
  outdated: 'amber',
  failed: 'red',
  removed: 'neutral',
  none: 'neutral',
} as const;

export default async function ProfilesPage() {
  await requireRole('admin', '/admin/profiles');
  const t = await getTranslations('profiles');
  const profiles = await listProfiles(await getDb());
  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <Link
            href="/admin/profiles/new"
            className="inline-flex items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
          >
            {t('newProfile')}
          </Link>
        }
      />
      <Card className="mb-6">
        <h2 className="mb-2 text-sm font-semibold">{t('examples')}</h2>
        <ul className="flex flex-wrap gap-2">
          {SEED_PROFILES.map((seed) => (
            <li key={seed.golden}>
              <Link
                href={`/admin/profiles/new?seed=${encodeURIComponent(seed.golden)}`}
                className="inline-flex rounded-md border border-zinc-300 px-2.5 py-1 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
              >
                {seed.profile.name}
              </Link>
            </li>
          ))}
        </ul>
      </Card>
      {profiles.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('none')}</p>
      ) : (
        <Card className="overflow-x-auto p-0">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-3">
                  {t('name')}
                </th>
                <th scope="col" className="px-4 py-3">
                  {t('sequence')}
                </th>
                <th scope="col" className="px-4 py-3">
                  {t('finalList')}
                </th>
                <th scope="col" className="px-4 py-3">
                  {t('routers')}
                </th>
              </tr>
            </thead>
            <tbody>
              {profiles.map((p) => (
                <tr
                  key={p.id}
                  className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800"
                  data-testid={`profile-row-${p.name}`}
                >
                  <td className="px-4 py-3">
                    <Link
                      href={`/admin/profiles/${p.id}`}
                      className="font-medium text-brand-700 hover:underline dark:text-brand-300"
                    >
                      {p.name}
                    </Link>
                    <div className="mt-1 flex flex-wrap gap-1">
                      {p.rotating && <Badge tone="blue">{t('rotating')}</Badge>}
                      {!p.profile && <Badge tone="red">{t('needsEditing')}</Badge>}
                      {p.warnings.length > 0 && (
                        <Badge tone="amber">{t('warningCount', { count: p.warnings.length })}</Badge>
                      )}
                    </div>
                  </td>
                  <td className="px-4 py-3">{p.profile ? <SequenceLabel steps={p.profile.steps} /> : '—'}</td>
                  <td className="px-4 py-3 font-mono">{p.profile?.finalList ?? '—'}</td>
                  <td className="px-4 py-3">
                    {p.deployments.length === 0 ? (
                      <span className="text-zinc-500">{t('notApplied')}</span>
                    ) : (
                      <ul className="space-y-1">
                        {p.deployments.map((d) => {
                          const status = deploymentStatus(d);
                          return (
                            <li key={d.routerId} className="flex items-center gap-2">
                              <span>{d.routerName}</span>
                              <Badge tone={TONES[status]}>{t(`status.${status}`)}</Badge>
                            </li>
                          );
                        })}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
