import { getTranslations } from 'next-intl/server';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { TextField } from '@/components/ui/field';
import { LocalTime } from '@/components/ui/local-time';
import { requestLocale } from '@/i18n/request-locale';
import { localizeError } from '@/i18n/server-messages';
import { titled } from '@/i18n/titles';
import { auditPage, knownActions, parseAuditFilter } from '@/lib/audit/query';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';

export const generateMetadata = titled('audit');

type Search = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** Admin › Audit: filter by user, action and time; page through; export what matches. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Search> }) {
  await requireRole('admin', '/admin/audit');
  const t = await getTranslations('audit');
  const search = await searchParams;
  const raw = {
    user: one(search.user),
    action: one(search.action),
    from: one(search.from),
    to: one(search.to),
  };
  const filter = parseAuditFilter(raw);
  const fields = filter.ok ? {} : (localizeError(filter.error, await requestLocale()).fields ?? {});
  const before = /^\d{1,15}$/.test(one(search.before)) ? Number(one(search.before)) : undefined;
  const db = await getDb();
  const [page, actions] = await Promise.all([
    filter.ok ? auditPage(db, filter.value, { before }) : { events: [], nextBefore: null },
    knownActions(db),
  ]);
  const query = (extra: Record<string, string>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...raw, ...extra })) if (v) params.set(k, v);
    return params.toString();
  };
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Card className="mb-6">
        <form method="get" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" aria-label={t('filters')}>
          <TextField
            label={t('user')}
            name="user"
            defaultValue={raw.user}
            hint={t('userHint')}
            error={fields.user}
          />
          <TextField
            label={t('action')}
            name="action"
            defaultValue={raw.action}
            list="audit-actions"
            hint={t('actionHint')}
            error={fields.action}
          />
          <datalist id="audit-actions">
            {actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <TextField
            label={t('from')}
            name="from"
            type="datetime-local"
            defaultValue={raw.from}
            error={fields.from}
          />
          <TextField
            label={t('to')}
            name="to"
            type="datetime-local"
            defaultValue={raw.to}
            error={fields.to}
          />
          <div className="flex flex-wrap items-center gap-3 sm:col-span-2 lg:col-span-4">
            <Button type="submit">{t('apply')}</Button>
            <a href="/admin/audit" className="text-sm underline">
              {t('clear')}
            </a>
            {filter.ok && (
              <span className="ml-auto flex flex-wrap items-center gap-3 text-sm">
                <a
                  className="underline"
                  href={`/api/admin/audit/export?${query({ format: 'csv' })}`}
                  download
                  data-testid="export-csv"
                >
                  {t('exportCsv')}
                </a>
                <a
                  className="underline"
                  href={`/api/admin/audit/export?${query({ format: 'json' })}`}
                  download
                  data-testid="export-json"
                >
                  {t('exportJson')}
                </a>
                <span className="text-xs text-zinc-600 dark:text-zinc-400">{t('exportHint')}</span>
              </span>
            )}
          </div>
        </form>
      </Card>
      {!filter.ok && (
        <Alert tone="error" className="mb-6">
          {t('invalid')}
        </Alert>
      )}
      <Card padded={false}>
        {page.events.length === 0 ? (
          <p className="p-5 text-sm text-zinc-600 dark:text-zinc-400" data-testid="audit-empty">
            {t('empty')}
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-zinc-200 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
                <tr>
                  <th className="px-4 py-2 font-medium">{t('at')}</th>
                  <th className="px-4 py-2 font-medium">{t('actor')}</th>
                  <th className="px-4 py-2 font-medium">{t('clientAddress')}</th>
                  <th className="px-4 py-2 font-medium">{t('action')}</th>
                  <th className="px-4 py-2 font-medium">{t('target')}</th>
                  <th className="px-4 py-2 font-medium">{t('details')}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 align-top dark:divide-zinc-800">
                {page.events.map((e) => (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action} data-actor={e.actor}>
                    <td className="whitespace-nowrap px-4 py-2">
                      <LocalTime value={e.at.toISOString()} withSeconds />
                    </td>
                    <td className="px-4 py-2">{e.actor}</td>
                    <td className="px-4 py-2 font-mono text-xs">{e.clientAddress ?? '—'}</td>
                    <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                    <td className="px-4 py-2">{e.target ?? e.targetId ?? '—'}</td>
                    <td className="px-4 py-2">
                      {Object.keys(e.details ?? {}).length > 0 && (
                        <details>
                          <summary className="cursor-pointer text-xs text-zinc-600 dark:text-zinc-400">
                            {t('details')}
                          </summary>
                          <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all text-xs">
                            {JSON.stringify(e.details, null, 2)}
                          </pre>
                        </details>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(page.nextBefore !== null || before !== undefined) && (
          <div className="flex gap-4 border-t border-zinc-100 px-4 py-3 text-sm dark:border-zinc-800">
            {before !== undefined && (
              <a className="underline" href={`/admin/audit?${query({})}`}>
                {t('newest')}
              </a>
            )}
            {page.nextBefore !== null && (
              <a className="underline" href={`/admin/audit?${query({ before: String(page.nextBefore) })}`}>
                {t('older')}
              </a>
            )}
          </div>
        )}
      </Card>
    </>
  );
}
