import { getTranslations } from 'next-intl/server';
import { DevicesPanel } from '@/components/devices/devices-panel';
import { HostnameForm } from '@/components/devices/hostname-form';
import { Card, PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireUser } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { refreshSecondsFor } from '@/lib/ddns/client-configs';
import { listDevices } from '@/lib/devices/service';
import { canonicalSuffix } from '@/lib/net/hostname';
import { effectivePolicy } from '@/lib/policies/service';

export const generateMetadata = titled('devices');

export default async function DevicesPage() {
  const { user } = await requireUser('/devices');
  const t = await getTranslations('devices');
  const db = await getDb();
  const [effective, devices] = await Promise.all([effectivePolicy(db, user), listDevices(db, user.id)]);
  const policy = effective?.policy;
  const routers = [
    ...new Map((effective?.targets ?? []).map((x) => [x.router.id, x.router.name])).entries(),
  ].map(([id, name]) => ({ id, name }));
  const suffixes = (policy?.hostnameSuffixes ?? [])
    .map(canonicalSuffix)
    .filter((s): s is string => s !== null);
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <div className="space-y-6">
        <Card data-testid="hostnames-card">
          <h2 className="text-base font-semibold">{t('hostnames.title')}</h2>
          <p className="mb-4 mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t('hostnames.help')}</p>
          {!policy?.allowHostnames || routers.length === 0 ? (
            <p className="text-sm">{t('hostnames.notAllowed')}</p>
          ) : !policy.directAccess ? (
            <p className="text-sm">{t('hostnames.requestOnly')}</p>
          ) : (
            <HostnameForm suffixes={suffixes} />
          )}
        </Card>
        <Card data-testid="devices-card">
          <h2 className="text-base font-semibold">{t('list.title')}</h2>
          <p className="mb-4 mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t('list.help')}</p>
          {(policy?.allowDevices && routers.length > 0) || devices.length > 0 ? (
            <DevicesPanel
              canAdd={Boolean(policy?.allowDevices && routers.length > 0)}
              initial={devices}
              routers={routers}
              username={user.username}
              refreshSeconds={refreshSecondsFor(policy?.maxDurationSeconds ?? 3600)}
            />
          ) : (
            <p className="text-sm">{t('list.notAllowed')}</p>
          )}
        </Card>
      </div>
    </>
  );
}
