import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Db } from '@/lib/db/client';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { auditExportStream, CSV_COLUMNS, csvField } from './export';
import { auditPage, parseAuditFilter } from './query';
import { recordAudit } from './record';

/**
 * The audit export through a real database: every row, in order, correctly quoted, read one page
 * at a time (the stream asks for the next page only when the reader takes the last one).
 */
let db: DatabaseHandle;
/** The 100,000-row memory figure is bench/audit-export.ts's; here the mechanism, quickly. */
const BULK = 20_000;

beforeAll(async () => {
  db = await openTestDatabase();
  // Rows in one statement, one second apart, ending now.
  await db.db.execute(sql`
    insert into audit_events (at, actor, action, target_type, target, client_address, details)
    select now() - (${BULK} - g) * interval '1 second', 'bulk', 'bulk.event', 'thing', 'thing ' || g,
           '192.0.2.1', jsonb_build_object('n', g)
    from generate_series(1, ${BULK}) g`);
});
afterAll(async () => {
  await db.close();
});

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF and LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** A database handle that counts the SELECTs made through it. */
function counting(inner: Db) {
  const counter = { selects: 0 };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'select' || prop === 'selectDistinct') {
        return (...args: unknown[]) => {
          counter.selects++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy as Db, counter };
}

async function readAll(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
  return { text: text + decoder.decode(), chunks };
}

const filter = (q: Record<string, string>) => {
  const parsed = parseAuditFilter(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

describe('audit export', () => {
  it('acceptance 6: the export streams CSV page by page, nothing read ahead of the reader', async () => {
    const { db: spied, counter } = counting(db.db);
    const stream = auditExportStream(spied, filter({ action: 'bulk.event' }), 'csv', { pageSize: 1000 });
    const reader = stream.getReader();
    const header = await reader.read();
    expect(new TextDecoder().decode(header.value)).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const firstPage = await reader.read();
    const firstRows = parseCsv(new TextDecoder().decode(firstPage.value));
    expect(firstRows).toHaveLength(1000);
    // One query for the newest id, one for the first page: the other pages are not read yet.
    expect(counter.selects).toBe(2);
    reader.releaseLock();
    const rest = await readAll(stream);
    expect(rest.chunks).toBe(BULK / 1000 - 1);
    const rows = [...firstRows, ...parseCsv(rest.text)];
    expect(rows).toHaveLength(BULK);
    expect(counter.selects).toBe(1 + BULK / 1000);
    const ids = rows.map((r) => Number(r[0]));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(rows[0]!.slice(2, 9)).toEqual(['bulk', '', '192.0.2.1', 'bulk.event', 'thing', '', 'thing 1']);
    expect(JSON.parse(rows[BULK - 1]![9]!)).toEqual({ n: BULK });
  });

  it('the JSON export is one valid array of the same rows', async () => {
    const { text, chunks } = await readAll(
      auditExportStream(db.db, filter({ action: 'bulk.*' }), 'json', { pageSize: 5000 }),
    );
    const parsed = JSON.parse(text) as { id: number; action: string; details: { n: number } }[];
    expect(parsed).toHaveLength(BULK);
    expect(chunks).toBe(1 + BULK / 5000 + 1);
    expect(parsed[41]).toMatchObject({ action: 'bulk.event', details: { n: 42 } });
    const empty = await readAll(auditExportStream(db.db, filter({ action: 'no.such' }), 'json'));
    expect(JSON.parse(empty.text)).toEqual([]);
  });

  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', async () => {
    const mallory = await makeUser(db.db, { username: `mallory-${Date.now()}` });
    await recordAudit(db.db, {
      actor: actorFor(mallory),
      action: 'test.quoting',
      target: '=HYPERLINK("http://evil.example","click")',
      details: { reason: 'line one,\r\n"line two"' },
    });
    const { text } = await readAll(auditExportStream(db.db, filter({ action: 'test.quoting' }), 'csv'));
    const [, row] = parseCsv(text);
    expect(row![8]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(JSON.parse(row![9]!)).toEqual({ reason: 'line one,\r\n"line two"' });
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField(-1)).toBe('-1');
  });
});

describe('audit filters', () => {
  it('by user (as actor or subject), by action (exact or prefix, underscores literal) and by time', async () => {
    const admin = await makeUser(db.db, { role: 'admin' });
    const erin = await makeUser(db.db);
    await recordAudit(db.db, {
      actor: actorFor(admin),
      action: 'user.update',
      targetType: 'user',
      targetId: erin.id,
      target: erin.username,
    });
    await recordAudit(db.db, {
      actor: actorFor(erin),
      action: 'auth.sign_in',
      targetType: 'user',
      targetId: erin.id,
      target: erin.username,
    });
    await recordAudit(db.db, { actor: actorFor(erin), action: 'auth.signXin', target: 'x' });
    await recordAudit(db.db, {
      actor: actorFor(admin),
      action: 'grant.open',
      targetType: 'grant',
      details: { userId: erin.id },
    });
    const page = async (q: Record<string, string>) =>
      (await auditPage(db.db, filter(q))).events.map((e) => e.action);
    expect(await page({ user: erin.username })).toEqual([
      'grant.open',
      'auth.signXin',
      'auth.sign_in',
      'user.update',
    ]);
    expect(await page({ user: erin.username.toUpperCase(), action: 'auth.*' })).toEqual([
      'auth.signXin',
      'auth.sign_in',
    ]);
    expect(await page({ user: erin.username, action: 'auth.sign_*' })).toEqual(['auth.sign_in']);
    expect(await page({ user: erin.username, action: 'user.update' })).toEqual(['user.update']);
    const future = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    expect(await page({ user: erin.username, from: future })).toEqual([]);
    expect(await page({ action: 'bulk.event', to: '2000-01-01' })).toEqual([]);
  });

  it('pages newest first with a cursor', async () => {
    const first = await auditPage(db.db, filter({ action: 'bulk.event' }), { limit: 50 });
    expect(first.events).toHaveLength(50);
    const second = await auditPage(db.db, filter({ action: 'bulk.event' }), {
      limit: 50,
      before: first.nextBefore!,
    });
    expect(second.events[0]!.id).toBeLessThan(first.events[49]!.id);
    expect(JSON.parse(JSON.stringify(first.events[0]!.details))).toEqual({ n: BULK });
  });

  it('bad filters are field errors', () => {
    expect(parseAuditFilter(new URLSearchParams({ from: 'yesterday', action: 'DROP TABLE' }))).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', fields: { from: expect.any(String), action: expect.any(String) } },
    });
    expect(parseAuditFilter(new URLSearchParams({ from: '2026-11-26', to: '2026-11-25' }))).toMatchObject({
      ok: false,
      error: { fields: { to: '"To" is before "From".' } },
    });
    expect(parseAuditFilter({ from: '2026-11-26T10:00', to: '2026-11-26T13:00+02:00' })).toMatchObject({
      ok: true,
      value: { from: new Date('2026-11-26T10:00:00Z'), to: new Date('2026-11-26T11:00:00Z') },
    });
  });
});
