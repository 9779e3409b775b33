/**
 * The DynDNS2 update protocol (`GET /nic/update?hostname=…&myip=…` with HTTP Basic auth), as
 * ddclient, inadyn, routers' built-in DDNS clients and scripts speak it. Here the "DNS record" is
 * the device's grant: a new address moves it (new entry confirmed first, old entry removed).
 *
 * Answers are the protocol's return codes, one line per host name asked for, as text/plain:
 * `good <ip>`, `nochg <ip>`, `badauth`, `notfqdn`, `nohost`, `numhost`, `abuse`, `badagent` (a
 * request we cannot read: malformed or repeated parameters, an address that is not one) and
 * `911` (the router did not confirm: the client must retry; nothing is reported as done). They
 * come with HTTP 200 — ddclient reads the body only then — except `badauth`, which is a 401 with
 * a Basic challenge so clients that wait for one send their credentials.
 *
 * Requests that do not authenticate, or that cannot be read, write nothing at all: an anonymous
 * flood cannot grow the database. Every authenticated update is an audit event.
 */
import { eq } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { type Device, devices, type User } from '../db/schema';
import { authenticateDevice } from '../devices/service';
import { EntryBusyError } from '../grants/key-lock';
import { type GrantContext, withEntryLock } from '../grants/service';
import { parseHostname } from '../net/hostname';
import { cidrMatcher, type IpAddress, parseAddress } from '../net/ip';
import { effectivePolicy } from '../policies/service';
import type { ListFamily } from '../routeros';
import { type MoveOutcome, moveDeviceGrants } from './move';
import { recordRateEvent } from './rate-limit';

export const DDNS_RATE_WINDOW_MS = 60_000;
/** More updates than this per device and minute are answered `abuse` (and change nothing). */
export const DDNS_MAX_UPDATES_PER_WINDOW = 10;
/** The DynDNS2 limit of host names in one request. */
const MAX_HOSTS = 20;
const MAX_QUERY_LENGTH = 2048;
const MAX_AUTHORIZATION_LENGTH = 1024;

export type DyndnsRequest = {
  /** The `Authorization` header, if any. */
  authorization: string | null;
  /** The raw query string (without `?`). */
  query: string;
  /** The caller's address as server.ts established it (trusted-proxy rules applied). */
  clientAddress: IpAddress | undefined;
  userAgent?: string | null;
};

export type DyndnsResponse = { status: number; body: string; headers: Record<string, string> };

export type DyndnsOptions = { maxPerWindow?: number; windowMs?: number };

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

function answer(body: string): DyndnsResponse {
  return { status: 200, body, headers: TEXT };
}

function badauth(): DyndnsResponse {
  return {
    status: 401,
    body: 'badauth',
    headers: { ...TEXT, 'www-authenticate': 'Basic realm="Knockgate DynDNS2", charset="UTF-8"' },
  };
}

