/**
 * RouterOS durations. Input forms RouterOS accepts: `1w2d3h4m5s`, `500ms`, `1d2h`, `00:05:00`,
 * `1d00:05:00`, a bare number of seconds. The API prints them as `1w2d3h4m5s` with zero units left
 * out (`0s` for nothing), the form `formatDuration` writes.
 */
import { RouterDurationError } from './errors';

/** `35w3d13h13m56s`: RouterOS keeps timeouts in centiseconds in a signed 32-bit field (2^31 / 100 s). */
export const MAX_DURATION_SECONDS = 21_474_836;

const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 };
const UNIT_PART = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/y;
const CLOCK = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/;

/** Parses a RouterOS duration into seconds (fractions for `ms`). Throws RouterDurationError. */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase();
  if (text === '' || text.length > 64)
    throw new RouterDurationError(`not a duration: ${JSON.stringify(input)}`);
  if (/^\d+(\.\d+)?$/.test(text)) return checkRange(Number(text), input);

  let seconds = 0;
  let rest = text;
  // A clock part may follow unit parts: `1d00:05:00`, `2w1d 12:00:00`.
  const clockAt = rest.search(/\d{1,2}:\d/);
  let clock = '';
  if (clockAt !== -1) {
    clock = rest.slice(clockAt).trim();
    rest = rest.slice(0, clockAt).trim();
  }
  if (rest !== '') {
    UNIT_PART.lastIndex = 0;
    let seen = '';
    while (UNIT_PART.lastIndex < rest.length) {
      const at = UNIT_PART.lastIndex;
      const match = UNIT_PART.exec(rest);
      if (!match || match.index !== at)
        throw new RouterDurationError(`not a duration: ${JSON.stringify(input)}`);
      const unit = match[2] as string;
      if (seen.includes(`${unit},`))
        throw new RouterDurationError(`unit ${unit} repeated in ${JSON.stringify(input)}`);
      seen += `${unit},`;
      seconds += Number(match[1]) * (UNIT_SECONDS[unit] as number);
    }
  }
  if (clock !== '') {
    const match = CLOCK.exec(clock);
    if (!match) throw new RouterDurationError(`not a duration: ${JSON.stringify(input)}`);
    const [h, m, s] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
    // With a day/week prefix the clock part is the time of day (RouterOS prints `1d00:05:00`).
    if (m > 59 || s >= 60 || (rest !== '' && h > 23))
      throw new RouterDurationError(`not a duration: ${JSON.stringify(input)}`);
    seconds += h * 3600 + m * 60 + s;
  }
  return checkRange(seconds, input);
}

function checkRange(seconds: number, input: string): number {
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new RouterDurationError(`not a duration: ${JSON.stringify(input)}`);
  const rounded = Math.round(seconds * 1000) / 1000;
  if (rounded > MAX_DURATION_SECONDS) {
    throw new RouterDurationError(`duration ${JSON.stringify(input)} exceeds 35w3d13h13m56s`);
  }
  return rounded;
}

/** Formats seconds the way the API prints them: `1w2d3h4m5s`, `1s500ms`, `0s`. Throws for out-of-range values. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new RouterDurationError(`cannot format ${seconds} as a duration`);
  let ms = Math.round(seconds * 1000);
  if (ms > MAX_DURATION_SECONDS * 1000)
    throw new RouterDurationError(`duration ${seconds}s exceeds 35w3d13h13m56s`);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) out += `${n}${unit}`;
    ms -= n * size;
  }
  if (ms > 0) out += `${ms}ms`;
  return out;
}

/** The `hh:mm:ss` form (with a `Nd` prefix past a day) used by the RouterOS console. */
export function formatClockDuration(seconds: number): string {
  const total = Math.floor(seconds);
  const days = Math.floor(total / 86_400);
  const rest = total % 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(rest % 60).padStart(2, '0');
  return `${days > 0 ? `${days}d` : ''}${hh}:${mm}:${ss}`;
}
