/**
 * Behaviour switches by RouterOS version. The simulator is tested in three modes:
 *   6.49  – legacy MD5 challenge login still offered, dates print as `jan/02/2026 10:00:00`,
 *           `no such item` without the number
 *   7.15  – dates print ISO (changed in 7.10), no `!empty`
 *   7.18+ – an empty reply starts with `!empty` (added in 7.18), then `!done`
 */
export interface VersionInfo {
  text: string;
  major: number;
  minor: number;
  /** 7.18+: replies that carry no data begin with `!empty`. */
  emptyReply: boolean;
  /** 7.10+: `creation-time` and other dates print as `2026-11-26 09:00:00`. */
  isoDates: boolean;
  /** The pre-6.43 `/login` → `=ret=` challenge is answered. */
  legacyLogin: boolean;
  /** 6.43+: `/login =name= =password=` logs in directly; older routers answer it with a challenge. */
  plainLogin: boolean;
}

export function versionInfo(text: string, legacyLogin?: boolean): VersionInfo {
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) throw new Error(`unknown RouterOS version ${JSON.stringify(text)}`);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const atLeast = (ma: number, mi: number) => major > ma || (major === ma && minor >= mi);
  return {
    text,
    major,
    minor,
    emptyReply: atLeast(7, 18),
    isoDates: atLeast(7, 10),
    legacyLogin: legacyLogin ?? major < 7,
    plainLogin: atLeast(6, 43),
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A date as the API prints it for this version (the simulated router's clock is UTC). */
export function formatRouterDate(ms: number, version: VersionInfo): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (version.isoDates)
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}`;
  return `${MONTHS[d.getUTCMonth()]}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${time}`;
}

export function noSuchItemMessage(version: VersionInfo): string {
  return version.major >= 7 ? 'no such item (4)' : 'no such item';
}
