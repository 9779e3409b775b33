/**
 * Reading the audit log: filters by user, action and time, a page for Admin › Audit, and
 * keyset-paged reads for the streaming export. Reads only: the log is never changed.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../db/client';
import { type AuditEvent, auditEvents, users } from '../db/schema';
import { fail, ok } from '../result';

/**
 * `2026-11-26T14:30` (a datetime-local field; read as UTC), `2026-11-26` (midnight UTC), or a
 * full ISO 8601 time with its offset.
 */
function parseTime(value: string): Date | null {
  const v = value.trim();
  let text = v;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) text = `${v}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) text = `${v}Z`;
  else if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

const timeField = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    const date = parseTime(v);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: 'Use a date and time like 2026-11-26T14:30 (UTC).' });
      return z.NEVER;
    }
    return date;
  });

export const auditFilterSchema = z
  .object({
    user: z
      .string()
      .trim()
      .max(100, 'That is too long to be a user name.')
      .optional()
      .transform((v) => v || undefined),
    action: z
      .string()
      .trim()
      .max(100, 'That is too long to be an action.')
      .regex(/^[a-z0-9_.]*\*?$/, 'Use an action such as grant.open, or a prefix such as request.*')
      .optional()
      .transform((v) => v || undefined),
    from: timeField,
    to: timeField,
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: '"To" is before "From".' });
    }
  });
export type AuditFilter = z.output<typeof auditFilterSchema>;

/** Parses filters from a query string; bad values are field errors, never a 500. */
export function parseAuditFilter(params: URLSearchParams | Record<string, string | string[] | undefined>) {
  const get = (k: string) => {
    if (params instanceof URLSearchParams) return params.get(k) ?? undefined;
    const v = params[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const parsed = auditFilterSchema.safeParse({
    user: get('user'),
    action: get('action'),
    from: get('from'),
    to: get('to'),
  });
  if (parsed.success) return ok(parsed.data);
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? 'form')] ??= issue.message;
  return fail('invalid_input', 'Check the highlighted filters.', fields);
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The SQL condition of a filter. "User" matches events the person did (as actor) and events
 * about them (a user change, a sign-in attempt on their name, their grants and requests).
 */
export async function auditCondition(db: Queryable, filter: AuditFilter): Promise<SQL | undefined> {
  const parts: (SQL | undefined)[] = [];
  if (filter.user) {
    const name = filter.user.toLowerCase();
    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, name));
    parts.push(
      or(
        eq(auditEvents.actor, name),
        and(eq(auditEvents.targetType, 'user'), eq(auditEvents.target, name)),
        ...(user
          ? [
              eq(auditEvents.actorUserId, user.id),
              eq(auditEvents.targetId, user.id),
              sql`${auditEvents.details}->>'userId' = ${user.id}`,
            ]
          : []),
      ),
    );
  }
  if (filter.action) {
    parts.push(
      filter.action.endsWith('*')
        ? sql`${auditEvents.action} like ${likePrefix(filter.action.slice(0, -1))}`
        : eq(auditEvents.action, filter.action),
    );
  }
  if (filter.from) parts.push(gte(auditEvents.at, filter.from));
  if (filter.to) parts.push(lte(auditEvents.at, filter.to));
  const present = parts.filter((p): p is SQL => p !== undefined);
  return present.length > 0 ? and(...present) : undefined;
}

/** One page for the admin page, newest first; `before` is the id the previous page ended at. */
export async function auditPage(
  db: Queryable,
  filter: AuditFilter,
  options: { before?: number; limit?: number } = {},
): Promise<{ events: AuditEvent[]; nextBefore: number | null }> {
  const limit = options.limit ?? 100;
  const condition = await auditCondition(db, filter);
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(condition, options.before ? lt(auditEvents.id, options.before) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const events = rows.slice(0, limit);
  return { events, nextBefore: rows.length > limit ? events[events.length - 1]!.id : null };
}

/** The action names in the log, for the filter's suggestions. */
export async function knownActions(db: Queryable): Promise<string[]> {
  const rows = await db
    .selectDistinct({ action: auditEvents.action })
    .from(auditEvents)
    .orderBy(auditEvents.action);
  return rows.map((r) => r.action);
}

/** The widest id range one export query looks at (bounds its cost when a filter matches little). */
const MAX_SPAN = 1 << 20;

/**
 * Reads matching events oldest first, at most `pageSize` rows per query, up to the newest id
 * when the read began (events written meanwhile belong to the next export). Only one page is
 * held at a time.
 *
 * Each query also stays inside an id range (`cursor < id <= cursor + span`). A plain
 * `id > cursor ORDER BY id LIMIT n` is planned from table statistics, and PGlite has no
 * autovacuum to keep them: on a never-analysed 100,000-row log PostgreSQL chose a bitmap scan of
 * every later row plus a sort, for every page (70 ms a page, quadratic in all). The range bounds
 * the work whatever the plan; it widens while a filter leaves it sparse.
 */
export async function* auditPages(
  db: Queryable,
  filter: AuditFilter,
  pageSize = 1000,
): AsyncGenerator<AuditEvent[], void, undefined> {
  const condition = await auditCondition(db, filter);
  const [bounds] = await db
    .select({
      min: sql<string | number | null>`min(${auditEvents.id})`,
      max: sql<string | number | null>`max(${auditEvents.id})`,
    })
    .from(auditEvents);
  if (bounds?.max === null || bounds?.max === undefined) return;
  const last = Number(bounds.max);
  let cursor = Number(bounds.min) - 1;
  let span = pageSize;
  while (cursor < last) {
    const upper = Math.min(last, cursor + span);
    const page = await db
      .select()
      .from(auditEvents)
      .where(and(condition, gt(auditEvents.id, cursor), lte(auditEvents.id, upper)))
      .orderBy(asc(auditEvents.id))
      .limit(pageSize);
    if (page.length === pageSize) {
      // The range may hold more: go on from the last row read.
      cursor = page[page.length - 1]!.id;
    } else {
      cursor = upper;
      if (page.length < pageSize / 4) span = Math.min(span * 2, MAX_SPAN);
    }
    if (page.length > 0) yield page;
  }
}
