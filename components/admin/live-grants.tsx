import type { ComponentProps } from 'react';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { LiveGrantsClient } from './live-grants-client';

/**
 * Admin › Grants, with the first snapshot's router read errors in the person's language (later
 * snapshots come translated from /api/admin/grants/live).
 */
export async function LiveGrants({ initial, ...props }: ComponentProps<typeof LiveGrantsClient>) {
  const locale = await requestLocale();
  return (
    <LiveGrantsClient {...props} initial={localizeMessagesIn(initial, ['message', 'lastError'], locale)} />
  );
}
