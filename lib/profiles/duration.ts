/**
 * RouterOS time values (`address-list-timeout`, psd's delay threshold) — a deliberately tiny local
 * parser: lib/routeros is being rewritten, and the profile code only needs to read what an admin
 * types and what a router prints, and to write one canonical form.
 *
 * Accepted:
 *   - unit form, largest unit first: `15s`, `1h30m`, `1w2d`, `500ms` (v7 prints this form);
 *   - clock form with optional weeks/days: `00:00:15`, `1d 02:00:00`, `1w2d03:04:05` (v6 prints this);
 *   - a bare integer: seconds.
 */

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

/** Milliseconds, or null when the text is not a RouterOS duration. */
export function parseDuration(text: string): number | null {
  const value = text.trim();
  if (value === '') return null;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1_000;

  const clock = /^(?:(\d{1,4})w)?(?:(\d{1,5})d)?\s*(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(value);
  if (clock) {
    const [, w, d, h, m, s, frac] = clock;
    if (Number(m) > 59 || Number(s) > 59) return null;
    return (
      Number(w ?? 0) * UNIT_MS.w +
      Number(d ?? 0) * UNIT_MS.d +
      Number(h) * UNIT_MS.h +
      Number(m) * UNIT_MS.m +
      Number(s) * UNIT_MS.s +
      Number((frac ?? '0').padEnd(3, '0'))
    );
  }

  let total = 0;
  let rest = value;
  let lastIndex = -1;
  while (rest !== '') {
    const part = /^(\d{1,9})(ms|w|d|h|m|s)/.exec(rest);
    if (!part) return null;
    const unit = part[2] as Unit;
    const index = UNIT_ORDER.indexOf(unit);
    // Each unit at most once and largest first, as RouterOS writes it; "1s1h" is a typo, not 1h1s.
    if (index <= lastIndex) return null;
    lastIndex = index;
    total += Number(part[1]) * UNIT_MS[unit];
    rest = rest.slice(part[0].length);
  }
  return total;
}

/** Canonical v7-style form: `15s`, `1h30m`, `1w2d`, `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/** Rewrites a valid duration in canonical form; returns the input unchanged when it does not parse. */
export function canonicalDuration(text: string): string {
  const ms = parseDuration(text);
  return ms === null ? text : formatDuration(ms);
}
