import fs from 'node:fs';
import path from 'node:path';
import type { ErrorValue } from '../lib/result';
import { defaultLocale, type Locale } from './locales';

/**
 * Messages made on the server (errors of actions and services, per-target outcomes, router
 * errors) are written in English in the code, and that English is the key: the catalog
 * `messages/<locale>/server.json` maps it to the person's language. A sentence with interpolated
 * parts is a pattern with named placeholders ("At most {max} devices per person; …"), matched
 * when no exact entry fits. Text the catalog does not know is returned unchanged; the coverage
 * test (server-messages.coverage.test.ts) makes sure that the code has none.
 */
export type ServerCatalog = Record<string, string>;

type Pattern = { regex: RegExp; names: string[]; target: string; literal: number };
type Compiled = { exact: Map<string, string>; patterns: Pattern[] };

const PLACEHOLDER = /\{(\w+)\}/g;
/** A captured part is itself translated (it is often a message of its own), this deep at most. */
const MAX_DEPTH = 3;

export const placeholdersOf = (text: string): string[] =>
  [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).sort();

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileCatalog(catalog: ServerCatalog): Compiled {
  const exact = new Map<string, string>();
  const patterns: Pattern[] = [];
  for (const [english, translated] of Object.entries(catalog)) {
    const parts = english.split(PLACEHOLDER);
    if (parts.length === 1) {
      exact.set(english, translated);
      continue;
    }
    // split() with a capture group alternates literal text and placeholder names.
    const names = parts.filter((_, i) => i % 2 === 1);
    const literals = parts.filter((_, i) => i % 2 === 0);
    const source = literals.map(escapeRegex).join('([\\s\\S]*?)');
    patterns.push({
      regex: new RegExp(`^${source}$`),
      names,
      target: translated,
      literal: literals.join('').length,
    });
  }
  // The most specific pattern wins: "… accepted after the previous step and …" before "… {x} …".
  patterns.sort((a, b) => b.literal - a.literal);
  return { exact, patterns };
}

const compiled = new Map<Locale, Compiled | null>();

function catalogFor(locale: Locale): Compiled | null {
  if (locale === defaultLocale) return null;
  if (!compiled.has(locale)) {
    const file = path.join(process.cwd(), 'messages', locale, 'server.json');
    compiled.set(
      locale,
      fs.existsSync(file) ? compileCatalog(JSON.parse(fs.readFileSync(file, 'utf8')) as ServerCatalog) : null,
    );
  }
  return compiled.get(locale) ?? null;
}

/** One text through one compiled catalog (exact entry, then patterns, then sentence by sentence). */
export function translateWith(catalog: Compiled, text: string, depth = 0): string {
  const whole = translateOne(catalog, text, depth);
  if (whole !== undefined) return whole;
  // Two messages joined into one ("<translated>. <router detail>."): each sentence on its own.
  const sentences = text.split(/(?<=[.!?])(\s+)(?=\S)/);
  if (sentences.length < 3 || depth >= MAX_DEPTH) return text;
  let changed = false;
  const out = sentences.map((part, i) => {
    if (i % 2 === 1) return part;
    const translated = translateOne(catalog, part, depth + 1);
    if (translated === undefined) return part;
    changed = true;
    return translated;
  });
  return changed ? out.join('') : text;
}

function translateOne(catalog: Compiled, text: string, depth: number): string | undefined {
  const exact = catalog.exact.get(text);
  if (exact !== undefined) return exact;
  for (const pattern of catalog.patterns) {
    const match = pattern.regex.exec(text);
    if (!match) continue;
    const values = new Map<string, string>();
    pattern.names.forEach((name, i) => {
      values.set(name, capture(catalog, match[i + 1] ?? '', depth));
    });
    return pattern.target.replace(PLACEHOLDER, (all, name: string) => values.get(name) ?? all);
  }
  return undefined;
}

/** A captured value keeps its surrounding spaces; its core is translated when the catalog knows it. */
function capture(catalog: Compiled, value: string, depth: number): string {
  const core = value.trim();
  if (!core || depth + 1 > MAX_DEPTH) return value;
  const translated = translateOne(catalog, core, depth + 1);
  return translated === undefined ? value : value.replace(core, () => translated);
}

/** A server-made sentence in the person's language (unknown text unchanged). */
export function localizeText(text: string, locale: Locale): string {
  const catalog = catalogFor(locale);
  return catalog && text ? translateWith(catalog, text) : text;
}

/** An error value with its message and every field message in the person's language. */
export function localizeError<E extends ErrorValue>(error: E, locale: Locale): E {
  if (locale === defaultLocale) return error;
  const localized = { ...error, message: localizeText(error.message, locale) };
  if (error.fields) {
    localized.fields = Object.fromEntries(
      Object.entries(error.fields).map(([name, message]) => [name, localizeText(message, locale)]),
    );
  }
  return localized;
}

/**
 * A copy of `value` (plain objects and arrays, any depth) whose string properties named in `keys`
 * are localized: for results and JSON answers that carry messages per item (`message`,
 * `lastError`). Only the named properties: names, addresses and reasons people typed stay as they are.
 */
export function localizeMessagesIn<T>(value: T, keys: readonly string[], locale: Locale): T {
  if (locale === defaultLocale) return value;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object' || Object.getPrototypeOf(node) !== Object.prototype) {
      return node;
    }
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [
        key,
        typeof child === 'string' && keys.includes(key) ? localizeText(child, locale) : walk(child),
      ]),
    );
  };
  return walk(value) as T;
}
