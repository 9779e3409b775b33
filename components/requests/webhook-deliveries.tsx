'use client';

import { useRouter } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { useActionState, useEffect } from 'react';
import { redeliverWebhookAction } from '@/app/(admin)/admin/approvals/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import type { DeliveryView } from '@/lib/requests/webhook';

const tone = { pending: 'amber', sending: 'blue', delivered: 'green', failed: 'red' } as const;

/**
 * Admin only: the latest webhook deliveries with their outcome (answer, error, next retry), and
 * "Send again" for one that was given up.
 */
export function WebhookDeliveries({ deliveries }: { deliveries: DeliveryView[] }) {
  const t = useTranslations('approvals');
  return (
    <section
      className="space-y-2"
      data-testid="webhook-deliveries"
      aria-labelledby="webhook-deliveries-title"
    >
      <h3 id="webhook-deliveries-title" className="text-sm font-semibold">
        {t('deliveriesTitle')}
      </h3>
      {deliveries.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('deliveriesNone')}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-zinc-600 dark:text-zinc-400">
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {t('when')}
                </th>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {t('deliveriesEvent')}
                </th>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {t('status')}
                </th>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {t('deliveriesOutcome')}
                </th>
                <th scope="col" className="py-1 font-medium">
                  <span className="sr-only">{t('deliveriesActions')}</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {deliveries.map((d) => (
                <tr key={d.id} data-testid="webhook-delivery" data-status={d.status} data-id={d.id}>
                  <td className="py-2 pr-3 align-top whitespace-nowrap">
                    <LocalTime value={d.createdAt} withSeconds />
                  </td>
                  <td className="py-2 pr-3 align-top">
                    <div className="font-mono text-xs">{d.event}</div>
                    <div className="text-xs text-zinc-600 dark:text-zinc-400">{d.text}</div>
                  </td>
                  <td className="py-2 pr-3 align-top">
                    <Badge tone={tone[d.status]}>{t(`deliveryStatus.${d.status}`)}</Badge>
                  </td>
                  <td className="py-2 pr-3 align-top text-xs whitespace-nowrap">
                    <div>{t('deliveriesAttempts', { count: d.attempts })}</div>
                    {d.lastStatus !== null && <div>HTTP {d.lastStatus}</div>}
                    {d.lastError && d.lastStatus === null && (
                      <div className="max-w-64 whitespace-normal break-all">{d.lastError}</div>
                    )}
                    {d.nextAttemptAt && (
                      <div>
                        {t('deliveriesNext')} <LocalTime value={d.nextAttemptAt} withSeconds />
                      </div>
                    )}
                  </td>
                  <td className="py-2 align-top">{d.status === 'failed' && <Redeliver id={d.id} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Redeliver({ id }: { id: string }) {
  const t = useTranslations('approvals');
  const router = useRouter();
  const [state, send, sending] = useActionState(redeliverWebhookAction, null);
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);
  return (
    <form action={send} className="flex flex-col items-start gap-1">
      <input type="hidden" name="id" value={id} />
      <Button type="submit" variant="secondary" size="sm" disabled={sending}>
        {t('deliveriesResend')}
      </Button>
      {state && !state.ok && <ActionMessage state={state} />}
    </form>
  );
}
