'use client';

import { useTranslations } from 'next-intl';
import { type ReactNode, useActionState } from 'react';
import { saveWebhookAction, testWebhookAction } from '@/app/(admin)/admin/approvals/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';

/** Admin only: where request events are sent, and the signing secret (shown once when made). */
export function WebhookForm({
  initial,
  children,
}: {
  initial: { url: string; enabled: boolean; hasSecret: boolean };
  /** Shown at the end of the card (the recent deliveries). */
  children?: ReactNode;
}) {
  const t = useTranslations('approvals');
  const [state, save, saving] = useActionState(saveWebhookAction, null);
  const [testState, test, testing] = useActionState(testWebhookAction, null);
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  return (
    <Card className="space-y-4" data-testid="webhook">
      <div>
        <h2 className="text-base font-semibold">{t('webhookTitle')}</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t('webhookDescription')}</p>
      </div>
      <ActionForm action={save} className="grid gap-3" noValidate>
        <TextField
          label={t('webhookUrl')}
          name="url"
          id="webhook-url"
          type="url"
          defaultValue={initial.url}
          placeholder="https://chat.example.net/hooks/…"
          error={fields.url}
        />
        <div className="flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" name="enabled" defaultChecked={initial.enabled} className="size-4" />
            {t('webhookEnabled')}
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="rotateSecret" className="size-4" />
            {t('webhookRotate')}
          </label>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={saving}>
            {t('webhookSave')}
          </Button>
          {state?.ok && <Alert tone="success">{t('webhookSaved')}</Alert>}
          {state && !state.ok && !state.error.fields && <ActionMessage state={state} />}
        </div>
      </ActionForm>
      {state?.ok && state.data.secret ? (
        <Alert tone="warning" title={t('webhookSecret')}>
          <code className="break-all font-mono" data-testid="webhook-secret">
            {state.data.secret}
          </code>
        </Alert>
      ) : (
        initial.hasSecret && (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('webhookHasSecret')}</p>
        )
      )}
      <form action={test} className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" disabled={testing}>
          {t('webhookTest')}
        </Button>
        {testState?.ok && (
          <Alert tone={testState.data.delivered ? 'success' : 'warning'}>
            <span data-testid="webhook-test-result">
              {testState.data.delivered
                ? t('webhookTestOk', { status: testState.data.status })
                : t('webhookTestFailed', { error: testState.data.error })}
            </span>
          </Alert>
        )}
        {testState && !testState.ok && (
          <Alert tone="warning">
            {testState.error.code === 'webhook_off' ? t('webhookOff') : testState.error.message}
          </Alert>
        )}
      </form>
      {children}
    </Card>
  );
}
