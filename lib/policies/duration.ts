import { z } from 'zod';
import { MAX_DURATION_SECONDS, parseDuration } from '../routeros';

/**
 * Durations as people type them: RouterOS style (`8h`, `1d2h30m`, `35w3d13h13m56s`, `00:30:00`),
 * ISO 8601 (`PT8H`, `P1D`), or plain seconds. Zero, negative and anything above RouterOS's
 * maximum timeout (35w3d13h13m56s) are refused with a clear message, and so is anything under one
 * second (`500ms`), which would round down to nothing.
 */
export function parseHumanDuration(
  input: string,
): { ok: true; seconds: number } | { ok: false; message: string } {
  const value = input.trim();
  if (value === '') return { ok: false, message: 'Enter a duration, e.g. 8h or 1d12h.' };
  if (value.length > 40) return { ok: false, message: 'That duration is too long to be real.' };
  let seconds: number | undefined;
  if (/^\d+$/.test(value)) seconds = Number(value);
  else if (/^P/i.test(value)) seconds = parseIso(value);
  else {
    try {
      seconds = parseDuration(value);
    } catch (error) {
      if (/exceeds/.test((error as Error).message)) seconds = Number.POSITIVE_INFINITY;
      else seconds = undefined;
    }
  }
  if (seconds === Number.POSITIVE_INFINITY)
    return { ok: false, message: 'RouterOS allows at most 35w3d13h13m56s.' };
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return { ok: false, message: `"${value}" is not a duration. Use e.g. 30m, 8h, 1d12h or PT8H.` };
  }
  // Whole seconds, as RouterOS keeps timeouts: "500ms" would be a zero-second grant.
  const whole = Math.floor(seconds);
  if (whole < 1) return { ok: false, message: 'The duration must be at least one second.' };
  if (whole > MAX_DURATION_SECONDS) {
    return { ok: false, message: 'RouterOS allows at most 35w3d13h13m56s.' };
  }
  return { ok: true, seconds: whole };
}

function parseIso(value: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(value);
  if (!m || value.toUpperCase() === 'P' || /T$/i.test(value)) return undefined;
  const [, w = '0', d = '0', h = '0', mi = '0', s = '0'] = m;
  return Number(w) * 604_800 + Number(d) * 86_400 + Number(h) * 3600 + Number(mi) * 60 + Number(s);
}

export const durationSchema = z.string({ error: 'Enter a duration.' }).transform((v, ctx) => {
  const parsed = parseHumanDuration(v);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  return parsed.seconds;
});
