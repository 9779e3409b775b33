'use client';

import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { Alert } from './alert';

/** Shown when a live view's reads come back 401: what is on screen is no longer being updated. */
export function SessionEndedNotice() {
  const t = useTranslations('common');
  const [next, setNext] = useState('/');
  useEffect(() => setNext(window.location.pathname + window.location.search), []);
  return (
    <Alert tone="warning">
      <span data-testid="session-ended">
        {t('sessionEnded')}{' '}
        <a className="font-medium underline" href={`/signin?next=${encodeURIComponent(next)}`}>
          {t('signInAgain')}
        </a>
      </span>
    </Alert>
  );
}
