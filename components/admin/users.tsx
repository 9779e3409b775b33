'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import {
  changeRoleAction,
  createUserAction,
  disableTotpAction,
  resetPasswordAction,
  revokeSessionsAction,
  setDisabledAction,
} from '@/app/(admin)/admin/users/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { SelectField, TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';

const ROLES = ['user', 'approver', 'admin'] as const;

export function CreateUserForm() {
  const t = useTranslations('admin');
  const [state, action, pending] = useActionState(createUserAction, null);
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  return (
    <ActionForm action={action} className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" noValidate>
      <TextField label={t('username')} name="username" required autoComplete="off" error={fields.username} />
      <TextField label={t('email')} name="email" type="email" autoComplete="off" error={fields.email} />
      <SelectField label={t('role')} name="role" defaultValue="user" error={fields.role}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t('passwordOptional')}
        name="password"
        type="password"
        autoComplete="new-password"
        hint={t('passwordOptionalHint')}
        error={fields.password}
      />
      <div className="sm:col-span-2 lg:col-span-4 flex flex-wrap items-center gap-4">
        <Button type="submit" disabled={pending}>
          {t('createUser')}
        </Button>
        {state?.ok && (
          <Alert tone="success" className="flex-1">
            <span data-testid="create-user-result">
              {t('created', { name: state.data.username })}{' '}
              {state.data.generatedPassword && (
                <>
                  {t('generatedPassword')}{' '}
                  <code className="font-mono" data-testid="generated-password">
                    {state.data.generatedPassword}
                  </code>
                </>
              )}
            </span>
          </Alert>
        )}
        {state && !state.ok && !state.error.fields && <ActionMessage state={state} />}
      </div>
    </ActionForm>
  );
}

type RowUser = {
  id: string;
  username: string;
  role: (typeof ROLES)[number];
  disabled: boolean;
  totpEnabled: boolean;
};

export function UserRowActions({ user, self }: { user: RowUser; self: boolean }) {
  const t = useTranslations('admin');
  const [roleState, roleAction, rolePending] = useActionState(changeRoleAction, null);
  const [disableState, disableAction, disablePending] = useActionState(setDisabledAction, null);
  const [resetState, resetAction, resetPending] = useActionState(resetPasswordAction, null);
  const [revokeState, revokeAction, revokePending] = useActionState(revokeSessionsAction, null);
  const [totpState, totpAction, totpPending] = useActionState(disableTotpAction, null);
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <form action={roleAction} className="flex items-center gap-1">
          <input type="hidden" name="userId" value={user.id} />
          <label className="sr-only" htmlFor={`role-${user.id}`}>
            {t('changeRole')} ({user.username})
          </label>
          <select
            id={`role-${user.id}`}
            name="role"
            defaultValue={user.role}
            className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <Button type="submit" size="sm" variant="secondary" disabled={rolePending}>
            {t('changeRole')}
          </Button>
        </form>
        {!self && (
          <ButtonForm
            action={disableAction}
            fields={{ userId: user.id, disabled: String(!user.disabled) }}
            confirm={user.disabled ? undefined : t('disableConfirm', { name: user.username })}
            pending={disablePending}
            variant={user.disabled ? 'secondary' : 'danger'}
            label={user.disabled ? t('enable') : t('disable')}
          />
        )}
        {/* One's own password and two-step sign-in are changed under Account. */}
        {!self && (
          <ButtonForm
            action={resetAction}
            fields={{ userId: user.id }}
            confirm={t('resetConfirm', { name: user.username })}
            pending={resetPending}
            label={t('resetPassword')}
          />
        )}
        {!self && user.totpEnabled && (
          <ButtonForm
            action={totpAction}
            fields={{ userId: user.id }}
            confirm={t('totpOffConfirm', { name: user.username })}
            pending={totpPending}
            label={t('totpOff')}
          />
        )}
        <ButtonForm
          action={revokeAction}
          fields={{ userId: user.id }}
          pending={revokePending}
          label={t('revokeSessions')}
        />
      </div>
      {roleState && !roleState.ok && <ActionMessage state={roleState} />}
      {disableState && !disableState.ok && <ActionMessage state={disableState} />}
      {revokeState && (
        <ActionMessage
          state={revokeState}
          success={revokeState.ok ? t('revoked', { count: revokeState.data.revoked }) : undefined}
        />
      )}
      {resetState?.ok && resetState.data.generatedPassword && (
        <Alert tone="success">
          <span data-testid={`reset-password-${user.username}`}>
            {t('resetDone', { name: user.username })}{' '}
            <code className="font-mono">{resetState.data.generatedPassword}</code>
          </span>
        </Alert>
      )}
      {resetState && !resetState.ok && <ActionMessage state={resetState} />}
      {totpState && (
        <ActionMessage
          state={totpState}
          success={totpState.ok ? t('totpOffDone', { name: user.username }) : undefined}
        />
      )}
    </div>
  );
}
