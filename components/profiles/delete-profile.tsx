'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import { deleteProfileAction } from '@/app/(admin)/admin/profiles/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Button } from '@/components/ui/button';

export function DeleteProfile({ id }: { id: string }) {
  const t = useTranslations('profiles.delete');
  const [state, action, pending] = useActionState(deleteProfileAction, null);
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="id" value={id} />
      <Button type="submit" variant="danger" size="sm" disabled={pending}>
        {t('button')}
      </Button>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">{t('hint')}</p>
      {state && !state.ok && <ActionMessage state={state} />}
    </form>
  );
}
