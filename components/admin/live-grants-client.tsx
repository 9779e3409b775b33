'use client';

import { useTranslations } from 'next-intl';
import { useActionState, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { revokeGrantAction } from '@/app/(admin)/admin/grants/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ButtonForm } from '@/components/ui/button-form';
import { Card } from '@/components/ui/card';
import { useDurationText } from '@/components/ui/duration';
import { SessionEndedNotice } from '@/components/ui/session-ended';
import { usePolling } from '@/components/ui/use-polling';
import type { LiveEntry, LiveRouterView } from '@/lib/grants/live';

type Snapshot = { routers: LiveRouterView[]; serverTime: string };

const kindTone = {
  grant: 'green',
  classic: 'blue',
  unmanaged: 'neutral',
  orphan: 'red',
  pending: 'amber',
} as const;

/** Every router's list as the router holds it, refreshed every few seconds without a reload. */
export function LiveGrantsClient({ initial, canRevoke }: { initial: Snapshot; canRevoke: boolean }) {
  const t = useTranslations('grants');
  const duration = useDurationText();
  const [snapshot, setSnapshot] = useState(initial);
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState<'all' | LiveEntry['kind']>('all');
  const [routerId, setRouterId] = useState('all');
  const fetchedAt = useRef(Date.now());
  const [now, setNow] = useState(Date.now());

  // One read at a time (a router read may take seconds), applied in order.
  const onPoll = useCallback((next: Snapshot) => {
    setSnapshot(next);
    fetchedAt.current = Date.now();
  }, []);
  const { sessionEnded, invalidate, refresh } = usePolling<Snapshot>('/api/admin/grants/live', 5000, onPoll);
  // After a revoke, reads that started before it are out of date: drop them and read again.
  const afterChange = useCallback(() => {
    invalidate();
    refresh();
  }, [invalidate, refresh]);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  const needle = query.trim().toLowerCase();
  const routers = useMemo(
    () =>
      snapshot.routers
        .filter((r) => routerId === 'all' || r.routerId === routerId)
        .map((r) => ({
          ...r,
          entries: r.entries.filter(
            (e) =>
              (kind === 'all' || e.kind === kind) &&
              (!needle ||
                [
                  e.address,
                  e.list,
                  e.comment ?? '',
                  e.grant?.username ?? '',
                  e.grant?.openedBy ?? '',
                  ...e.alsoFor.map((g) => `${g.username ?? ''} ${g.openedBy}`),
                  e.classicProfile ?? '',
                ]
                  .join(' ')
                  .toLowerCase()
                  .includes(needle)),
          ),
        })),
    [snapshot, routerId, kind, needle],
  );
  const elapsed = (now - fetchedAt.current) / 1000;

  return (
    <div className="space-y-6">
      {sessionEnded && <SessionEndedNotice />}
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t('search')}</span>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={t('searchPlaceholder')}
            className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t('kindFilter')}</span>
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value as typeof kind)}
            className="rounded-md border border-zinc-300 bg-white px-2 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            {(['all', 'grant', 'pending', 'classic', 'unmanaged', 'orphan'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t('router')}</span>
          <select
            value={routerId}
            onChange={(e) => setRouterId(e.target.value)}
            className="rounded-md border border-zinc-300 bg-white px-2 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="all">{t('allRouters')}</option>
            {snapshot.routers.map((r) => (
              <option key={r.routerId} value={r.routerId}>
                {r.routerName}
              </option>
            ))}
          </select>
        </label>
        <Button type="button" variant="secondary" onClick={refresh}>
          {t('refresh')}
        </Button>
      </div>
      {routers.map((r) => (
        <Card
          key={r.routerId}
          padded={false}
          className="overflow-x-auto"
          data-testid={`live-${r.routerName}`}
        >
          <div className="flex flex-wrap items-baseline justify-between gap-2 px-5 pt-5">
            <h2 className="text-base font-semibold">{r.routerName}</h2>
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              {t('readAgo', { seconds: Math.round(elapsed) })}
            </p>
          </div>
          {r.error && (
            <Alert tone="error" className="mx-5 mt-3">
              {t('routerError', { message: r.error.message })}
            </Alert>
          )}
          {r.entries.length === 0 ? (
            <p className="px-5 py-4 text-sm text-zinc-600 dark:text-zinc-400">{t('empty')}</p>
          ) : (
            <table className="mt-3 w-full text-left text-sm">
              <thead className="border-y border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="px-5 py-2">
                    {t('address')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t('list')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t('who')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t('kindColumn')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t('timeout')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t('comment')}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    <span className="sr-only">{t('actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.entries.map((e) => (
                  <EntryRow
                    // Stable while a pending grant's entry appears; unique for a host name's addresses.
                    key={`${e.grant?.id ?? e.entryId}:${e.address}`}
                    entry={e}
                    canRevoke={canRevoke}
                    elapsed={elapsed}
                    duration={duration}
                    onChanged={afterChange}
                  />
                ))}
              </tbody>
            </table>
          )}
        </Card>
      ))}
    </div>
  );
}

