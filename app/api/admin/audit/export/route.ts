import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { localizeError } from '@/i18n/server-messages';
import { auditExportStream, exportFilename } from '@/lib/audit/export';
import { parseAuditFilter } from '@/lib/audit/query';
import { recordAudit } from '@/lib/audit/record';
import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';

export const dynamic = 'force-dynamic';

/**
 * Admin › Audit › Export: every matching event as CSV or a JSON array, streamed one page at a
 * time while the client downloads (a 100,000-row log never sits in memory). The export itself is
 * audited: reading the whole log is worth a record.
 */
export async function GET(request: Request) {
  const auth = await authorizeRoute(['admin']);
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const locale = await requestLocale(auth.current.user);
  const params = new URL(request.url).searchParams;
  const format = params.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    return Response.json(
      {
        error: localizeError(
          {
            code: 'invalid_input',
            message: 'Choose csv or json.',
            fields: { format: 'Choose csv or json.' },
          },
          locale,
        ),
      },
      { status: 400 },
    );
  }
  const filter = parseAuditFilter(params);
  if (!filter.ok) return Response.json({ error: localizeError(filter.error, locale) }, { status: 400 });
  const db = await getDb();
  await recordAudit(db, {
    actor: auth.current.actor,
    action: 'audit.export',
    targetType: 'audit',
    target: format,
    details: {
      format,
      filter: {
        user: filter.value.user ?? null,
        action: filter.value.action ?? null,
        from: filter.value.from?.toISOString() ?? null,
        to: filter.value.to?.toISOString() ?? null,
      },
    },
  });
  return new Response(auditExportStream(db, filter.value, format), {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${exportFilename(format)}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