/** `Authorization: Basic base64(user:password)`; null when absent or not well formed. */
export function parseBasicAuth(header: string | null): { username: string; password: string } | null {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

type Query = { hostnames: string[]; myip: string | null; myipv6: string | null };

/** The parameters we use; anything else DynDNS2 clients send (system, wildcard, mx…) is ignored. */
function readQuery(raw: string): Query | null {
  if (raw.length > MAX_QUERY_LENGTH) return null;
  const params = new URLSearchParams(raw);
  const one = (name: string): string | null | undefined => {
    const all = params.getAll(name);
    if (all.length > 1) return undefined;
    return all[0] ?? null;
  };
  const hostname = one('hostname');
  const myip = one('myip');
  const myipv6 = one('myipv6');
  if (hostname === undefined || myip === undefined || myipv6 === undefined) return null;
  const hostnames = (hostname ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return { hostnames, myip: myip?.trim() || null, myipv6: myipv6?.trim() || null };
}

/** Addresses a grant can never sensibly hold: unspecified, multicast, reserved/broadcast. */
const unusable = cidrMatcher(['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '::/128', 'ff00::/8']);

/**
 * The addresses to move to, per family: `myip` (IPv4 or IPv6, or both comma-separated) and
 * `myipv6`; without either, the caller's own address.
 */
function addressesOf(
  query: Query,
  caller: IpAddress | undefined,
): { ok: true; value: Partial<Record<ListFamily, string>> } | { ok: false; code: 'badagent' | '911' } {
  const given = [
    ...(query.myip ? query.myip.split(',').map((a) => ({ text: a, only: null as 4 | 6 | null })) : []),
    ...(query.myipv6 ? [{ text: query.myipv6, only: 6 as const }] : []),
  ];
  if (given.length === 0) {
    // Knockgate cannot tell the address (no trusted path from server.ts): a server problem.
    if (!caller) return { ok: false, code: '911' };
    return { ok: true, value: { [caller.family === 6 ? 'ipv6' : 'ip']: caller.address } };
  }
  if (given.length > 2) return { ok: false, code: 'badagent' };
  const out: Partial<Record<ListFamily, string>> = {};
  for (const { text, only } of given) {
    const parsed = parseAddress(text);
    if (!parsed.ok || (only !== null && parsed.value.family !== only) || unusable(parsed.value)) {
      return { ok: false, code: 'badagent' };
    }
    const family = parsed.value.family === 6 ? 'ipv6' : 'ip';
    if (out[family] && out[family] !== parsed.value.address) return { ok: false, code: 'badagent' };
    out[family] = parsed.value.address;
  }
  return { ok: true, value: out };
}

export async function handleDyndnsUpdate(
  ctx: GrantContext,
  request: DyndnsRequest,
  options: DyndnsOptions = {},
): Promise<DyndnsResponse> {
  const credentials = parseBasicAuth(request.authorization);
  if (!credentials) return badauth();
  const found = await authenticateDevice(ctx.db, credentials.username, credentials.password);
  if (!found) return badauth();
  const query = readQuery(request.query);
  if (!query) return answer('badagent');
  if (query.hostnames.length === 0) return answer('notfqdn');
  if (query.hostnames.length > MAX_HOSTS) return answer('numhost');

  // One line per host asked for; only the device's own name can be updated with its token.
  const MINE = '\u0000';
  const lines = query.hostnames.map((h) => {
    const parsed = parseHostname(h, { minLabels: 1 });
    if (!parsed.ok) return 'notfqdn';
    return parsed.value === found.device.name ? MINE : 'nohost';
  });
  if (!lines.includes(MINE)) return answer(lines.join('\n'));

  const addresses = addressesOf(query, request.clientAddress);
  if (!addresses.ok && addresses.code === 'badagent') {
    return answer(lines.map((l) => (l === MINE ? 'badagent' : l)).join('\n'));
  }
  // One update of a device at a time, across instances too (a client retrying while its first
  // request still runs); the device row is read again inside, so "unchanged" compares with the
  // address the previous update recorded.
  let result: string;
  try {
    result = await withEntryLock(ctx, `device|${found.device.id}`, async () => {
      const [fresh] = await ctx.db.select().from(devices).where(eq(devices.id, found.device.id));
      return updateDevice(
        ctx,
        fresh ?? found.device,
        found.owner,
        addresses.ok ? addresses.value : null,
        request,
        options,
      );
    });
  } catch (error) {
    if (!(error instanceof EntryBusyError)) throw error;
    result = '911'; // another instance is still updating this device: the client retries
  }
  return answer(lines.map((l) => (l === MINE ? result : l)).join('\n'));
}

async function updateDevice(
  ctx: GrantContext,
  device: Device,
  owner: User,
  addresses: Partial<Record<ListFamily, string>> | null,
  request: DyndnsRequest,
  options: DyndnsOptions,
): Promise<string> {
  const now = ctx.now?.() ?? new Date();
  const actor: Actor = {
    userId: owner.id,
    label: `device:${device.name}`,
    clientAddress: request.clientAddress?.address ?? null,
  };
  const audit = (result: string, details: Record<string, unknown> = {}) =>
    ctx.db.transaction(async (tx) => {
      await recordAudit(tx, updateAudit(actor, device, result, addresses, request, details));
    });

  const max = options.maxPerWindow ?? DDNS_MAX_UPDATES_PER_WINDOW;
  const seen = await recordRateEvent(ctx.db, `ddns:${device.id}`, {
    windowMs: options.windowMs ?? DDNS_RATE_WINDOW_MS,
    limit: max,
    now,
  });
  if (seen > max) {
    // One audit event when the limit is crossed, not one per refused request.
    if (seen === max + 1) await audit('abuse', { updatesInWindow: seen, limit: max });
    return 'abuse';
  }
  if (!addresses) {
    await audit('911', { reason: 'address_unknown' });
    return '911';
  }

  const effective = await effectivePolicy(ctx.db, owner);
  const targets = (effective?.targets ?? []).filter(
    (t) => !device.routerId || t.router.id === device.routerId,
  );
  if (!effective?.policy.allowDevices || targets.length === 0) {
    await audit('nohost', {
      reason: !effective?.policy.allowDevices ? 'devices_not_allowed' : 'no_router',
    });
    return 'nohost';
  }

  const moves = await moveDeviceGrants(ctx, actor, {
    device,
    targets,
    addresses,
    durationSeconds: effective.policy.maxDurationSeconds,
  });
  const confirmed = moves.every((m) => m.state !== 'failed');
  const unchanged =
    confirmed &&
    moves.every((m) => m.state === 'refreshed') &&
    (addresses.ip ?? device.lastAddress4) === device.lastAddress4 &&
    (addresses.ipv6 ?? device.lastAddress6) === device.lastAddress6;
  const code = !confirmed ? '911' : unchanged ? 'nochg' : 'good';
  const shown = [addresses.ip, addresses.ipv6].filter(Boolean).join(',');

  await ctx.db.transaction(async (tx) => {
    if (confirmed) {
      await tx
        .update(devices)
        .set({
          ...(addresses.ip ? { lastAddress4: addresses.ip } : {}),
          ...(addresses.ipv6 ? { lastAddress6: addresses.ipv6 } : {}),
          lastUpdateAt: now,
          updatedAt: now,
        })
        .where(eq(devices.id, device.id));
    }
    await recordAudit(
      tx,
      updateAudit(actor, device, code, addresses, request, {
        previous: { ip: device.lastAddress4, ipv6: device.lastAddress6 },
        targets: moves.map(summarise),
      }),
    );
  });
  return code === '911' ? '911' : `${code} ${shown}`;
}

function summarise(m: MoveOutcome) {
  return {
    routerId: m.routerId,
    list: m.list,
    family: m.family,
    state: m.state,
    grantId: m.grantId,
    replaced: m.replaced,
    ...(m.error ? { error: m.error.code } : {}),
  };
}

function updateAudit(
  actor: Actor,
  device: Device,
  result: string,
  addresses: Partial<Record<ListFamily, string>> | null,
  request: DyndnsRequest,
  details: Record<string, unknown>,
) {
  return {
    actor,
    action: 'ddns.update',
    targetType: 'device',
    targetId: device.id,
    target: device.name,
    details: {
      result,
      hostname: device.name,
      addresses: addresses ?? {},
      ...(request.userAgent ? { userAgent: request.userAgent.slice(0, 120) } : {}),
      ...details,
    },
  };
}
