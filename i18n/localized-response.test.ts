import { describe, expect, it } from 'vitest';
import { localizedErrorResponse } from './localized-response';

describe('localizedErrorResponse', () => {
  it('translates the error of a JSON answer and keeps its status and headers', async () => {
    const original = Response.json(
      { error: { code: 'not_signed_in', message: 'Sign in first.' } },
      { status: 401, headers: { 'cache-control': 'no-store' } },
    );
    const answer = await localizedErrorResponse(original, 'bg');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toEqual({ error: { code: 'not_signed_in', message: 'Първо влезте.' } });
  });

  it('leaves English, other bodies and other content types as they are', async () => {
    const english = Response.json({ error: { code: 'x', message: 'Sign in first.' } });
    expect(await localizedErrorResponse(english, 'en')).toBe(english);
    const plain = new Response('Sign in first.', { status: 401 });
    expect(await localizedErrorResponse(plain, 'bg')).toBe(plain);
    const data = Response.json({ pending: 2 });
    expect(await localizedErrorResponse(data, 'bg')).toBe(data);
  });
});
