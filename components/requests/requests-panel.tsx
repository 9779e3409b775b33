import type { ComponentProps } from 'react';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { RequestsPanelClient } from './requests-panel-client';

export type { RequestFormProps } from './requests-panel-client';

/**
 * Portal › Requests, with the first list's router errors in the person's language (later lists
 * come translated from /api/me/requests and the actions).
 */
export async function RequestsPanel({ initial, ...props }: ComponentProps<typeof RequestsPanelClient>) {
  const locale = await requestLocale();
  return <RequestsPanelClient {...props} initial={localizeMessagesIn(initial, ['lastError'], locale)} />;
}
