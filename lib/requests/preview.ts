/**
 * The request form's live duration preview, in the browser: the same reading of durations as the
 * server (RouterOS style, plain seconds, ISO 8601) without the server-only modules. The server
 * parses again and is the one that decides.
 */
import { parseDuration } from '../routeros/duration';

/** Seconds, or null when the text is not (yet) a duration. */
export function previewSeconds(text: string): number | null {
  const value = text.trim();
  if (value === '' || value.length > 40) return null;
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(value);
  if (iso) {
    if (value.toUpperCase() === 'P' || /T$/i.test(value)) return null;
    const [, w = '0', d = '0', h = '0', m = '0', s = '0'] = iso;
    const seconds = Number(w) * 604_800 + Number(d) * 86_400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
    return seconds > 0 ? seconds : null;
  }
  try {
    const seconds = Math.floor(parseDuration(value));
    return seconds > 0 ? seconds : null;
  } catch {
    return null;
  }
}

/** Seconds as the biggest units that fit, at most two: [[2, 'h'], [30, 'min']]. */
export function spanParts(totalSeconds: number): [number, 'd' | 'h' | 'min' | 's'][] {
  const s = Math.max(0, Math.round(totalSeconds));
  const parts: [number, 'd' | 'h' | 'min' | 's'][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return [[0, 's']];
  return parts.slice(first, first + 2).filter(([n]) => n > 0);
}
