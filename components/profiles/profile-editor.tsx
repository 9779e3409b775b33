'use client';

import { useTranslations } from 'next-intl';
import { type ReactNode, useActionState, useMemo, useState } from 'react';
import { saveProfileAction } from '@/app/(admin)/admin/profiles/actions';
import { ActionMessage } from '@/components/ui/action-message';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { SelectField, TextField } from '@/components/ui/field';
import {
  icmpPacketSize,
  icmpPatternHex,
  type ProfileIssue,
  type StepKind,
  validateProfile,
} from '@/lib/profiles/model';
import { emptyStep, issuesAt, type ProfileForm, type StepForm, toProfileInput } from './form-state';

const KINDS: StepKind[] = ['tcp', 'udp', 'icmp-size', 'icmp-pattern', 'payload', 'http-get'];

type Issue = ProfileIssue<string>;

function Checkbox({
  label,
  checked,
  onChange,
  name,
}: {
  label: ReactNode;
  checked: boolean;
  onChange: (value: boolean) => void;
  name: string;
}) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="mt-0.5 h-4 w-4 rounded border-zinc-300 dark:border-zinc-700"
      />
      <span>{label}</span>
    </label>
  );
}

/**
 * The profile editor: ordered steps of every kind, lists, service, options. Validation runs in the
 * browser with the model's own rules on every change, so errors and the seed's bad-practice
 * warnings appear as the admin types; the server validates again when saving.
 */
