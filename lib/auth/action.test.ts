import { beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fail } from '../result';

/** The request as the wrapper sees it: the session's person, the locale cookie, Accept-Language. */
const request = vi.hoisted(() => ({
  user: null as null | { id: string; role: string; locale: string | null; mustChangePassword: boolean },
  cookie: undefined as string | undefined,
  acceptLanguage: null as string | null,
}));

vi.mock('./guards', () => ({
  getCurrentUser: async () =>
    request.user ? { user: request.user, session: { id: 's' }, clientAddress: undefined, actor: {} } : null,
}));
vi.mock('next/headers', () => ({
  cookies: async () => ({
    get: (name: string) =>
      name === 'knockgate.locale' && request.cookie ? { name, value: request.cookie } : undefined,
  }),
  headers: async () =>
    new Headers(request.acceptLanguage ? { 'accept-language': request.acceptLanguage } : {}),
}));
vi.mock('../observability/log', () => ({ log: () => ({ error: () => {} }) }));

const { validatedAction } = await import('./action');

const form = (entries: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(entries)) data.set(k, v);
  return data;
};

const schema = z.object({
  newPassword: z.string().min(12, 'Use at least 12 characters.'),
  grantId: z.uuid({ message: 'Unknown grant.' }),
  count: z.coerce.number(),
});

beforeEach(() => {
  request.user = { id: 'u1', role: 'user', locale: null, mustChangePassword: false };
  request.cookie = undefined;
  request.acceptLanguage = null;
});

describe('validatedAction answers in the language of the page', () => {
  const action = validatedAction(schema, {}, async () =>
    fail('no_policy', 'No access policy applies to you any more.'),
  );

  it('invalid input: the top-level and every field message in Bulgarian (zod defaults too)', async () => {
    request.cookie = 'bg';
    const result = await action(null, form({ newPassword: 'short', grantId: 'nope', count: 'x' }));
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'Проверете отбелязаните полета.',
        fields: {
          newPassword: 'Използвайте поне 12 знака.',
          grantId: 'Непознат достъп.',
          count: expect.stringMatching(/^Невалиден вход/),
        },
      },
    });
  });

  it("the handler's own error, in the person's saved language when the browser chose none", async () => {
    request.user!.locale = 'bg';
    const result = await action(
      null,
      form({ newPassword: 'long enough pass', grantId: crypto.randomUUID(), count: '1' }),
    );
    expect(result).toEqual({
      ok: false,
      error: { code: 'no_policy', message: 'За вас вече не важи политика за достъп.' },
    });
  });

  it('signed out: the browser language', async () => {
    request.user = null;
    request.acceptLanguage = 'bg-BG,bg;q=0.9,en;q=0.8';
    const result = await action(null, form({}));
    expect(result).toEqual({
      ok: false,
      error: { code: 'not_signed_in', message: 'Сесията ви е приключила. Влезте отново.' },
    });
  });

  it('the role check and an unexpected failure', async () => {
    request.cookie = 'bg';
    const admins = validatedAction(z.object({}), { roles: ['admin'] }, async () => ({ ok: true, data: 1 }));
    expect(await admins(null, form({}))).toMatchObject({
      error: { message: 'Нямате право да направите това.' },
    });
    const broken = validatedAction(z.object({}), {}, async () => {
      throw new Error('boom');
    });
    expect(await broken(null, form({}))).toMatchObject({
      error: { code: 'internal_error', message: 'Нещо се обърка; нищо не е променено.' },
    });
  });

  it('English stays English', async () => {
    request.cookie = 'en';
    request.user!.locale = 'bg';
    const result = await action(null, form({ newPassword: 'short', grantId: 'nope', count: '1' }));
    expect(result).toMatchObject({
      error: {
        message: 'Check the highlighted fields.',
        fields: { newPassword: 'Use at least 12 characters.' },
      },
    });
  });

  it('gives the handler the locale for messages inside a successful result', async () => {
    request.cookie = 'bg';
    const withMessage = validatedAction(z.object({}), {}, async (_input, _current, i18n) => ({
      ok: true,
      data: { locale: i18n.locale, message: i18n.text('This access has ended.') },
    }));
    expect(await withMessage(null, form({}))).toEqual({
      ok: true,
      data: { locale: 'bg', message: 'Този достъп е прекратен.' },
    });
  });
});
