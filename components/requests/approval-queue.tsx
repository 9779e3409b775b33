'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { useActionState, useCallback, useEffect, useRef, useState } from 'react';
import { approveRequestAction, denyRequestAction } from '@/app/(admin)/admin/approvals/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';
import { SessionEndedNotice } from '@/components/ui/session-ended';
import { usePolling } from '@/components/ui/use-polling';
import { NOTE_MAX } from '@/lib/requests/limits';
import type { QueueItem, RequestView } from '@/lib/requests/views';
import { PENDING_EVENT } from './pending-badge';
import { requestStatusTone } from './status-tone';
import { useSpanText } from './use-span';

type Snapshot = {
  queue: QueueItem[];
  recent: (RequestView & { requester: string })[];
  pending: number;
  serverTime: string;
};

type Outcome = { tone: 'success' | 'warning'; state: string; lines: string[] };

/** RouterOS-style text for the approve field's default ("2h", "1h30m"). */
function asTyped(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

/**
 * Admin › Approvals: the queue, refreshed every few seconds without a reload, and the latest
 * decisions. Each refresh also tells the navigation badge the new count.
 */
export function ApprovalQueue({ initial, recentDays }: { initial: Snapshot; recentDays: number }) {
  const t = useTranslations('approvals');
  const [snapshot, setSnapshot] = useState(initial);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const skew = useRef(Date.parse(initial.serverTime) - Date.now());
  const [now, setNow] = useState(() => Date.now() + skew.current);

  const onPoll = useCallback((next: Snapshot) => {
    skew.current = Date.parse(next.serverTime) - Date.now();
    setSnapshot(next);
    setNow(Date.now() + skew.current);
    window.dispatchEvent(new CustomEvent(PENDING_EVENT, { detail: next.pending }));
  }, []);
  // One read at a time, applied in order; after a decision, reads started before it are dropped.
  const { sessionEnded, invalidate, refresh } = usePolling<Snapshot>('/api/admin/requests', 3000, onPoll);

  return (
    <div className="space-y-6">
      {sessionEnded && <SessionEndedNotice />}
      <p className="text-sm" aria-live="polite" data-testid="queue-count">
        {t('pendingBadge', { count: snapshot.pending })}
      </p>
      {outcome && (
        <Alert tone={outcome.tone}>
          <div data-testid="decision-result" data-state={outcome.state}>
            {outcome.lines.map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
        </Alert>
      )}
      {snapshot.queue.length === 0 ? (
        <Card>
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="queue-empty">
            {t('empty')}
          </p>
        </Card>
      ) : (
        <ul className="space-y-4">
          {snapshot.queue.map((item) => (
            <QueueCard
              key={item.id}
              item={item}
              now={now}
              recentDays={recentDays}
              onDecided={(result) => {
                setOutcome(result);
                invalidate();
                refresh();
              }}
            />
          ))}
        </ul>
      )}
      <Card padded={false}>
        <h2 className="px-5 pt-5 text-base font-semibold">{t('recentTitle')}</h2>
        {snapshot.recent.length === 0 ? (
          <p className="px-5 pb-5 pt-2 text-sm text-zinc-600 dark:text-zinc-400">{t('noRecent')}</p>
        ) : (
          <div className="overflow-x-auto px-5 pb-5 pt-2">
            <RecentTable rows={snapshot.recent} now={now} />
          </div>
        )}
      </Card>
    </div>
  );
}

function QueueCard({
  item,
  now,
  recentDays,
  onDecided,
}: {
  item: QueueItem;
  now: number;
  recentDays: number;
  onDecided: (outcome: Outcome) => void;
}) {
  const t = useTranslations('approvals');
  const format = useFormatter();
  const span = useSpanText();
  const [approveState, approve, approving] = useActionState(approveRequestAction, null);
  const [denyState, deny, denying] = useActionState(denyRequestAction, null);
  // Tell the parent once per answer; the card itself leaves the queue on the next refresh.
  const told = useRef<unknown>(null);
  useEffect(() => {
    if (approveState?.ok && told.current !== approveState && approveState.data.state === 'approved') {
      told.current = approveState;
      const grants = approveState.data.grants;
      onDecided({
        tone: grants.every((g) => g.state === 'active' || g.state === 'covered') ? 'success' : 'warning',
        state: grants.some((g) => g.state === 'pending') ? 'pending' : 'approved',
        lines: [
          `${item.requester}: ${t('approved', { duration: span(approveState.data.approvedSeconds ?? item.requestedSeconds) })}`,
          ...grants.map((g) =>
            g.state === 'active' || g.state === 'covered'
              ? t('grantOpen', { router: g.router, list: g.list })
              : g.state === 'pending'
                ? t('grantPending', { router: g.router, list: g.list, error: g.message })
                : t('grantFailed', { router: g.router, list: g.list, error: g.message }),
          ),
        ],
      });
    }
  }, [approveState, onDecided, item, t, span]);
  useEffect(() => {
    if (denyState?.ok && told.current !== denyState) {
      told.current = denyState;
      onDecided({ tone: 'success', state: 'denied', lines: [`${item.requester}: ${t('denied')}`] });
    }
  }, [denyState, onDecided, item, t]);
  const failures = [approveState, denyState].filter(
    (s): s is Extract<NonNullable<typeof s>, { ok: false }> => s !== null && !s.ok && !s.error.fields,
  );
  const fields = approveState && !approveState.ok ? (approveState.error.fields ?? {}) : {};
  const where = item.routerName ? `${item.routerName}${item.list ? ` › ${item.list}` : ''}` : t('everywhere');
  const decidable = !item.own && !item.approvedByMe;
  return (
    <li data-testid="queue-item" data-request-id={item.id} data-requester={item.requester}>
      <Card className="space-y-3">
        <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
          <span className="font-semibold">{item.requester}</span>
          <Badge tone="neutral">{item.requesterRole}</Badge>
          <span className="text-sm text-zinc-600 dark:text-zinc-400">
            {t('from', { address: item.clientAddress ?? '—' })}
          </span>
          <span className="ml-auto text-xs text-zinc-500">
            {t('asked', {
              when: format.relativeTime(new Date(item.createdAt), Math.max(now, Date.parse(item.createdAt))),
            })}{' '}
            · {t('expires', { when: format.relativeTime(new Date(item.expiresAt), now) })}
          </span>
        </div>
        <p className="text-sm">
          {t('asks')} <span className="font-mono">{item.address}</span>
          {item.kind === 'hostname' && <> ({t('hostname')})</>} {t('on')} {where} ·{' '}
          <span className="font-medium" data-testid="queue-duration">
            {span(item.requestedSeconds)}
          </span>
        </p>
        <blockquote className="border-l-2 border-zinc-300 pl-3 text-sm text-zinc-800 dark:border-zinc-700 dark:text-zinc-200">
          <span className="sr-only">{t('reason')}: </span>
          {item.reason}
        </blockquote>
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="queue-recent-grants">
          {t('recentGrants', { count: item.recentGrants, days: recentDays })}
          {item.approvalsRequired > 1 && (
            <>
              {' · '}
              {t('approvals', { count: item.approvedBy.length, required: item.approvalsRequired })}
              {item.approvedBy.length > 0 && <> ({t('approvedBy', { names: item.approvedBy.join(', ') })})</>}
            </>
          )}
        </p>
        {item.own && <Alert tone="info">{t('own')}</Alert>}
        {item.approvedByMe && <Alert tone="info">{t('approvedByMe')}</Alert>}
        {decidable && (
          <ActionForm
            action={approve}
            intents={{ deny }}
            className="grid gap-3 sm:grid-cols-[10rem_1fr_auto]"
            noValidate
          >
            <input type="hidden" name="requestId" value={item.id} />
            <TextField
              label={t('approveDuration')}
              name="duration"
              id={`duration-${item.id}`}
              defaultValue={asTyped(item.requestedSeconds)}
              hint={t('approveDurationHint', { asked: span(item.requestedSeconds) })}
              error={fields.duration}
            />
            <TextField
              label={t('note')}
              name="note"
              id={`note-${item.id}`}
              maxLength={NOTE_MAX}
              error={fields.note}
            />
            <div className="flex items-end gap-2 pb-0.5">
              <Button type="submit" disabled={approving || denying}>
                {t('approve')}
              </Button>
              <Button
                type="submit"
                name="intent"
                value="deny"
                variant="danger"
                disabled={approving || denying}
              >
                {t('deny')}
              </Button>
            </div>
          </ActionForm>
        )}
        {failures.map((failure) => (
          <ActionMessage key={failure.error.code} state={failure} />
        ))}
        {approveState?.ok && approveState.data.state === 'awaiting_approval' && (
          <Alert tone="success">{t('awaitingSecond')}</Alert>
        )}
      </Card>
    </li>
  );
}

function RecentTable({ rows, now }: { rows: Snapshot['recent']; now: number }) {
  const t = useTranslations('approvals');
  const r = useTranslations('requests');
  const format = useFormatter();
  const span = useSpanText();
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs text-zinc-600 dark:text-zinc-400">
        <tr>
          <th className="py-2 pr-4 font-medium">{t('who')}</th>
          <th className="py-2 pr-4 font-medium">{t('what')}</th>
          <th className="py-2 pr-4 font-medium">{t('status')}</th>
          <th className="py-2 pr-4 font-medium">{t('decidedBy')}</th>
          <th className="py-2 font-medium">{t('when')}</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {rows.map((row) => (
          <tr key={row.id} data-testid="recent-decision" data-request-id={row.id} data-status={row.status}>
            <td className="py-2 pr-4">{row.requester}</td>
            <td className="py-2 pr-4">
              <span className="font-mono">{row.address}</span> ·{' '}
              {span(row.approvedSeconds ?? row.requestedSeconds)}
            </td>
            <td className="py-2 pr-4">
              <Badge tone={requestStatusTone[row.status]}>{r(`status.${row.status}`)}</Badge>
              {row.decisionNote && (
                <span className="ml-2 text-zinc-600 dark:text-zinc-400">{row.decisionNote}</span>
              )}
            </td>
            <td className="py-2 pr-4">{row.decidedBy ?? '—'}</td>
            <td className="py-2">{format.relativeTime(new Date(row.decidedAt ?? row.expiresAt), now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
