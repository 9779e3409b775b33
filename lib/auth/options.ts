import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { getDb } from '../db';
import { getEnv } from '../env';
import { knockOnSignIn, knockWithoutHoldingSignIn } from '../grants/sign-in-knock';
import { clientAddressFrom } from '../net/client-address';
import { errorText } from '../observability/error-text';
import { log } from '../observability/log';
import { revokeSessionByToken, SESSION_TTL_MS } from './sessions';
import { signIn } from './sign-in';

/**
 * next-auth (v4) carries a signed, HttpOnly cookie with one random session token; the session
 * itself lives in the database (lib/auth/sessions.ts), which every guard consults.
 */
export function sessionCookieName(): string {
  return secureCookies() ? '__Host-knockgate.session' : 'knockgate.session';
}

function secureCookies(): boolean {
  return getEnv().authUrl.startsWith('https://');
}

export function authSecret(): string {
  getEnv();
  return process.env.NEXTAUTH_SECRET!;
}

/** Thrown from authorize(): next-auth passes the message to the client as the error code. */
class SignInRefused extends Error {}

export function authOptions(): NextAuthOptions {
  const secure = secureCookies();
  const prefix = secure ? '__Host-' : '';
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: SESSION_TTL_MS / 1000 },
    pages: { signIn: '/signin', error: '/signin' },
    useSecureCookies: secure,
    cookies: {
      sessionToken: {
        name: sessionCookieName(),
        options: { httpOnly: true, sameSite: 'lax', path: '/', secure },
      },
      csrfToken: {
        name: `${prefix}knockgate.csrf`,
        options: { httpOnly: true, sameSite: 'lax', path: '/', secure },
      },
      callbackUrl: {
        name: `${secure ? '__Secure-' : ''}knockgate.callback`,
        options: { httpOnly: true, sameSite: 'lax', path: '/', secure },
      },
    },
    providers: [
      CredentialsProvider({
        name: 'Knockgate',
        credentials: {
          username: { label: 'User name', type: 'text' },
          password: { label: 'Password', type: 'password' },
          code: { label: 'Authenticator code', type: 'text' },
        },
        async authorize(credentials, req) {
          const headers = (req?.headers ?? {}) as Record<string, string>;
          const address = clientAddressFrom(headers);
          let result: Awaited<ReturnType<typeof signIn>>;
          try {
            result = await signIn(await getDb(), {
              username: credentials?.username ?? '',
              password: credentials?.password ?? '',
              code: credentials?.code ?? '',
              clientAddress: address?.address ?? null,
              userAgent: headers['user-agent'] ?? null,
            });
          } catch (error) {
            // next-auth would put the error's text in the redirect to an anonymous caller: the
            // log gets it, the caller a code (a database failure, a secret that no longer opens
            // the stored TOTP secrets).
            log().error({ err: errorText(error) }, 'sign-in failed');
            throw new SignInRefused('internal_error');
          }
          if (!result.ok) {
            const e = result.error;
            throw new SignInRefused(e.code === 'throttled' ? `throttled:${e.retryAfterMinutes}` : e.code);
          }
          await knockWithoutHoldingSignIn(knockOnSignIn(result.user, address), (error) =>
            log().error({ err: errorText(error) }, 'sign-in knock failed'),
          );
          return { id: result.user.id, name: result.user.username, sessionToken: result.sessionToken };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user && 'sessionToken' in user) {
          token.sid = (user as { sessionToken: string }).sessionToken;
          token.uid = user.id;
        }
        return token;
      },
      // The browser-visible session never carries the session token.
      async session({ session }) {
        return { expires: session.expires, user: { name: session.user?.name ?? null } };
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') {
          await revokeSessionByToken(await getDb(), token.sid, 'signed out');
        }
      },
    },
    logger: {
      // next-auth logs CredentialsSignin refusals as errors; they are normal outcomes here.
      error(code, metadata) {
        if (code === 'CREDENTIALS_SIGNIN_ERROR' || code === 'SIGNIN_OAUTH_ERROR') return;
        log().error({ code, err: metadata instanceof Error ? metadata.message : undefined }, 'auth error');
      },
      warn() {},
      debug() {},
    },
  };
}
