'use client';

import { useTranslations } from 'next-intl';
import { useActionState, useCallback, useEffect, useRef, useState } from 'react';
import { endAccessAction, extendAccessAction, openAccessAction } from '@/app/(portal)/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { Card } from '@/components/ui/card';
import { useDurationText } from '@/components/ui/duration';
import { SessionEndedNotice } from '@/components/ui/session-ended';
import { usePolling } from '@/components/ui/use-polling';
import type { GrantView } from '@/lib/grants/views';

type Snapshot = { address: string | null; grants: GrantView[]; serverTime: string };

const statusTone = {
  active: 'green',
  pending: 'amber',
  revoke_pending: 'amber',
  revoked: 'neutral',
  expired: 'neutral',
  failed: 'red',
} as const;

/**
 * The portal's heart: your address, your grants with a live countdown, and the buttons that open,
 * extend and end access. It polls while something is in flight, so "pending" turns into "open"
 * without a reload.
 */
export function AccessPanelClient({ initial, canOpen }: { initial: Snapshot; canOpen: boolean }) {
  const t = useTranslations('portal');
  const duration = useDurationText();
  const [snapshot, setSnapshot] = useState(initial);
  const [openState, openAction, opening] = useActionState(openAccessAction, null);
  const skew = useRef(Date.parse(initial.serverTime) - Date.now());
  const [now, setNow] = useState(() => Date.now() + skew.current);

  useEffect(() => setSnapshot(initial), [initial]);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now() + skew.current), 1000);
    return () => clearInterval(tick);
  }, []);

  const isLive = (g: GrantView) =>
    g.status === 'active' || g.status === 'pending' || g.status === 'revoke_pending';
  // Something is in flight, or a grant's time is up and the server has yet to call it expired.
  const busy = snapshot.grants.some(
    (g) =>
      g.status === 'pending' ||
      g.status === 'revoke_pending' ||
      (isLive(g) && Date.parse(g.expiresAt) <= now),
  );
  const onPoll = useCallback((next: Snapshot) => {
    skew.current = Date.parse(next.serverTime) - Date.now();
    setSnapshot(next);
  }, []);
  const { sessionEnded, invalidate } = usePolling<Snapshot>('/api/me/grants', busy ? 2000 : 10000, onPoll);

  // An action's answer is the newest state there is: reads started before it are dropped.
  const adopt = useCallback(
    (grants: GrantView[]) => {
      invalidate();
      setSnapshot((prev) => ({ ...prev, grants }));
    },
    [invalidate],
  );
  // The open result stays up until the person changes a grant afterwards.
  const [openShown, setOpenShown] = useState(true);
  useEffect(() => {
    if (!openState) return;
    setOpenShown(true);
    if (openState.ok) adopt(openState.data.grants);
  }, [openState, adopt]);
  const grantsHeading = useRef<HTMLHeadingElement>(null);
  const onRowChanged = useCallback(
    (grants: GrantView[], ended: boolean) => {
      adopt(grants);
      setOpenShown(false);
      // The row with the focused button is gone: keep keyboard and screen-reader users in place.
      if (ended) grantsHeading.current?.focus();
    },
    [adopt],
  );

  const live = snapshot.grants.filter(isLive);
  const ended = snapshot.grants.filter((g) => !live.includes(g));

  return (
    <div className="space-y-6">
      {sessionEnded && <SessionEndedNotice />}
      <Card>
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('yourAddress')}</p>
            <p className="mt-1 font-mono text-xl" data-testid="client-address">
              {snapshot.address ?? t('addressUnknown')}
            </p>
          </div>
          {canOpen && snapshot.address && (
            <form action={openAction}>
              <Button type="submit" disabled={opening}>
                {opening ? t('opening') : live.length > 0 ? t('openAgain') : t('open')}
              </Button>
            </form>
          )}
        </div>
        {openState && !openState.ok && <ActionMessage state={openState} />}
        {openState?.ok && openShown && (
          <ul className="mt-4 space-y-2" data-testid="open-result">
            {openState.data.targets.map((target) => (
              <li key={`${target.router}-${target.list}`}>
                <Alert tone={target.state === 'active' || target.state === 'covered' ? 'success' : 'warning'}>
                  <span data-state={target.state}>
                    {target.router} › {target.list}: {t(`state.${target.state}`)}
                    {target.state !== 'active' && target.state !== 'covered' ? ` — ${target.message}` : ''}
                  </span>
                </Alert>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card padded={false}>
        <h2 ref={grantsHeading} tabIndex={-1} className="px-5 pt-5 text-base font-semibold outline-none">
          {t('grantsTitle')}
        </h2>
        {live.length === 0 ? (
          <p className="px-5 pb-5 pt-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-grants">
            {t('noGrants')}
          </p>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {live.map((g) => (
              <GrantRow
                key={g.id}
                grant={g}
                remaining={(Date.parse(g.expiresAt) - now) / 1000}
                duration={duration}
                onChanged={onRowChanged}
              />
            ))}
          </ul>
        )}
        {ended.length > 0 && (
          <details className="px-5 pb-4 text-sm">
            <summary className="cursor-pointer py-2 text-zinc-600 dark:text-zinc-400">
              {t('recentlyEnded', { count: ended.length })}
            </summary>
            <ul className="space-y-1">
              {ended.map((g) => (
                <li key={g.id} className="font-mono text-xs">
                  {g.address} › {g.routerName}/{g.list} — {t(`status.${g.status}`)}
                </li>
              ))}
            </ul>
          </details>
        )}
      </Card>
    </div>
  );
}

function GrantRow({
  grant,
  remaining,
  duration,
  onChanged,
}: {
  grant: GrantView;
  remaining: number;
  duration: (s: number) => string;
  onChanged: (grants: GrantView[], ended: boolean) => void;
}) {
  const t = useTranslations('portal');
  const d = useTranslations('devices');
  const [extendState, extendAction, extending] = useActionState(extendAccessAction, null);
  const [endState, endAction, ending] = useActionState(endAccessAction, null);
  useEffect(() => {
    if (extendState?.ok) onChanged(extendState.data.grants, false);
  }, [extendState, onChanged]);
  useEffect(() => {
    if (endState?.ok) onChanged(endState.data.grants, true);
  }, [endState, onChanged]);
  // Time is up on our clock (corrected to the server's); the server marks it expired shortly.
  const lapsed = remaining <= 0 && grant.status !== 'revoke_pending';
  // Extended in Knockgate, but the router has not confirmed the new time: say so, it may still
  // end access at the old time until the retry gets through.
  const extendUnconfirmed =
    extendState?.ok && extendState.data.state !== 'active' && extendState.data.state !== 'covered'
      ? extendState.data.message
      : null;
  return (
    <li
      className="flex flex-wrap items-center gap-x-6 gap-y-2 px-5 py-4"
      data-testid="grant-row"
      data-grant-id={grant.id}
      data-status={grant.status}
    >
      <div className="min-w-0 flex-1">
        <p className="font-mono text-sm">{grant.address}</p>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          {grant.routerName} › {grant.list} · {t(`source.${grant.source}`)}
          {grant.kind === 'hostname' && ` · ${d('hostnameBadge')}`}
        </p>
        {grant.kind === 'hostname' && grant.status === 'active' && (
          // What the router resolved the name to, read back from it (not our own DNS lookup).
          <p className="mt-1 text-xs" data-testid="resolved-addresses">
            {grant.resolved == null
              ? d('resolvedUnknown')
              : grant.resolved.length === 0
                ? d('resolvesToNothing')
                : d.rich('resolvesTo', {
                    list: () =>
                      (grant.resolved ?? []).map((a, i) => (
                        <span key={a}>
                          {i > 0 ? ', ' : ''}
                          <span className="font-mono" data-testid="resolved-address">
                            {a}
                          </span>
                        </span>
                      )),
                  })}
          </p>
        )}
        {grant.lastError && (
          <p className="mt-1 text-xs text-amber-800 dark:text-amber-300">
            {t('retrying', { error: grant.lastError })}
          </p>
        )}
        {grant.status === 'active' && grant.onRouter !== undefined && (
          <p
            className={
              grant.onRouter?.present === false
                ? 'mt-1 text-xs text-amber-800 dark:text-amber-300'
                : 'mt-1 text-xs text-zinc-600 dark:text-zinc-400'
            }
            data-testid="on-router"
            data-present={grant.onRouter === null ? 'unknown' : String(grant.onRouter.present)}
          >
            {grant.onRouter === null
              ? t('routerUnknown')
              : grant.onRouter.present
                ? grant.onRouter.timeoutSeconds === null
                  ? t('onRouterPermanent')
                  : t('onRouter', { left: duration(grant.onRouter.timeoutSeconds) })
                : t('notOnRouter')}
          </p>
        )}
      </div>
      <span role="status" data-testid="grant-status">
        <Badge tone={lapsed ? 'neutral' : statusTone[grant.status]}>
          {lapsed ? t('lapsed') : t(`status.${grant.status}`)}
        </Badge>
      </span>
      <p className="w-28 text-right font-mono text-sm tabular-nums">
        <span className="sr-only">{t('remaining')}: </span>
        <span data-testid="countdown">{grant.status === 'revoke_pending' ? '—' : duration(remaining)}</span>
      </p>
      {!lapsed && (
        <div className="flex gap-2">
          {grant.status !== 'revoke_pending' && grant.source === 'web' && (
            <ButtonForm
              action={extendAction}
              fields={{ grantId: grant.id }}
              pending={extending}
              label={t('extend')}
              ariaLabel={t('extendFor', { address: grant.address })}
            />
          )}
          <ButtonForm
            action={endAction}
            fields={{ grantId: grant.id }}
            pending={ending || grant.status === 'revoke_pending'}
            variant="danger"
            label={t('end')}
            ariaLabel={t('endFor', { address: grant.address })}
          />
        </div>
      )}
      {extendState && !extendState.ok && <ActionMessage state={extendState} />}
      {extendUnconfirmed && (
        <Alert tone="warning" className="w-full">
          <span data-testid="extend-unconfirmed">{extendUnconfirmed}</span>
        </Alert>
      )}
      {endState && !endState.ok && <ActionMessage state={endState} />}
    </li>
  );
}