function EntryRow({
  entry,
  canRevoke,
  elapsed,
  duration,
  onChanged,
}: {
  entry: LiveEntry;
  canRevoke: boolean;
  elapsed: number;
  duration: (s: number) => string;
  onChanged: () => void;
}) {
  const t = useTranslations('grants');
  const p = useTranslations('portal');
  const [state, action, pending] = useActionState(async (prev: unknown, form: FormData) => {
    try {
      return await revokeGrantAction(prev as never, form);
    } finally {
      onChanged();
    }
  }, null);
  // Revoked, the router's entry not yet verified gone.
  const ending = entry.grant?.status === 'revoke_pending';
  const who = entry.grant
    ? (entry.grant.username ?? entry.grant.openedBy)
    : entry.classicProfile
      ? t('classicBy', { profile: entry.classicProfile })
      : '—';
  return (
    <tr
      className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800"
      data-testid="live-entry"
      data-kind={entry.kind}
      data-address={entry.address}
      data-disabled={entry.disabled ? 'true' : undefined}
    >
      <td className="px-5 py-2 font-mono">
        {entry.address}
        {entry.resolvedFrom && (
          <span className="block font-sans text-xs text-zinc-500" data-testid="resolved-from">
            {t('resolvedFrom', { name: entry.resolvedFrom })}
          </span>
        )}
      </td>
      <td className="px-3 py-2">{entry.list}</td>
      <td className="px-3 py-2">
        {who}
        {entry.grant && (
          <span className="block text-xs text-zinc-500">{p(`source.${entry.grant.source}`)}</span>
        )}
        {entry.alsoFor.length > 0 && (
          <span className="block text-xs text-zinc-500">
            {t('alsoFor', { names: entry.alsoFor.map((g) => g.username ?? g.openedBy).join(', ') })}
          </span>
        )}
      </td>
      <td className="px-3 py-2">
        <Badge tone={ending ? 'amber' : kindTone[entry.kind]}>
          {(entry.kind === 'pending' || ending) && entry.grant
            ? p(`status.${entry.grant.status}`)
            : t(`kind.${entry.kind}`)}
        </Badge>
        {/* On the router but switched off: it matches nothing, so it opens nothing. */}
        {entry.disabled && (
          <span className="ml-1" data-testid="entry-disabled" title={t('disabledHint')}>
            <Badge tone="red">{t('disabled')}</Badge>
          </span>
        )}
      </td>
      <td className="px-3 py-2 font-mono tabular-nums">
        {entry.timeoutSeconds === null
          ? entry.entryId
            ? t('permanent')
            : '—'
          : duration(entry.timeoutSeconds - elapsed)}
      </td>
      <td className="max-w-48 truncate px-3 py-2 font-mono text-xs" title={entry.comment ?? ''}>
        {entry.comment ?? ''}
      </td>
      <td className="px-3 py-2">
        {/* An address resolved from a host name is revoked with the name's row, not one by one. */}
        {canRevoke && entry.grant && !ending && !entry.resolvedFrom && (
          <ButtonForm
            action={action}
            fields={{ grantId: entry.grant.id }}
            confirm={t('revokeConfirm', { address: entry.address, who: who })}
            pending={pending}
            variant="danger"
            label={t('revoke')}
            ariaLabel={t('revokeFor', { address: entry.address })}
          />
        )}
        {state && !(state as { ok: boolean }).ok && <ActionMessage state={state as never} />}
      </td>
    </tr>
  );
}
