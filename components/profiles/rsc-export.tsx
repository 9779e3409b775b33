import { useTranslations } from 'next-intl';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';

/** The profile's .rsc script with copy and download (a data URL, so no extra route is needed). */
export function RscExport({
  filename,
  text,
  rotating,
}: {
  filename: string;
  text: string;
  rotating: boolean;
}) {
  const t = useTranslations('profiles.rsc');
  return (
    <Card>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">{t('title')}</h2>
        <div className="flex gap-2">
          <CopyButton text={text} />
          <a
            href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
            download={filename}
            className="inline-flex items-center rounded-md border border-zinc-300 bg-white px-2.5 py-1 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
          >
            {t('download')}
          </a>
        </div>
      </div>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">{t('hint')}</p>
      {rotating && <p className="mb-3 text-sm text-amber-800 dark:text-amber-200">{t('rotatingNote')}</p>}
      <pre
        className="max-h-96 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-relaxed text-zinc-100"
        data-testid="rsc-export"
      >
        {text}
      </pre>
    </Card>
  );
}
