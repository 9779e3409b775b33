import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { SequenceLabel } from '@/components/profiles/step-label';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireUser } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { listProfiles } from '@/lib/profiles/service';

export const generateMetadata = titled('knock');

export default async function KnockListPage() {
  await requireUser('/knock');
  const t = await getTranslations('profiles');
  // Only profiles that are on a router: a sequence nobody's router listens for helps no one.
  const profiles = (await listProfiles(await getDb())).filter((p) =>
    p.deployments.some((d) => d.status === 'applied'),
  );
  return (
    <>
      <PageHeader title={t('commands.listTitle')} description={t('commands.listDescription')} />
      {profiles.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('commands.none')}</p>
      ) : (
        <div className="space-y-3">
          {profiles.map((p) => (
            <Card key={p.id}>
              <Link
                href={`/knock/${p.id}`}
                className="font-medium text-brand-700 hover:underline dark:text-brand-300"
              >
                {p.name}
              </Link>{' '}
              {p.rotating && <Badge tone="blue">{t('rotating')}</Badge>}
              {p.profile && !p.rotating && (
                <p className="mt-1 text-sm">
                  <SequenceLabel steps={p.profile.steps} />
                </p>
              )}
            </Card>
          ))}
        </div>
      )}
    </>
  );
}
