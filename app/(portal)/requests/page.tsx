import { getTranslations } from 'next-intl/server';
import { type RequestFormProps, RequestsPanel } from '@/components/requests/requests-panel';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireUser } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { effectivePolicy } from '@/lib/policies/service';
import { targetValue } from '@/lib/requests/service';
import { requestsOfUser } from '@/lib/requests/views';
import { formatDuration } from '@/lib/routeros';

export const generateMetadata = titled('requests');

export default async function RequestsPage() {
  const { user, clientAddress } = await requireUser('/requests');
  const t = await getTranslations('requests');
  const db = await getDb();
  const [effective, requests] = await Promise.all([effectivePolicy(db, user), requestsOfUser(db, user.id)]);
  const policy = effective?.policy;
  const form: RequestFormProps | null =
    policy && effective.targets.length > 0
      ? {
          targets: effective.targets.map((target) => ({
            value: targetValue(target),
            label: `${target.router.name} › ${
              target.list ??
              (target.router.ipv4List === target.router.ipv6List
                ? target.router.ipv4List
                : `${target.router.ipv4List} / ${target.router.ipv6List}`)
            }`,
          })),
          ownAddress: clientAddress?.address ?? null,
          allowOther: policy.requestOtherAddresses,
          allowHostnames: policy.allowHostnames,
          suffixes: policy.hostnameSuffixes,
          maxSeconds: policy.maxDurationSeconds,
          defaultDuration: formatDuration(Math.min(policy.defaultDurationSeconds, policy.maxDurationSeconds)),
          ttlSeconds: policy.requestTtlSeconds,
          approvalsRequired: policy.approvalsRequired,
        }
      : null;
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      {!form && (
        <Alert tone="info" className="mb-6">
          {t('noPolicy')}
        </Alert>
      )}
      {policy?.directAccess && form && (
        <Alert tone="info" className="mb-6">
          {t('directToo')}
        </Alert>
      )}
      <RequestsPanel initial={{ requests, serverTime: new Date().toISOString() }} form={form} />
    </>
  );
}
