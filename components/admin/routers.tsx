'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import {
  createRouterAction,
  deleteRouterAction,
  testRouterAction,
  testSettingsAction,
  updateRouterAction,
} from '@/app/(admin)/admin/routers/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';
import type { ActionResult } from '@/lib/auth/action';
import type { ConnectionReport, PublicRouter } from '@/lib/routers/service';

function ConnectionResult({ state }: { state: ActionResult<ConnectionReport> | null }) {
  const t = useTranslations('routers');
  if (!state) return null;
  if (!state.ok) return <ActionMessage state={state} />;
  const r = state.data;
  return (
    <Alert tone={r.canWrite ? 'success' : 'warning'}>
      <span data-testid="connection-result">
        {t('testOk', { version: r.version, identity: r.identity })}{' '}
        {r.canWrite
          ? t('canWrite', { user: r.user, group: r.group ?? '?' })
          : t('cannotWrite', { user: r.user, group: r.group ?? '?' })}
      </span>
    </Alert>
  );
}

/** The router settings form: add (no router) or edit (with router; blank password keeps it). */
export function RouterForm({ router }: { router?: PublicRouter }) {
  const t = useTranslations('routers');
  const [saveState, saveAction, saving] = useActionState(
    router ? updateRouterAction : createRouterAction,
    null,
  );
  const [testState, testAction, testing] = useActionState(testSettingsAction, null);
  const fields = saveState && !saveState.ok ? (saveState.error.fields ?? {}) : {};
  const testFields = testState && !testState.ok ? (testState.error.fields ?? {}) : {};
  const err = (name: string) => fields[name] ?? testFields[name];
  const id = (name: string) => (router ? `${name}-${router.id}` : name);
  return (
    <ActionForm
      action={saveAction}
      intents={{ test: testAction }}
      className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3"
      noValidate
    >
      {router && <input type="hidden" name="id" value={router.id} />}
      <TextField
        label={t('name')}
        name="name"
        id={id('name')}
        defaultValue={router?.name}
        required
        error={err('name')}
      />
      <TextField
        label={t('host')}
        name="host"
        id={id('host')}
        defaultValue={router?.host}
        required
        error={err('host')}
      />
      <TextField
        label={t('port')}
        name="port"
        id={id('port')}
        inputMode="numeric"
        defaultValue={router?.port}
        hint={t('portHint')}
        error={err('port')}
      />
      <TextField
        label={t('username')}
        name="username"
        id={id('username')}
        defaultValue={router?.username}
        autoComplete="off"
        required
        error={err('username')}
      />
      <TextField
        label={t('password')}
        name="password"
        id={id('password')}
        type="password"
        autoComplete="new-password"
        hint={router ? t('passwordKeep') : t('passwordHint')}
        error={err('password')}
      />
      <TextField
        label={t('fingerprint')}
        name="fingerprint"
        id={id('fingerprint')}
        defaultValue={router?.fingerprint ?? ''}
        hint={t('fingerprintHint')}
        error={err('fingerprint')}
      />
      <TextField
        label={t('ipv4List')}
        name="ipv4List"
        id={id('ipv4List')}
        defaultValue={router?.ipv4List ?? 'knockgate'}
        error={err('ipv4List')}
      />
      <TextField
        label={t('ipv6List')}
        name="ipv6List"
        id={id('ipv6List')}
        defaultValue={router?.ipv6List ?? 'knockgate'}
        error={err('ipv6List')}
      />
      <div className="flex flex-col justify-end gap-2 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="tls" defaultChecked={router?.tls ?? false} className="size-4" />
          {t('tls')}
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="enabled" defaultChecked={router?.enabled ?? true} className="size-4" />
          {t('enabled')}
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2 lg:col-span-3">
        <Button type="submit" disabled={saving}>
          {router ? t('save') : t('addButton')}
        </Button>
        {!router && (
          <Button type="submit" name="intent" value="test" variant="secondary" disabled={testing}>
            {testing ? t('testing') : t('test')}
          </Button>
        )}
        {saveState?.ok && <Alert tone="success">{t('saved', { name: saveState.data.name })}</Alert>}
        {saveState && !saveState.ok && !saveState.error.fields && <ActionMessage state={saveState} />}
      </div>
      {!router && (
        <div className="sm:col-span-2 lg:col-span-3">
          <ConnectionResult state={testState} />
        </div>
      )}
    </ActionForm>
  );
}

export function RouterTools({ router }: { router: PublicRouter }) {
  const t = useTranslations('routers');
  const [testState, testAction, testing] = useActionState(testRouterAction, null);
  const [deleteState, deleteAction, deleting] = useActionState(deleteRouterAction, null);
  return (
    <div className="mt-4 space-y-3">
      <div className="flex flex-wrap gap-2">
        <ButtonForm
          action={testAction}
          fields={{ id: router.id }}
          pending={testing}
          label={testing ? t('testing') : t('test')}
        />
        <ButtonForm
          action={deleteAction}
          fields={{ id: router.id }}
          confirm={t('deleteConfirm', { name: router.name })}
          pending={deleting}
          variant="danger"
          label={t('delete')}
        />
      </div>
      <ConnectionResult state={testState} />
      {deleteState && !deleteState.ok && <ActionMessage state={deleteState} />}
      {deleteState && !deleteState.ok && deleteState.error.code === 'router_has_grants' && (
        <ButtonForm
          action={deleteAction}
          fields={{ id: router.id, force: '1' }}
          confirm={t('deleteAnywayConfirm', { name: router.name })}
          pending={deleting}
          variant="danger"
          label={t('deleteAnyway')}
        />
      )}
      <details>
        <summary className="cursor-pointer text-sm text-zinc-700 dark:text-zinc-300">{t('edit')}</summary>
        <div className="mt-4">
          <RouterForm router={router} />
        </div>
      </details>
    </div>
  );
}
