import { cookies, headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { decode } from 'next-auth/jwt';
import { cache } from 'react';
import type { Actor } from '../audit/actor';
import { getDb } from '../db';
import type { Role, Session, User } from '../db/schema';
import { clientAddressFrom, REQUEST_PATH_HEADER } from '../net/client-address';
import type { IpAddress } from '../net/ip';
import { currentRequest } from '../observability/context';
import { safeNextPath } from './next-path';
import { authSecret, sessionCookieName } from './options';
import { validateSession } from './sessions';

/**
 * Server-side guards. Every page, server action and route handler calls one of these; hidden
 * buttons are a convenience, never the check.
 */
export type CurrentUser = {
  user: User;
  session: Session;
  clientAddress: IpAddress | undefined;
  actor: Actor;
};

/**
 * Decoding the session cookie (HKDF + JWE decryption) costs more than the database check that
 * follows; the same cookie decodes to the same token, so results are kept briefly. Revocation is
 * unaffected: the session row is still consulted on every request.
 */
const decoded = new Map<string, { sid: string | undefined; at: number }>();
const DECODE_TTL_MS = 60_000;

async function sessionTokenFromCookie(): Promise<string | undefined> {
  const raw = (await cookies()).get(sessionCookieName())?.value;
  if (!raw || raw.length > 4096) return undefined;
  const hit = decoded.get(raw);
  if (hit && Date.now() - hit.at < DECODE_TTL_MS) return hit.sid;
  let sid: string | undefined;
  try {
    const jwt = await decode({ token: raw, secret: authSecret() });
    sid = typeof jwt?.sid === 'string' ? jwt.sid : undefined;
  } catch {
    sid = undefined;
  }
  if (decoded.size >= 5_000) decoded.clear();
  decoded.set(raw, { sid, at: Date.now() });
  return sid;
}

/** The signed-in user of this request, or null. Cached per request. */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const token = await sessionTokenFromCookie();
  if (!token) return null;
  const valid = await validateSession(await getDb(), token);
  if (!valid) return null;
  // Log lines of this request now name the user.
  const context = currentRequest();
  if (context) {
    context.userId = valid.user.id;
    context.username = valid.user.username;
  }
  const clientAddress = clientAddressFrom(await headers());
  return {
    ...valid,
    clientAddress,
    actor: {
      userId: valid.user.id,
      label: valid.user.username,
      role: valid.user.role,
      clientAddress: clientAddress?.address ?? null,
    },
  };
});

/** Pages: anonymous → sign-in page (coming back afterwards). */
export async function requireUser(nextPath?: string): Promise<CurrentUser> {
  const current = await getCurrentUser();
  const path = nextPath ?? (await headers()).get(REQUEST_PATH_HEADER) ?? '/';
  if (!current) {
    const target = safeNextPath(path);
    redirect(target === '/' ? '/signin' : `/signin?next=${encodeURIComponent(target)}`);
  }
  // A password an admin reset must be replaced before anything else.
  if (current.user.mustChangePassword && !path.startsWith('/account')) redirect('/account');
  return current;
}

/** Pages: anonymous → sign-in; signed in without the role → 403. */
export async function requireRole(roles: Role | Role[], nextPath?: string): Promise<CurrentUser> {
  const current = await requireUser(nextPath);
  const allowed = Array.isArray(roles) ? roles : [roles];
  if (!allowed.includes(current.user.role)) forbidden();
  return current;
}

export function hasRole(current: CurrentUser | null, roles: Role | Role[]): boolean {
  if (!current) return false;
  return (Array.isArray(roles) ? roles : [roles]).includes(current.user.role);
}

/**
 * Route handlers: the signed-in user with one of `roles`, or the response to send instead
 * (401 for anonymous, 403 for a missing role or a reset password not yet replaced). Never a
 * redirect: callers are scripts and fetch().
 */
export async function authorizeRoute(
  roles?: Role[],
): Promise<{ ok: true; current: CurrentUser } | { ok: false; response: Response }> {
  const current = await getCurrentUser();
  if (!current) {
    return {
      ok: false,
      response: Response.json(
        { error: { code: 'not_signed_in', message: 'Sign in first.' } },
        { status: 401 },
      ),
    };
  }
  // A password an admin reset must be replaced first, here as on every page and action.
  if (current.user.mustChangePassword) {
    return {
      ok: false,
      response: Response.json(
        {
          error: {
            code: 'password_change_required',
            message: 'Choose a new password under Account first.',
          },
        },
        { status: 403 },
      ),
    };
  }
  if (roles && !roles.includes(current.user.role)) {
    return {
      ok: false,
      response: Response.json({ error: { code: 'not_allowed', message: 'Not allowed.' } }, { status: 403 }),
    };
  }
  return { ok: true, current };
}
