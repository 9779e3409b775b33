import type { ComponentProps } from 'react';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { AccessPanelClient } from './access-panel-client';

/**
 * The portal panel, with the first snapshot's router errors in the person's language (later
 * snapshots come translated from /api/me/grants and the actions).
 */
export async function AccessPanel({ initial, ...props }: ComponentProps<typeof AccessPanelClient>) {
  const locale = await requestLocale();
  return <AccessPanelClient {...props} initial={localizeMessagesIn(initial, ['lastError'], locale)} />;
}
