'use client';

import { useTranslations } from 'next-intl';
import { useActionState, useEffect, useState } from 'react';
import {
  createDeviceAction,
  deleteDeviceAction,
  revokeDeviceAction,
  rotateDeviceAction,
} from '@/app/(portal)/devices/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { CopyButton } from '@/components/ui/copy-button';
import { SelectField, TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';
import { LocalTime } from '@/components/ui/local-time';
import { curlCommand, ddclientConfig, inadynConfig, routerOsScript } from '@/lib/ddns/client-configs';
import type { DeviceView, IssuedToken } from '@/lib/devices/service';

/**
 * Portal › Devices: add a DynDNS2 device, see where each one is, rotate or revoke its token. A
 * token is shown once, right after it was made, with the client configurations filled in.
 */
export function DevicesPanel({
  canAdd,
  initial,
  routers,
  username,
  refreshSeconds,
}: {
  canAdd: boolean;
  initial: DeviceView[];
  routers: { id: string; name: string }[];
  username: string;
  refreshSeconds: number;
}) {
  const t = useTranslations('devices.list');
  const [devices, setDevices] = useState(initial);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [createState, createAction, creating] = useActionState(createDeviceAction, null);
  useEffect(() => {
    if (createState?.ok) {
      setDevices(createState.data.devices);
      setIssued(createState.data.issued);
    }
  }, [createState]);
  const fields = createState && !createState.ok ? (createState.error.fields ?? {}) : {};

  return (
    <div className="space-y-5">
      {!canAdd && <p className="text-sm">{t('notAllowed')}</p>}
      {canAdd && (
        <ActionForm action={createAction} className="flex flex-wrap items-end gap-3" noValidate>
          <div className="min-w-56 flex-1">
            <TextField
              label={t('name')}
              name="name"
              autoComplete="off"
              spellCheck={false}
              hint={t('nameHint')}
              error={fields.name}
            />
          </div>
          <div className="w-56">
            <SelectField label={t('router')} name="routerId" defaultValue="" error={fields.routerId}>
              <option value="">{t('allRouters')}</option>
              {routers.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </SelectField>
          </div>
          <Button type="submit" disabled={creating}>
            {creating ? t('adding') : t('add')}
          </Button>
        </ActionForm>
      )}
      {createState && !createState.ok && !createState.error.fields && <ActionMessage state={createState} />}
      {issued && (
        <TokenReveal
          issued={issued}
          username={username}
          refreshSeconds={refreshSeconds}
          onDismiss={() => setIssued(null)}
        />
      )}
      {devices.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-devices">
          {t('empty')}
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-y border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-3 py-2">
                  {t('columnDevice')}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t('columnAddress')}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t('columnUpdate')}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t('columnAccess')}
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">{t('rotate')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => (
                <DeviceRow key={d.id} device={d} onDevices={setDevices} onIssued={setIssued} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function DeviceRow({
  device,
  onDevices,
  onIssued,
}: {
  device: DeviceView;
  onDevices: (devices: DeviceView[]) => void;
  onIssued: (issued: IssuedToken) => void;
}) {
  const t = useTranslations('devices.list');
  const p = useTranslations('portal');
  const [rotateState, rotateAction, rotating] = useActionState(rotateDeviceAction, null);
  const [revokeState, revokeAction, revoking] = useActionState(revokeDeviceAction, null);
  const [deleteState, deleteAction, deleting] = useActionState(deleteDeviceAction, null);
  // The answer of the action used last: an old failure must not stay up after a later success.
  const [latest, setLatest] = useState<typeof rotateState | typeof revokeState | typeof deleteState>(null);
  useEffect(() => setLatest(rotateState), [rotateState]);
  useEffect(() => setLatest(revokeState), [revokeState]);
  useEffect(() => setLatest(deleteState), [deleteState]);
  useEffect(() => {
    if (rotateState?.ok) {
      onDevices(rotateState.data.devices);
      onIssued(rotateState.data.issued);
    }
  }, [rotateState, onDevices, onIssued]);
  useEffect(() => {
    if (revokeState?.ok) onDevices(revokeState.data.devices);
  }, [revokeState, onDevices]);
  useEffect(() => {
    if (deleteState?.ok) onDevices(deleteState.data.devices);
  }, [deleteState, onDevices]);
  const revoked = device.revokedAt !== null;
  const failed = latest && !latest.ok ? latest : null;
  return (
    <tr
      className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800"
      data-testid={`device-${device.name}`}
      data-device-id={device.id}
      data-revoked={revoked ? 'true' : 'false'}
    >
      <td className="px-3 py-2">
        <p className="font-mono">{device.name}</p>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">{device.routerName ?? t('allRouters')}</p>
        <Badge tone={revoked ? 'neutral' : 'green'}>{revoked ? t('revokedBadge') : t('activeBadge')}</Badge>
      </td>
      <td className="px-3 py-2 font-mono text-xs" data-testid="device-address">
        {[device.lastAddress4, device.lastAddress6].filter(Boolean).join(', ') || '—'}
      </td>
      <td className="px-3 py-2 text-xs">
        {device.lastUpdateAt ? <LocalTime value={device.lastUpdateAt} withSeconds /> : t('never')}
      </td>
      <td className="px-3 py-2 text-xs" data-testid="device-grants">
        {device.grants.length === 0 ? (
          t('noAccess')
        ) : (
          <ul className="space-y-1">
            {device.grants.map((g) => (
              <li key={g.id} data-status={g.status}>
                <span className="font-mono">{g.address}</span> › {g.routerName}/{g.list} —{' '}
                {p(`status.${g.status}`)}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap gap-2">
          {!revoked && (
            <ButtonForm
              action={rotateAction}
              fields={{ deviceId: device.id }}
              confirm={t('rotateConfirm', { name: device.name })}
              pending={rotating}
              label={t('rotate')}
            />
          )}
          {!revoked && (
            <ButtonForm
              action={revokeAction}
              fields={{ deviceId: device.id }}
              confirm={t('revokeConfirm', { name: device.name })}
              pending={revoking}
              variant="danger"
              label={t('revoke')}
            />
          )}
          {revoked && (
            <ButtonForm
              action={deleteAction}
              fields={{ deviceId: device.id }}
              confirm={t('deleteConfirm', { name: device.name })}
              pending={deleting}
              label={t('delete')}
            />
          )}
        </div>
        {failed && <ActionMessage state={failed} />}
      </td>
    </tr>
  );
}

function TokenReveal({
  issued,
  username,
  refreshSeconds,
  onDismiss,
}: {
  issued: IssuedToken;
  username: string;
  refreshSeconds: number;
  onDismiss: () => void;
}) {
  const t = useTranslations('devices.token');
  const input = {
    baseUrl: window.location.origin,
    username,
    token: issued.token,
    hostname: issued.device.name,
    refreshSeconds,
  };
  const configs = [
    ['ddclient', ddclientConfig(input)],
    ['inadyn', inadynConfig(input)],
    ['routeros', routerOsScript(input)],
    ['curl', curlCommand(input)],
  ] as const;
  return (
    <Alert tone="warning" title={t('title', { name: issued.device.name })}>
      <div className="space-y-3" data-testid="device-token-panel">
        <p>{t('once')}</p>
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
          <dt className="font-medium">{t('username')}</dt>
          <dd className="font-mono">{username}</dd>
          <dt className="font-medium">{t('token')}</dt>
          <dd className="flex flex-wrap items-center gap-2">
            <code className="break-all font-mono" data-testid="device-token">
              {issued.token}
            </code>
            <CopyButton text={issued.token} />
          </dd>
        </dl>
        {configs.map(([key, text]) => (
          <details key={key} className="rounded border border-amber-200 bg-white/60 p-2 dark:bg-zinc-900/60">
            <summary className="cursor-pointer font-medium">{t(key)}</summary>
            <div className="mt-2 flex justify-end">
              <CopyButton text={text} />
            </div>
            <pre className="mt-1 overflow-x-auto whitespace-pre text-xs" data-testid={`config-${key}`}>
              {text}
            </pre>
          </details>
        ))}
        <Button type="button" size="sm" variant="secondary" onClick={onDismiss}>
          {t('dismiss')}
        </Button>
      </div>
    </Alert>
  );
}