export function ProfileEditor({ initial, profileId }: { initial: ProfileForm; profileId?: string }) {
  const t = useTranslations('profiles');
  const e = useTranslations('profiles.editor');
  const [form, setForm] = useState<ProfileForm>(initial);
  const [state, action, pending] = useActionState(saveProfileAction, null);

  const input = useMemo(() => toProfileInput(form), [form]);
  const validation = useMemo(() => validateProfile({ ...input, id: profileId ?? 'new' }), [input, profileId]);
  const errors: Issue[] = validation.ok ? [] : validation.errors;
  const warnings: Issue[] = validation.warnings;

  const set = <K extends keyof ProfileForm>(key: K, value: ProfileForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setStep = (i: number, patch: Partial<StepForm>) =>
    setForm((f) => ({ ...f, steps: f.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const moveStep = (i: number, by: -1 | 1) =>
    setForm((f) => {
      const steps = [...f.steps];
      const [step] = steps.splice(i, 1);
      steps.splice(i + by, 0, step!);
      return { ...f, steps };
    });

  const errorText = (issue: Issue) => t(`errors.${issue.code}` as 'errors.invalid_field');
  const warningText = (issue: Issue) => t(`warnings.${issue.code}` as 'warnings.short_sequence');
  /** The first error at a field path, translated, for the field's inline message. */
  const fieldError = (path: string): string | undefined => {
    const issue = issuesAt(errors, path)[0];
    return issue ? errorText(issue) : undefined;
  };
  const serverFields = state && !state.ok ? state.error.fields : undefined;

  return (
    <form action={action} className="space-y-6" noValidate data-testid="profile-editor">
      {profileId && <input type="hidden" name="id" value={profileId} />}
      <input type="hidden" name="definition" value={JSON.stringify(input)} />

      <Card>
        <h2 className="mb-4 text-base font-semibold">{e('general')}</h2>
        <TextField
          label={t('name')}
          name="name"
          value={form.name}
          onChange={(ev) => set('name', ev.target.value)}
          hint={e('nameHint')}
          error={fieldError('name') ?? serverFields?.name}
          autoComplete="off"
        />
      </Card>

      <Card>
        <h2 className="text-base font-semibold">{e('steps')}</h2>
        <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-400">{e('stepsHint')}</p>
        <ol className="space-y-4">
          {form.steps.map((step, i) => {
            const at = `steps.${i}`;
            const id = (field: string) => `step-${i}-${field}`;
            const stepLevel = issuesAt(errors, at).filter((issue) => issue.path.length === 2);
            const size = Number(step.payloadSize);
            return (
              <li
                key={step.uid}
                className="rounded-md border border-zinc-200 p-4 dark:border-zinc-800"
                data-testid={`step-${i + 1}`}
              >
                <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
                  <h3 className="text-sm font-semibold">{e('step', { number: i + 1 })}</h3>
                  <div className="flex gap-1">
                    <Button
                      type="button"
                      size="sm"
                      variant="ghost"
                      disabled={i === 0}
                      onClick={() => moveStep(i, -1)}
                      aria-label={e('moveUp', { number: i + 1 })}
                    >
                      ↑
                    </Button>
                    <Button
                      type="button"
                      size="sm"
                      variant="ghost"
                      disabled={i === form.steps.length - 1}
                      onClick={() => moveStep(i, 1)}
                      aria-label={e('moveDown', { number: i + 1 })}
                    >
                      ↓
                    </Button>
                    <Button
                      type="button"
                      size="sm"
                      variant="ghost"
                      onClick={() => setForm((f) => ({ ...f, steps: f.steps.filter((_, j) => j !== i) }))}
                      aria-label={e('removeStep', { number: i + 1 })}
                    >
                      ✕
                    </Button>
                  </div>
                </div>
                <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                  <SelectField
                    label={e('kind')}
                    name={id('kind')}
                    value={step.kind}
                    onChange={(ev) => setStep(i, { kind: ev.target.value as StepKind })}
                  >
                    {KINDS.map((kind) => (
                      <option key={kind} value={kind}>
                        {t(`kinds.${kind}`)}
                      </option>
                    ))}
                  </SelectField>
                  {step.kind === 'payload' && (
                    <SelectField
                      label={e('protocol')}
                      name={id('protocol')}
                      value={step.protocol}
                      onChange={(ev) => setStep(i, { protocol: ev.target.value as 'tcp' | 'udp' })}
                    >
                      <option value="tcp">TCP</option>
                      <option value="udp">UDP</option>
                    </SelectField>
                  )}
                  {(step.kind === 'tcp' ||
                    step.kind === 'udp' ||
                    step.kind === 'payload' ||
                    step.kind === 'http-get') && (
                    <TextField
                      label={e('port')}
                      name={id('port')}
                      inputMode="numeric"
                      value={step.port}
                      onChange={(ev) => setStep(i, { port: ev.target.value })}
                      error={fieldError(`${at}.port`)}
                    />
                  )}
                  {step.kind === 'icmp-size' && (
                    <TextField
                      label={e('payloadSize')}
                      name={id('payloadSize')}
                      inputMode="numeric"
                      value={step.payloadSize}
                      onChange={(ev) => setStep(i, { payloadSize: ev.target.value })}
                      error={fieldError(`${at}.payloadSize`)}
                      hint={
                        Number.isInteger(size) && step.payloadSize.trim() !== ''
                          ? e('sizeHint', { payload: size, size: icmpPacketSize(size) })
                          : undefined
                      }
                    />
                  )}
                  {step.kind === 'icmp-pattern' && (
                    <TextField
                      label={e('pattern')}
                      name={id('pattern')}
                      value={step.pattern}
                      onChange={(ev) => setStep(i, { pattern: ev.target.value })}
                      error={fieldError(`${at}.pattern`)}
                      hint={
                        step.pattern !== ''
                          ? e('patternHint', { hex: icmpPatternHex(step.pattern), text: step.pattern })
                          : undefined
                      }
                    />
                  )}
                  {step.kind === 'payload' && (
                    <TextField
                      label={e('content')}
                      name={id('content')}
                      value={step.content}
                      onChange={(ev) => setStep(i, { content: ev.target.value })}
                      error={fieldError(`${at}.content`)}
                    />
                  )}
                  {step.kind === 'http-get' && (
                    <TextField
                      label={e('path')}
                      name={id('path')}
                      value={step.path}
                      onChange={(ev) => setStep(i, { path: ev.target.value })}
                      error={fieldError(`${at}.path`)}
                      hint={e('httpHint', {
                        port: step.port === '80' || step.port === '' ? '' : `:${step.port}`,
                        path: step.path,
                      })}
                    />
                  )}
                  <TextField
                    label={e('gap')}
                    name={id('gap')}
                    value={step.gap}
                    placeholder={form.defaultGap}
                    onChange={(ev) => setStep(i, { gap: ev.target.value })}
                    error={fieldError(`${at}.gap`)}
                    hint={e('gapHint')}
                  />
                </div>
                {stepLevel.map((issue) => (
                  <p key={issue.code} className="mt-2 text-sm text-red-700 dark:text-red-400">
                    {errorText(issue)}
                  </p>
                ))}
              </li>
            );
          })}
        </ol>
        <div className="mt-4">
          <Button
            type="button"
            variant="secondary"
            onClick={() => setForm((f) => ({ ...f, steps: [...f.steps, emptyStep()] }))}
          >
            {e('addStep')}
          </Button>
        </div>
      </Card>

      <Card>
        <h2 className="mb-4 text-base font-semibold">{e('lists')}</h2>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label={e('defaultGap')}
            name="defaultGap"
            value={form.defaultGap}
            onChange={(ev) => set('defaultGap', ev.target.value)}
            error={fieldError('defaultGap')}
          />
          <TextField
            label={e('stageListPrefix')}
            name="stageListPrefix"
            value={form.stageListPrefix}
            onChange={(ev) => set('stageListPrefix', ev.target.value)}
            error={fieldError('stageListPrefix') ?? serverFields?.stageListPrefix}
            hint={e('stageListHint', {
              example: `${form.stageListPrefix || 'prefix'}-1, ${form.stageListPrefix || 'prefix'}-2`,
            })}
          />
          <TextField
            label={t('finalList')}
            name="finalList"
            value={form.finalList}
            onChange={(ev) => set('finalList', ev.target.value)}
            error={fieldError('finalList')}
            hint={e('finalListHint')}
          />
          <TextField
            label={e('finalTimeout')}
            name="finalTimeout"
            value={form.finalTimeout}
            onChange={(ev) => set('finalTimeout', ev.target.value)}
            error={fieldError('finalTimeout')}
          />
        </div>
      </Card>

      <Card>
        <h2 className="mb-4 text-base font-semibold">{e('service')}</h2>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          <SelectField
            label={e('serviceKind')}
            name="serviceKind"
            value={form.serviceKind}
            onChange={(ev) => set('serviceKind', ev.target.value as ProfileForm['serviceKind'])}
          >
            {(['router', 'dstnat', 'forward'] as const).map((kind) => (
              <option key={kind} value={kind}>
                {e(`serviceKinds.${kind}`)}
              </option>
            ))}
          </SelectField>
          <SelectField
            label={e('protocol')}
            name="serviceProtocol"
            value={form.serviceProtocol}
            onChange={(ev) => set('serviceProtocol', ev.target.value as 'tcp' | 'udp')}
          >
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
          </SelectField>
          {form.serviceKind === 'router' ? (
            <TextField
              label={e('servicePorts')}
              name="servicePorts"
              value={form.servicePorts}
              onChange={(ev) => set('servicePorts', ev.target.value)}
              error={fieldError('service.ports')}
              hint={e('servicePortsHint')}
            />
          ) : (
            <>
              <TextField
                label={e('publicPort')}
                name="natPort"
                inputMode="numeric"
                value={form.natPort}
                onChange={(ev) => set('natPort', ev.target.value)}
                error={fieldError('service.port')}
              />
              <TextField
                label={e('toAddress')}
                name="toAddress"
                value={form.toAddress}
                onChange={(ev) => set('toAddress', ev.target.value)}
                error={fieldError('service.toAddress')}
              />
              <TextField
                label={e('toPort')}
                name="toPort"
                inputMode="numeric"
                value={form.toPort}
                onChange={(ev) => set('toPort', ev.target.value)}
                error={fieldError('service.toPort')}
              />
              <TextField
                label={e('dstAddress')}
                name="dstAddress"
                value={form.dstAddress}
                onChange={(ev) => set('dstAddress', ev.target.value)}
                error={fieldError('service.dstAddress')}
              />
            </>
          )}
          <SelectField
            label={e('scope')}
            name="scopeKind"
            value={form.scopeKind}
            onChange={(ev) => set('scopeKind', ev.target.value as ProfileForm['scopeKind'])}
          >
            {(['none', 'interface', 'list'] as const).map((kind) => (
              <option key={kind} value={kind}>
                {e(`scopeKinds.${kind}`)}
              </option>
            ))}
          </SelectField>
          {form.scopeKind !== 'none' && (
            <TextField
              label={e('scopeValue')}
              name="scopeValue"
              value={form.scopeValue}
              onChange={(ev) => set('scopeValue', ev.target.value)}
              error={fieldError('scope')}
            />
          )}
        </div>
      </Card>

      <Card>
        <h2 className="mb-4 text-base font-semibold">{e('options')}</h2>
        <div className="space-y-3">
          <Checkbox
            name="acceptEstablished"
            label={e('acceptEstablished')}
            checked={form.acceptEstablished}
            onChange={(v) => set('acceptEstablished', v)}
          />
          <div className="max-w-md">
            <SelectField
              label={e('finalDrop')}
              name="finalDrop"
              value={form.finalDrop}
              onChange={(ev) => set('finalDrop', ev.target.value as ProfileForm['finalDrop'])}
            >
              {(['all', 'service', 'none'] as const).map((v) => (
                <option key={v} value={v}>
                  {e(`finalDrops.${v}`)}
                </option>
              ))}
            </SelectField>
          </div>
          <Checkbox
            name="customChains"
            label={e('customChains')}
            checked={form.customChains}
            onChange={(v) => set('customChains', v)}
          />
          <Checkbox
            name="blacklistOn"
            label={e('blacklist')}
            checked={form.blacklistOn}
            onChange={(v) => set('blacklistOn', v)}
          />
          {form.blacklistOn && (
            <div className="grid gap-4 pl-6 sm:grid-cols-2">
              <TextField
                label={e('blacklistList')}
                name="blacklistList"
                value={form.blacklistList}
                onChange={(ev) => set('blacklistList', ev.target.value)}
                error={fieldError('options.blacklist.list')}
              />
              <TextField
                label={e('blacklistTimeout')}
                name="blacklistTimeout"
                value={form.blacklistTimeout}
                onChange={(ev) => set('blacklistTimeout', ev.target.value)}
                error={fieldError('options.blacklist.timeout')}
              />
            </div>
          )}
          <Checkbox name="psdOn" label={e('psd')} checked={form.psdOn} onChange={(v) => set('psdOn', v)} />
          {form.psdOn && (
            <div className="grid gap-4 pl-6 sm:grid-cols-4">
              <TextField
                label={e('psdWeight')}
                name="psdWeight"
                value={form.psdWeight}
                onChange={(ev) => set('psdWeight', ev.target.value)}
              />
              <TextField
                label={e('psdDelay')}
                name="psdDelay"
                value={form.psdDelay}
                onChange={(ev) => set('psdDelay', ev.target.value)}
                error={fieldError('options.psd.delayThreshold')}
              />
              <TextField
                label={e('psdLow')}
                name="psdLow"
                value={form.psdLow}
                onChange={(ev) => set('psdLow', ev.target.value)}
              />
              <TextField
                label={e('psdHigh')}
                name="psdHigh"
                value={form.psdHigh}
                onChange={(ev) => set('psdHigh', ev.target.value)}
              />
            </div>
          )}
          <div className="max-w-md">
            <TextField
              label={e('decoys')}
              name="decoys"
              value={form.decoys}
              onChange={(ev) => set('decoys', ev.target.value)}
              error={fieldError('options.decoys')}
              hint={e('decoysHint')}
            />
          </div>
          <Checkbox
            name="rawBlacklist"
            label={e('rawBlacklist')}
            checked={form.rawBlacklist}
            onChange={(v) => set('rawBlacklist', v)}
          />
          <Checkbox
            name="notOnlyLayerAcknowledged"
            label={e('notOnlyLayer')}
            checked={form.notOnlyLayerAcknowledged}
            onChange={(v) => set('notOnlyLayerAcknowledged', v)}
          />
          {issuesAt(errors, 'options')
            .filter((issue) => issue.code === 'blacklist_required' || issue.code === 'invalid_psd')
            .map((issue) => (
              <p key={issue.code} className="text-sm text-red-700 dark:text-red-400">
                {errorText(issue)}
              </p>
            ))}
        </div>
      </Card>

      <Card>
        <h2 className="mb-4 text-base font-semibold">{e('rotation')}</h2>
        <Checkbox
          name="rotationOn"
          label={e('rotationOn')}
          checked={form.rotationOn}
          onChange={(v) => set('rotationOn', v)}
        />
        {form.rotationOn && (
          <div className="mt-3 grid gap-4 sm:grid-cols-3">
            <TextField
              label={e('rotationPeriod')}
              name="rotationPeriod"
              value={form.rotationPeriod}
              onChange={(ev) => set('rotationPeriod', ev.target.value)}
              error={fieldError('rotation.period')}
            />
            <TextField
              label={e('rotationMin')}
              name="rotationMin"
              value={form.rotationMin}
              onChange={(ev) => set('rotationMin', ev.target.value)}
              error={fieldError('rotation.portMin') ?? fieldError('rotation')}
            />
            <TextField
              label={e('rotationMax')}
              name="rotationMax"
              value={form.rotationMax}
              onChange={(ev) => set('rotationMax', ev.target.value)}
              error={fieldError('rotation.portMax')}
            />
          </div>
        )}
      </Card>

      <div className="space-y-3" aria-live="polite">
        {errors.length > 0 && (
          <Alert tone="error" title={e('errorsTitle')}>
            <ul className="list-disc pl-5" data-testid="profile-errors">
              {errors.map((issue) => (
                <li key={`${issue.path.join('.')}:${issue.code}`} data-code={issue.code}>
                  {errorText(issue)}
                </li>
              ))}
            </ul>
          </Alert>
        )}
        {warnings.length > 0 && (
          <Alert tone="warning" title={e('warningsTitle')}>
            <ul className="list-disc pl-5" data-testid="profile-warnings">
              {warnings.map((issue) => (
                <li key={`${issue.path.join('.')}:${issue.code}`} data-code={issue.code}>
                  {warningText(issue)}
                </li>
              ))}
            </ul>
          </Alert>
        )}
        {errors.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">{e('valid')}</p>}
      </div>

      <div className="flex flex-wrap items-center gap-4">
        <Button type="submit" disabled={pending || errors.length > 0}>
          {e('save')}
        </Button>
        {state && <ActionMessage state={state} success={e('saved')} />}
      </div>
    </form>
  );
}
