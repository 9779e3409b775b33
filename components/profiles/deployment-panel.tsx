import type { ComponentProps } from 'react';
import { requestLocale } from '@/i18n/request-locale';
import { localizeText } from '@/i18n/server-messages';
import { DeploymentPanelClient } from './deployment-panel-client';

export type { DeploymentRow } from './deployment-panel-client';

/** A profile on one router, with the last failed run's error in the person's language. */
export async function DeploymentPanel({ row, ...props }: ComponentProps<typeof DeploymentPanelClient>) {
  const locale = await requestLocale();
  const lastError = row.lastError === null ? null : localizeText(row.lastError, locale);
  return <DeploymentPanelClient {...props} row={{ ...row, lastError }} />;
}
