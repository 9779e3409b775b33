'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { useActionState, useCallback, useEffect, useRef, useState } from 'react';
import { cancelRequestAction, createRequestAction } from '@/app/(portal)/requests/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { SelectField, TextAreaField, TextField } from '@/components/ui/field';
import { ActionForm } from '@/components/ui/form';
import { SessionEndedNotice } from '@/components/ui/session-ended';
import { usePolling } from '@/components/ui/use-polling';
import { REASON_MAX, REASON_MIN } from '@/lib/requests/limits';
import { previewSeconds } from '@/lib/requests/preview';
import type { MyRequestView } from '@/lib/requests/views';
import { requestStatusTone } from './status-tone';
import { useSpanText } from './use-span';

export type RequestFormProps = {
  targets: { value: string; label: string }[];
  ownAddress: string | null;
  allowOther: boolean;
  allowHostnames: boolean;
  suffixes: string[];
  maxSeconds: number;
  defaultDuration: string;
  ttlSeconds: number;
  approvalsRequired: number;
};

/**
 * Portal › Request access: the form, and the caller's requests with their live status. It polls
 * while anything is undecided or a grant waits for its router, so "waiting" turns into
 * "approved by …" without a reload.
 */
export function RequestsPanelClient({
  initial,
  form,
}: {
  initial: { requests: MyRequestView[]; serverTime: string };
  form: RequestFormProps | null;
}) {
  const t = useTranslations('requests');
  const [requests, setRequests] = useState(initial.requests);
  const skew = useRef(Date.parse(initial.serverTime) - Date.now());
  const [now, setNow] = useState(() => Date.now() + skew.current);
  const [state, action, sending] = useActionState(createRequestAction, null);
  const [formKey, setFormKey] = useState(0);

  const busy = requests.some(
    (r) =>
      r.status === 'pending' || r.grants.some((g) => g.status === 'pending' || g.status === 'revoke_pending'),
  );
  const onPoll = useCallback((next: { requests: MyRequestView[]; serverTime: string }) => {
    skew.current = Date.parse(next.serverTime) - Date.now();
    setRequests(next.requests);
    setNow(Date.now() + skew.current);
  }, []);
  const { sessionEnded, invalidate } = usePolling('/api/me/requests', busy ? 2000 : 15000, onPoll);
  // An action's answer is the newest state there is: reads started before it are dropped.
  const adopt = useCallback(
    (next: MyRequestView[]) => {
      invalidate();
      setRequests(next);
    },
    [invalidate],
  );

  useEffect(() => {
    if (state?.ok) {
      adopt(state.data.requests);
      setFormKey((k) => k + 1);
    }
  }, [state, adopt]);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now() + skew.current), 15000);
    return () => clearInterval(tick);
  }, []);

  return (
    <div className="space-y-6">
      {sessionEnded && <SessionEndedNotice />}
      {form && (
        <Card>
          <h2 className="mb-4 text-base font-semibold">{t('formTitle')}</h2>
          <RequestForm key={formKey} form={form} action={action} state={state} sending={sending} />
          {state?.ok && (
            <Alert tone="success" className="mt-4">
              <span data-testid="request-sent">{t('sent')}</span>
            </Alert>
          )}
        </Card>
      )}
      <Card padded={false}>
        <h2 className="px-5 pt-5 text-base font-semibold">{t('mineTitle')}</h2>
        {requests.length === 0 ? (
          <p className="px-5 pb-5 pt-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-requests">
            {t('none')}
          </p>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {requests.map((r) => (
              <RequestRow key={r.id} request={r} now={now} onChanged={adopt} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function RequestForm({
  form,
  action,
  state,
  sending,
}: {
  form: RequestFormProps;
  action: (data: FormData) => void;
  state: Awaited<ReturnType<typeof createRequestAction>> | null;
  sending: boolean;
}) {
  const t = useTranslations('requests');
  const span = useSpanText();
  const [duration, setDuration] = useState(form.defaultDuration);
  const [reason, setReason] = useState('');
  const fields = state && !state.ok ? (state.error.fields ?? {}) : {};
  const seconds = previewSeconds(duration);
  const max = span(form.maxSeconds);
  const addressHint = form.allowOther
    ? form.allowHostnames
      ? t('addressHintHostnames')
      : t('addressHintOther')
    : form.allowHostnames
      ? t('addressHintHostnamesOnly')
      : t('addressHintOwn');
  const fixed = !form.allowOther && !form.allowHostnames && form.ownAddress !== null;
  return (
    <ActionForm action={action} className="grid gap-4 sm:grid-cols-2" noValidate data-testid="request-form">
      <SelectField label={t('target')} name="target" error={fields.target} defaultValue="any">
        <option value="any">{t('targetAny', { count: form.targets.length })}</option>
        {form.targets.map((target) => (
          <option key={target.value} value={target.value}>
            {target.label}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t('address')}
        name="address"
        defaultValue={form.ownAddress ?? ''}
        readOnly={fixed}
        className={
          fixed ? 'bg-zinc-50 font-mono text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300' : 'font-mono'
        }
        placeholder={form.ownAddress ? undefined : t('addressUnknown')}
        autoComplete="off"
        spellCheck={false}
        error={fields.address}
        hint={
          <>
            {addressHint}
            {form.allowHostnames && form.suffixes.length > 0 && (
              <> {t('addressHintSuffixes', { suffixes: form.suffixes.join(', ') })}</>
            )}
          </>
        }
      />
      <div className="space-y-1">
        <TextField
          label={t('duration')}
          name="duration"
          value={duration}
          onChange={(e) => setDuration(e.target.value)}
          list="request-durations"
          autoComplete="off"
          error={fields.duration}
          hint={t('durationHint', { max })}
        />
        <datalist id="request-durations">
          {[900, 1800, 3600, 7200, 4 * 3600, 8 * 3600, 86_400]
            .filter((s) => s <= form.maxSeconds)
            .map((s) => (
              <option key={s} value={s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`} />
            ))}
        </datalist>
        <p className="text-sm" data-testid="duration-preview" aria-live="polite">
          {seconds === null ? (
            <span className="text-zinc-600 dark:text-zinc-400">{t('durationInvalid')}</span>
          ) : seconds > form.maxSeconds ? (
            <span className="text-red-700 dark:text-red-400" data-over-max="true">
              {t('durationOverMax', { max })}
            </span>
          ) : (
            <span className="text-zinc-700 dark:text-zinc-300">
              {t('durationPreview', { duration: span(seconds) })}
            </span>
          )}
        </p>
      </div>
      <div className="sm:col-span-2">
        <TextAreaField
          label={t('reason')}
          name="reason"
          rows={3}
          maxLength={REASON_MAX + 50}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={fields.reason}
          hint={t('reasonHint', { min: REASON_MIN, max: REASON_MAX })}
        />
        <p className="mt-1 text-right text-xs tabular-nums text-zinc-600 dark:text-zinc-400">
          {t('reasonCount', { count: reason.trim().length, max: REASON_MAX })}
        </p>
      </div>
      <div className="space-y-1 text-sm text-zinc-600 sm:col-span-2 dark:text-zinc-400">
        <p>{t('ttl', { ttl: span(form.ttlSeconds) })}</p>
        {form.approvalsRequired > 1 && <p>{t('twoApprovals')}</p>}
      </div>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
        <Button type="submit" disabled={sending}>
          {sending ? t('sending') : t('submit')}
        </Button>
        {state && !state.ok && !state.error.fields && <ActionMessage state={state} />}
      </div>
    </ActionForm>
  );
}

function RequestRow({
  request: r,
  now,
  onChanged,
}: {
  request: MyRequestView;
  now: number;
  onChanged: (requests: MyRequestView[]) => void;
}) {
  const t = useTranslations('requests');
  const format = useFormatter();
  const span = useSpanText();
  const [cancelState, cancelAction, cancelling] = useActionState(cancelRequestAction, null);
  useEffect(() => {
    if (cancelState?.ok) onChanged(cancelState.data.requests);
  }, [cancelState, onChanged]);
  const where = r.routerName ? `${r.routerName}${r.list ? ` › ${r.list}` : ''}` : t('everywhere');
  return (
    <li
      className="space-y-2 px-5 py-4"
      data-testid="request-row"
      data-request-id={r.id}
      data-status={r.status}
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
        <Badge tone={requestStatusTone[r.status]}>{t(`status.${r.status}`)}</Badge>
        <span className="font-mono text-sm">{r.address}</span>
        <span className="text-sm text-zinc-600 dark:text-zinc-400">{where}</span>
        <span className="text-sm">{t('asked', { duration: span(r.requestedSeconds) })}</span>
        <span className="text-xs text-zinc-500">
          {t('askedAt')} {format.relativeTime(new Date(r.createdAt), Math.max(now, Date.parse(r.createdAt)))}
        </span>
      </div>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        <span className="sr-only">{t('reasonLabel')}: </span>
        {r.reason}
      </p>
      <div data-testid="request-decision" className="text-sm">
        {r.status === 'pending' && (
          <p>
            {t('waiting', { when: format.relativeTime(new Date(r.expiresAt), now) })}
            {r.approvalsRequired > 1 && (
              <> · {t('approvalsSoFar', { count: r.approvedBy.length, required: r.approvalsRequired })}</>
            )}
          </p>
        )}
        {r.status === 'approved' && (
          <p className="font-medium">
            {t('approvedBy', {
              name: r.decidedBy ?? '—',
              duration: span(r.approvedSeconds ?? r.requestedSeconds),
            })}
          </p>
        )}
        {r.status === 'denied' && (
          <p className="font-medium">{t('deniedBy', { name: r.decidedBy ?? '—' })}</p>
        )}
        {r.status === 'expired' && <p>{t('expired')}</p>}
        {r.decisionNote && (
          <p className="text-zinc-700 dark:text-zinc-300">{t('note', { note: r.decisionNote })}</p>
        )}
      </div>
      {r.grants.length > 0 && (
        <ul className="space-y-1 text-sm">
          {r.grants.map((g) => (
            <li key={g.id} data-testid="request-grant" data-status={g.status}>
              {t('grantState', {
                router: g.routerName,
                list: g.list,
                state: t(`grantStatus.${g.status as 'pending'}`),
              })}
              {g.status === 'pending' && g.lastError && <> — {t('grantRetrying', { error: g.lastError })}</>}
            </li>
          ))}
        </ul>
      )}
      {r.status === 'pending' && (
        <form action={cancelAction}>
          <input type="hidden" name="requestId" value={r.id} />
          <Button type="submit" size="sm" variant="secondary" disabled={cancelling}>
            {t('cancel')}
          </Button>
        </form>
      )}
      {cancelState && !cancelState.ok && <ActionMessage state={cancelState} />}
    </li>
  );
}
