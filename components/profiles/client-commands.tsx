import { useTranslations } from 'next-intl';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import type { ClientCommands as Commands } from '@/lib/profiles/commands';
import type { Step } from '@/lib/profiles/model';
import { StepLabel } from './step-label';

function Block({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="flex items-start gap-2">
      <pre
        className="min-w-0 flex-1 overflow-x-auto rounded-md bg-zinc-950 px-3 py-2 font-mono text-xs text-zinc-100"
        data-testid={testId}
      >
        {text}
      </pre>
      <CopyButton text={text} />
    </div>
  );
}

/** The exact client commands of a profile for one target, per platform and as whole scripts. */
export function ClientCommands({ commands, steps }: { commands: Commands; steps: readonly Step[] }) {
  const t = useTranslations('profiles.commands');
  const platforms = ['linux', 'windows', 'routeros'] as const;
  return (
    <div className="space-y-6">
      {(commands.oneLiners.knock || commands.oneLiners.portqry) && (
        <Card>
          <h2 className="mb-3 text-base font-semibold">{t('oneLiners')}</h2>
          <div className="space-y-2">
            {commands.oneLiners.knock && <Block text={commands.oneLiners.knock} testId="one-liner-knock" />}
            {commands.oneLiners.portqry && (
              <Block text={commands.oneLiners.portqry} testId="one-liner-portqry" />
            )}
          </div>
        </Card>
      )}
      <Card>
        <h2 className="mb-3 text-base font-semibold">{t('perStep')}</h2>
        <ol className="space-y-4">
          {commands.steps.map((step) => (
            <li key={step.step} data-testid={`command-step-${step.step}`}>
              <p className="mb-2 text-sm font-medium">
                {step.step}.{' '}
                {steps[step.step - 1] ? <StepLabel step={steps[step.step - 1]!} /> : step.description}
              </p>
              <dl className="grid gap-2 sm:grid-cols-[8rem_1fr]">
                {platforms.map((platform) => (
                  <div key={platform} className="contents">
                    <dt className="text-sm text-zinc-600 dark:text-zinc-400">{t(platform)}</dt>
                    <dd className="space-y-1">
                      {step[platform].length === 0 ? (
                        <span className="text-sm italic text-zinc-500">{t('notPossible')}</span>
                      ) : (
                        step[platform].map((command) => <Block key={command} text={command} />)
                      )}
                    </dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ol>
      </Card>
      <Card>
        <h2 className="mb-3 text-base font-semibold">{t('scripts')}</h2>
        <div className="space-y-3">
          {platforms.map((platform) => (
            <div key={platform}>
              <p className="mb-1 text-sm font-medium">{t(platform)}</p>
              <Block text={commands.scripts[platform]} testId={`script-${platform}`} />
            </div>
          ))}
        </div>
      </Card>
      <Card>
        <h2 className="mb-3 text-base font-semibold">{t('check')}</h2>
        <div className="space-y-2">
          <Block text={commands.connect.linux} />
          <Block text={commands.connect.windows} />
        </div>
        {commands.noteCodes.length > 0 && (
          <>
            <h3 className="mt-4 text-sm font-semibold">{t('notes')}</h3>
            <ul className="list-disc pl-5 text-sm">
              {commands.noteCodes.map((code) => (
                <li key={code}>{t(`noteText.${code}`)}</li>
              ))}
            </ul>
          </>
        )}
      </Card>
    </div>
  );
}
