'use client';

import { useTranslations } from 'next-intl';
import { useActionState, useEffect, useRef, useState } from 'react';
import {
  beginTotpAction,
  changePasswordAction,
  confirmTotpAction,
  disableTotpAction,
  regenerateRecoveryCodesAction,
} from '@/app/(portal)/account/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';
import { LocalTime } from '@/components/ui/local-time';

export function ChangePasswordForm() {
  const t = useTranslations('account');
  const [state, action, pending] = useActionState(changePasswordAction, null);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state?.ok) formRef.current?.reset();
  }, [state]);
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  return (
    <ActionForm ref={formRef} action={action} className="space-y-4" noValidate>
      <TextField
        label={t('currentPassword')}
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        error={fields.currentPassword}
      />
      <TextField
        label={t('newPassword')}
        name="newPassword"
        type="password"
        autoComplete="new-password"
        hint={t('newPasswordHint')}
        error={fields.newPassword}
      />
      <Button type="submit" disabled={pending}>
        {t('passwordTitle')}
      </Button>
      {state && (!state.ok ? !state.error.fields : true) && (
        <ActionMessage state={state} success={t('passwordChanged')} />
      )}
    </ActionForm>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  const t = useTranslations('account');
  return (
    <Alert tone="warning" title={t('recoveryTitle')}>
      <p className="mb-2">{t('recoveryHelp')}</p>
      <ul className="grid grid-cols-2 gap-1 font-mono" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
    </Alert>
  );
}

export function TotpPanel({ enabledAt, recoveryLeft }: { enabledAt: string | null; recoveryLeft: number }) {
  const t = useTranslations('account');
  const [begin, beginAction, beginPending] = useActionState(beginTotpAction, null);
  const [confirm, confirmAction, confirmPending] = useActionState(confirmTotpAction, null);
  const [disable, disableAction, disablePending] = useActionState(disableTotpAction, null);
  const [regen, regenAction, regenPending] = useActionState(regenerateRecoveryCodesAction, null);
  // The codes issued last (by the set-up or a regeneration; none once turned off), shown above
  // the controls — which stay, so the person can go on without reloading.
  const [fresh, setFresh] = useState<string[] | null>(null);
  useEffect(() => {
    if (confirm?.ok) setFresh(confirm.data.recoveryCodes);
  }, [confirm]);
  useEffect(() => {
    if (regen?.ok) setFresh(regen.data.recoveryCodes);
  }, [regen]);
  useEffect(() => {
    if (disable?.ok) setFresh(null);
  }, [disable]);

  if (enabledAt) {
    const disableFields = disable && !disable.ok ? (disable.error.fields ?? {}) : {};
    const regenFields = regen && !regen.ok ? (regen.error.fields ?? {}) : {};
    return (
      <div className="space-y-4">
        <p className="text-sm" data-testid="totp-status">
          {t.rich('totpOn', { date: () => <LocalTime value={enabledAt} /> })}
        </p>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {t('recoveryLeft', { count: recoveryLeft })}
        </p>
        {fresh && <RecoveryCodes codes={fresh} />}
        <ActionForm action={regenAction} className="flex flex-wrap items-end gap-2">
          <div className="min-w-48 flex-1">
            <TextField
              label={t('currentPassword')}
              name="password"
              id="regen-password"
              type="password"
              autoComplete="current-password"
              error={regenFields.password}
            />
          </div>
          <Button type="submit" variant="secondary" disabled={regenPending}>
            {t('recoveryRegenerate')}
          </Button>
        </ActionForm>
        <ActionForm action={disableAction} className="flex flex-wrap items-end gap-2">
          <div className="min-w-48 flex-1">
            <TextField
              label={t('currentPassword')}
              name="password"
              id="disable-password"
              type="password"
              autoComplete="current-password"
              error={disableFields.password}
            />
          </div>
          <Button type="submit" variant="danger" disabled={disablePending}>
            {t('totpDisable')}
          </Button>
        </ActionForm>
      </div>
    );
  }

  if (begin?.ok) {
    const fields = confirm && !confirm.ok ? (confirm.error.fields ?? {}) : {};
    return (
      <div className="space-y-4">
        <p className="text-sm">{t('totpScan')}</p>
        {/* biome-ignore lint/performance/noImgElement: a data: URL generated on the server, not an optimisable asset */}
        <img
          src={begin.data.qrDataUrl}
          alt={t('totpQrAlt')}
          width={192}
          height={192}
          className="mx-auto rounded bg-white p-2"
        />
        <p className="text-sm">
          {t('totpKey')}:{' '}
          <code className="break-all font-mono" data-testid="totp-secret">
            {begin.data.secret}
          </code>
        </p>
        <ActionForm action={confirmAction} className="flex flex-wrap items-end gap-2">
          <div className="min-w-40 flex-1">
            <TextField
              label={t('totpCode')}
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              error={fields.code}
            />
          </div>
          <div className="min-w-48 flex-1">
            <TextField
              label={t('currentPassword')}
              name="password"
              id="totp-password"
              type="password"
              autoComplete="current-password"
              error={fields.password}
            />
          </div>
          <Button type="submit" disabled={confirmPending}>
            {t('totpConfirm')}
          </Button>
        </ActionForm>
      </div>
    );
  }

  return (
    <div className="space-y-4">
      {disable?.ok && <Alert tone="success">{t('totpDisabled')}</Alert>}
      <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="totp-status">
        {t('totpOff')}
      </p>
      <form action={beginAction}>
        <Button type="submit" disabled={beginPending}>
          {t('totpStart')}
        </Button>
      </form>
      {begin && !begin.ok && <ActionMessage state={begin} />}
    </div>
  );
}
