'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import {
  applyAction,
  type ChangeView,
  dryRunAction,
  previewRemoveAction,
  removeAction,
} from '@/app/(admin)/admin/profiles/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import type { ActionState } from '@/lib/auth/action';

export type DeploymentRow = {
  routerId: string;
  routerName: string;
  status: 'applied' | 'outdated' | 'failed' | 'removed' | 'none';
  appliedAt: string | null;
  appliedBy: string | null;
  lastError: string | null;
};

const TONES = {
  applied: 'green',
  outdated: 'amber',
  failed: 'red',
  removed: 'neutral',
  none: 'neutral',
} as const;

function Outcome({ state, kind }: { state: ActionState<ChangeView>; kind: 'dry' | 'apply' | 'remove' }) {
  const t = useTranslations('profiles.deploy');
  if (!state) return null;
  if (!state.ok) return <ActionMessage state={state} />;
  const { summary, diff, executed, windowEndsAt, routerName } = state.data;
  const empty = summary.add + summary.set + summary.move + summary.remove === 0;
  return (
    <div className="space-y-2">
      <p className="text-sm" role="status">
        {kind === 'apply'
          ? t('applied', { executed })
          : kind === 'remove'
            ? t('removed', { executed })
            : empty
              ? t('nothing')
              : t('summary', summary)}
        {windowEndsAt && (
          <>
            {' '}
            {t('window')} <LocalTime value={windowEndsAt} />
          </>
        )}
      </p>
      {kind !== 'apply' && !empty && (
        <pre
          className="max-h-80 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-100"
          data-testid={`diff-${routerName}`}
        >
          {diff}
        </pre>
      )}
    </div>
  );
}

/** One router: status, dry run (diff), apply, preview removal, remove. */
export function DeploymentPanelClient({ profileId, row }: { profileId: string; row: DeploymentRow }) {
  const t = useTranslations('profiles');
  const d = useTranslations('profiles.deploy');
  const [dry, dryAct, dryPending] = useActionState(dryRunAction, null);
  const [applied, applyAct, applyPending] = useActionState(applyAction, null);
  const [preview, previewAct, previewPending] = useActionState(previewRemoveAction, null);
  const [removed, removeAct, removePending] = useActionState(removeAction, null);
  const busy = dryPending || applyPending || previewPending || removePending;
  const hidden = (
    <>
      <input type="hidden" name="profileId" value={profileId} />
      <input type="hidden" name="routerId" value={row.routerId} />
    </>
  );
  const deployed = row.status === 'applied' || row.status === 'outdated' || row.status === 'failed';
  return (
    <li
      className="space-y-3 border-b border-zinc-100 py-4 last:border-0 dark:border-zinc-800"
      data-testid={`deployment-${row.routerName}`}
    >
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-medium">{row.routerName}</span>
        <Badge tone={TONES[row.status]}>
          <span data-testid={`status-${row.routerName}`}>{t(`status.${row.status}`)}</span>
        </Badge>
        {row.appliedAt && (
          <span className="text-xs text-zinc-600 dark:text-zinc-400">
            {d('lastApplied', { who: row.appliedBy ?? '—' })} <LocalTime value={row.appliedAt} />
          </span>
        )}
      </div>
      {row.lastError && <p className="text-sm text-red-700 dark:text-red-400">{row.lastError}</p>}
      <div className="flex flex-wrap gap-2">
        <form action={dryAct}>
          {hidden}
          <Button type="submit" size="sm" variant="secondary" disabled={busy}>
            {d('dryRun')}
          </Button>
        </form>
        <form action={applyAct}>
          {hidden}
          <Button type="submit" size="sm" disabled={busy}>
            {d('apply')}
          </Button>
        </form>
        {deployed && (
          <>
            <form action={previewAct}>
              {hidden}
              <Button type="submit" size="sm" variant="secondary" disabled={busy}>
                {d('previewRemove')}
              </Button>
            </form>
            <form action={removeAct}>
              {hidden}
              <Button type="submit" size="sm" variant="danger" disabled={busy}>
                {d('remove')}
              </Button>
            </form>
          </>
        )}
      </div>
      <Outcome state={dry} kind="dry" />
      <Outcome state={applied} kind="apply" />
      <Outcome state={preview} kind="dry" />
      <Outcome state={removed} kind="remove" />
    </li>
  );
}
