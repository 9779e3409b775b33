import { describe, expect, it, vi } from 'vitest';
import { RouterError, RouterTimeoutError, RouterTrapError } from './errors';

describe('RouterError instanceof across module copies', () => {
  it('recognises errors from another copy of this module by brand and code', async () => {
    vi.resetModules();
    // A query string makes vitest load a second, independent instance of the module.
    const other = (await import(
      /* @vite-ignore */ `./errors?copy=${Date.now()}`
    )) as typeof import('./errors');
    expect(other.RouterTrapError).not.toBe(RouterTrapError);
    const foreign = new other.RouterTrapError('failure: already have such entry', undefined, '/x/add');
    expect(foreign).toBeInstanceOf(RouterTrapError);
    expect(foreign).toBeInstanceOf(RouterError);
    expect(foreign instanceof RouterTimeoutError).toBe(false);
    expect((foreign as RouterTrapError).isDuplicate).toBe(true);
    expect(new Error('plain') instanceof RouterError).toBe(false);
    expect((null as unknown as object) instanceof RouterError).toBe(false);
  });
});
