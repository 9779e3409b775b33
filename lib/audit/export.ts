/**
 * The audit export as a byte stream (CSV or a JSON array), produced page by page while the
 * client reads: a pull-based ReadableStream asks for the next page only when the previous one
 * was taken, so memory holds one page whatever the size of the log.
 */
import type { Queryable } from '../db/client';
import type { AuditEvent } from '../db/schema';
import { type AuditFilter, auditPages } from './query';

export type ExportFormat = 'csv' | 'json';

export const CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'actor_user_id',
  'client_address',
  'action',
  'target_type',
  'target_id',
  'target',
  'details',
] as const;

/**
 * One CSV field (RFC 4180). A text starting with = + - @ or a tab/CR is prefixed with `'`, so a
 * spreadsheet opening the export never runs a formula smuggled in through a user name or a
 * reason (OWASP "CSV injection").
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(e: AuditEvent): string {
  return `${[
    e.id,
    e.at.toISOString(),
    csvField(e.actor),
    csvField(e.actorUserId),
    csvField(e.clientAddress),
    csvField(e.action),
    csvField(e.targetType),
    csvField(e.targetId),
    csvField(e.target),
    csvField(JSON.stringify(e.details ?? {})),
  ].join(',')}\r\n`;
}

export function jsonRecord(e: AuditEvent) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    actorUserId: e.actorUserId,
    clientAddress: e.clientAddress,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    target: e.target,
    details: e.details ?? {},
  };
}

export function exportFilename(format: ExportFormat, now = new Date()): string {
  return `knockgate-audit-${now.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
}

/** The export as a stream of UTF-8 chunks, one chunk per page of rows. */
export function auditExportStream(
  db: Queryable,
  filter: AuditFilter,
  format: ExportFormat,
  options: { pageSize?: number } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pages: AsyncGenerator<AuditEvent[], void, undefined> | undefined;
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '['));
      },
      async pull(controller) {
        pages ??= auditPages(db, filter, options.pageSize ?? 1000);
        try {
          const next = await pages.next();
          if (next.done) {
            if (format === 'json') controller.enqueue(encoder.encode(first ? ']\n' : '\n]\n'));
            controller.close();
            return;
          }
          let text = '';
          if (format === 'csv') {
            for (const e of next.value) text += csvRow(e);
          } else {
            for (const e of next.value) {
              text += `${first ? '\n' : ',\n'}${JSON.stringify(jsonRecord(e))}`;
              first = false;
            }
          }
          controller.enqueue(encoder.encode(text));
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await pages?.return();
      },
    },
    // Nothing is read ahead of the client: the next page is fetched when this one is taken.
    { highWaterMark: 0 },
  );
}
