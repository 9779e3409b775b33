import fs from 'node:fs';
import path from 'node:path';
import type { Locale } from './locales';

/**
 * Messages live in one file per area (`messages/<locale>/<area>.json`, each holding top-level
 * namespaces), so features can add their texts without editing a shared file. They are merged
 * here; a namespace may appear in one file only. `server.json` is not one of them: it is the
 * server's catalog of its own English sentences (server-messages.ts), never sent to the browser.
 */
const SERVER_CATALOG = 'server.json';
const cache = new Map<Locale, Record<string, unknown>>();

export function loadMessages(locale: Locale): Record<string, unknown> {
  const hit = cache.get(locale);
  if (hit) return hit;
  const dir = path.join(process.cwd(), 'messages', locale);
  const merged: Record<string, unknown> = {};
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== SERVER_CATALOG)
    .sort()) {
    const content = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    for (const [namespace, value] of Object.entries(content)) {
      if (namespace in merged)
        throw new Error(`Message namespace "${namespace}" is defined twice (${locale}/${file})`);
      merged[namespace] = value;
    }
  }
  cache.set(locale, merged);
  return merged;
}
