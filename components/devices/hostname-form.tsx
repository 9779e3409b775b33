'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import { openHostnameAction } from '@/app/(portal)/devices/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';

/** Opens access for a host name on every list the policy names; the router resolves it. */
export function HostnameForm({ suffixes }: { suffixes: string[] }) {
  const t = useTranslations('devices.hostnames');
  const p = useTranslations('portal');
  const [state, action, pending] = useActionState(openHostnameAction, null);
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  return (
    <div className="space-y-4">
      <ActionForm action={action} className="flex flex-wrap items-end gap-3" noValidate>
        <div className="min-w-64 flex-1">
          <TextField
            label={t('name')}
            name="hostname"
            autoComplete="off"
            spellCheck={false}
            placeholder={suffixes[0] ? `home.${suffixes[0]}` : 'home.example.net'}
            hint={suffixes.length > 0 ? t('suffixHint', { suffixes: suffixes.join(', ') }) : t('anyHint')}
            error={fields.hostname}
          />
        </div>
        <div className="w-48">
          <SelectField label={t('family')} name="family" defaultValue="ip" error={fields.family}>
            <option value="ip">{t('familyIp')}</option>
            <option value="ipv6">{t('familyIpv6')}</option>
          </SelectField>
        </div>
        <Button type="submit" disabled={pending}>
          {pending ? t('submitting') : t('submit')}
        </Button>
      </ActionForm>
      {state && !state.ok && !state.error.fields && <ActionMessage state={state} />}
      {state?.ok && (
        <div className="space-y-2" data-testid="hostname-result">
          <ul className="space-y-2">
            {state.data.targets.map((target) => (
              <li key={`${target.router}-${target.list}`}>
                <Alert tone={target.state === 'active' || target.state === 'covered' ? 'success' : 'warning'}>
                  <span data-state={target.state}>
                    <span className="font-mono">{state.data.hostname}</span> → {target.router} › {target.list}
                    : {p(`state.${target.state}`)}
                    {target.state !== 'active' && target.state !== 'covered' ? ` — ${target.message}` : ''}
                  </span>
                </Alert>
              </li>
            ))}
          </ul>
          <p className="text-sm">
            <a href="/" className="text-brand-700 underline dark:text-brand-300">
              {t('seePortal')}
            </a>
          </p>
        </div>
      )}
    </div>
  );
}
