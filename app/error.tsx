'use client';

import { useRouter } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { startTransition } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

/**
 * What a page shows instead of going blank when something in the browser fails — a server action
 * whose request never came back (connection dropped, the app restarted with a new build). The
 * server's own failures already come back as answers with a message; this catches the rest.
 */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const t = useTranslations('common');
  const router = useRouter();
  return (
    <main className="mx-auto max-w-xl p-6">
      <Alert tone="error" title={t('somethingWrong')}>
        <p data-testid="page-error">{t('somethingWrongHelp')}</p>
        {error.digest && <p className="mt-1 font-mono text-xs">{error.digest}</p>}
        <Button
          className="mt-3"
          size="sm"
          variant="secondary"
          onClick={() =>
            startTransition(() => {
              router.refresh();
              reset();
            })
          }
        >
          {t('tryAgain')}
        </Button>
      </Alert>
    </main>
  );
}
