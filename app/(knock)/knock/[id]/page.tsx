import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { ClientCommands } from '@/components/profiles/client-commands';
import { SequenceLabel } from '@/components/profiles/step-label';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { TextField } from '@/components/ui/field';
import { LocalTime } from '@/components/ui/local-time';
import { titled } from '@/i18n/titles';
import { requireUser } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { appliedRouters, currentProfile, profileCommands } from '@/lib/profiles/service';

export const generateMetadata = titled('knockCommands');

/**
 * The exact client commands of one profile. For a rotating profile they carry this window's ports,
 * so a signed-in user always sees the sequence that works now.
 */
export default async function KnockCommandsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ host?: string }>;
}) {
  const { id } = await params;
  const current = await requireUser(`/knock/${id}`);
  const t = await getTranslations('profiles.commands');
  const db = await getDb();
  const routers = await appliedRouters(db, id);
  // People other than admins only see profiles that are in use on a router.
  if (routers.length === 0 && current.user.role !== 'admin') notFound();
  const view = await currentProfile(db, id);
  if (!view.ok) notFound();
  const { host: asked } = await searchParams;
  const host = (asked ?? routers[0]?.host ?? '').trim();
  const commands = host === '' ? null : profileCommands(view.value, host);
  return (
    <>
      <PageHeader title={t('title', { name: view.value.record.name })} description={t('description')} />
      <Card className="mb-6">
        <p className="mb-3 text-sm">
          <span className="font-medium">{t('sequence')}:</span>{' '}
          <SequenceLabel steps={view.value.current.steps} />
        </p>
        {view.value.windowEndsAt && (
          <Alert tone="warning" className="mb-3">
            <span data-testid="rotation-window">
              {t('currentWindow')} <LocalTime value={view.value.windowEndsAt.toISOString()} withSeconds />
            </span>
          </Alert>
        )}
        <form method="get" className="flex flex-wrap items-end gap-3">
          <div className="min-w-64 flex-1">
            <TextField
              label={t('target')}
              name="host"
              defaultValue={host}
              list="knock-routers"
              error={commands && !commands.ok ? t('invalidHost') : undefined}
            />
            <datalist id="knock-routers">
              {routers.map((r) => (
                <option key={r.id} value={r.host}>
                  {r.name}
                </option>
              ))}
            </datalist>
          </div>
          <Button type="submit" variant="secondary">
            {t('show')}
          </Button>
        </form>
      </Card>
      {commands === null && <p className="text-sm">{t('noTarget')}</p>}
      {commands?.ok && <ClientCommands commands={commands.value} steps={view.value.current.steps} />}
    </>
  );
}
