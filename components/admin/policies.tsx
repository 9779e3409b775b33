'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import { deletePolicyAction, savePolicyAction } from '@/app/(admin)/admin/policies/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { SelectField, TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';

type Draft = {
  id: string;
  name: string;
  subject: string;
  defaultDuration: string;
  maxDuration: string;
  knockOnSignIn: boolean;
  directAccess: boolean;
  requestOtherAddresses: boolean;
  allowHostnames: boolean;
  hostnameSuffixes: string;
  allowDevices: boolean;
  requestTtl: string;
  approvalsRequired: number;
  targets: string[];
};

export function PolicyForm({
  routers,
  users,
  policy,
}: {
  routers: { id: string; name: string }[];
  users: { id: string; username: string }[];
  policy?: Draft;
}) {
  const t = useTranslations('policies');
  const a = useTranslations('admin');
  const [state, action, pending] = useActionState(savePolicyAction, null);
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  const id = (name: string) => (policy ? `${name}-${policy.id}` : name);
  return (
    <ActionForm action={action} className="grid gap-4 sm:grid-cols-2" noValidate>
      {policy && <input type="hidden" name="id" value={policy.id} />}
      <TextField
        label={t('name')}
        name="name"
        id={id('name')}
        defaultValue={policy?.name}
        error={fields.name}
      />
      <SelectField
        label={t('subject')}
        name="subject"
        id={id('subject')}
        defaultValue={policy?.subject ?? 'role:user'}
        error={fields.subject}
      >
        <optgroup label={t('roles')}>
          {(['user', 'approver', 'admin'] as const).map((r) => (
            <option key={r} value={`role:${r}`}>
              {a(`roles.${r}`)}
            </option>
          ))}
        </optgroup>
        <optgroup label={t('users')}>
          {users.map((u) => (
            <option key={u.id} value={`user:${u.id}`}>
              {u.username}
            </option>
          ))}
        </optgroup>
      </SelectField>
      <TextField
        label={t('defaultDuration')}
        name="defaultDuration"
        id={id('defaultDuration')}
        defaultValue={policy?.defaultDuration ?? '8h'}
        hint={t('durationHint')}
        error={fields.defaultDuration}
      />
      <TextField
        label={t('maxDuration')}
        name="maxDuration"
        id={id('maxDuration')}
        defaultValue={policy?.maxDuration ?? '1d'}
        hint={t('maxHint')}
        error={fields.maxDuration}
      />
      <fieldset className="sm:col-span-2">
        <legend className="mb-1 text-sm font-medium">{t('routers')}</legend>
        <div className="flex flex-wrap gap-4">
          {routers.map((r) => (
            <label key={r.id} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                name="targets"
                value={r.id}
                defaultChecked={policy ? policy.targets.includes(r.id) : routers.length === 1}
                className="size-4"
              />
              {r.name}
            </label>
          ))}
        </div>
        {fields.targets && (
          <p className="mt-1 text-sm text-red-700 dark:text-red-400" role="alert">
            {fields.targets}
          </p>
        )}
      </fieldset>
      <div className="flex flex-col gap-2 text-sm sm:col-span-2">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="directAccess"
            defaultChecked={policy?.directAccess ?? true}
            className="size-4"
          />
          {t('directAccess')}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="knockOnSignIn"
            defaultChecked={policy?.knockOnSignIn ?? true}
            className="size-4"
          />
          {t('knockOnSignIn')}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="requestOtherAddresses"
            defaultChecked={policy?.requestOtherAddresses ?? false}
            className="size-4"
          />
          {t('requestOtherAddresses')}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="allowHostnames"
            defaultChecked={policy?.allowHostnames ?? false}
            className="size-4"
          />
          {t('allowHostnames')}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="allowDevices"
            defaultChecked={policy?.allowDevices ?? false}
            className="size-4"
          />
          {t('allowDevices')}
        </label>
      </div>
      <TextField
        label={t('hostnameSuffixes')}
        name="hostnameSuffixes"
        id={id('hostnameSuffixes')}
        defaultValue={policy?.hostnameSuffixes ?? ''}
        hint={t('hostnameSuffixesHint')}
        error={fields.hostnameSuffixes}
      />
      <TextField
        label={t('requestTtl')}
        name="requestTtl"
        id={id('requestTtl')}
        defaultValue={policy?.requestTtl ?? '1h'}
        hint={t('requestTtlHint')}
        error={fields.requestTtl}
      />
      <SelectField
        label={t('approvalsRequired')}
        name="approvalsRequired"
        id={id('approvalsRequired')}
        defaultValue={String(policy?.approvalsRequired ?? 1)}
        error={fields.approvalsRequired}
      >
        <option value="1">{t('oneApproval')}</option>
        <option value="2">{t('twoApprovals')}</option>
      </SelectField>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
        <Button type="submit" disabled={pending}>
          {policy ? t('save') : t('create')}
        </Button>
        {state?.ok && <Alert tone="success">{t('saved', { name: state.data.name })}</Alert>}
        {state && !state.ok && !state.error.fields && <ActionMessage state={state} />}
      </div>
    </ActionForm>
  );
}

export function PolicyDelete({ id, name }: { id: string; name: string }) {
  const t = useTranslations('policies');
  const [state, action, pending] = useActionState(deletePolicyAction, null);
  return (
    <div>
      <ButtonForm
        action={action}
        fields={{ id }}
        confirm={t('deleteConfirm', { name })}
        pending={pending}
        variant="danger"
        label={t('delete')}
      />
      {state && !state.ok && <ActionMessage state={state} />}
    </div>
  );
}
