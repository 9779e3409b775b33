import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { DeleteProfile } from '@/components/profiles/delete-profile';
import { DeploymentPanel, type DeploymentRow } from '@/components/profiles/deployment-panel';
import { deploymentStatus } from '@/components/profiles/deployment-status';
import { fromProfileInput } from '@/components/profiles/form-state';
import { ProfileEditor } from '@/components/profiles/profile-editor';
import { RscExport } from '@/components/profiles/rsc-export';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { currentProfile, getProfile, profileRsc } from '@/lib/profiles/service';
import { listRouters } from '@/lib/routers/service';

export const generateMetadata = titled('profile');

export default async function ProfilePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireRole('admin', `/admin/profiles/${id}`);
  const t = await getTranslations('profiles');
  const db = await getDb();
  const found = await getProfile(db, id);
  if (!found.ok) notFound();
  const record = found.value;
  const view = await currentProfile(db, id);
  const rsc = view.ok ? profileRsc(view.value) : null;
  const routers = await listRouters(db);
  const rows: DeploymentRow[] = routers.map((router) => {
    const d = record.deployments.find((x) => x.routerId === router.id);
    return {
      routerId: router.id,
      routerName: router.name,
      status: deploymentStatus(d),
      appliedAt: d?.appliedAt?.toISOString() ?? null,
      appliedBy: d?.appliedBy ?? null,
      lastError: d?.lastError ?? null,
    };
  });
  return (
    <>
      <PageHeader
        title={t('editTitle', { name: record.name })}
        actions={
          <div className="flex gap-4 text-sm">
            <Link href={`/knock/${id}`} className="text-brand-700 hover:underline dark:text-brand-300">
              {t('commandsLink')}
            </Link>
            <Link href="/admin/profiles" className="text-brand-700 hover:underline dark:text-brand-300">
              {t('backToList')}
            </Link>
          </div>
        }
      />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <ProfileEditor
          initial={fromProfileInput({ ...record.definition, name: record.name })}
          profileId={id}
        />
        <div className="space-y-6">
          <Card>
            <h2 className="text-base font-semibold">{t('deploy.title')}</h2>
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t('deploy.hint')}</p>
            {rows.length === 0 ? (
              <p className="mt-3 text-sm">{t('deploy.noRouters')}</p>
            ) : (
              <ul>
                {rows.map((row) => (
                  <DeploymentPanel key={row.routerId} profileId={id} row={row} />
                ))}
              </ul>
            )}
          </Card>
          {rsc && <RscExport filename={rsc.filename} text={rsc.text} rotating={record.rotating} />}
          <Card>
            <DeleteProfile id={id} />
          </Card>
        </div>
      </div>
    </>
  );
}
