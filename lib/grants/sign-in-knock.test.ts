import { afterEach, describe, expect, it, vi } from 'vitest';
import { knockWithoutHoldingSignIn } from './sign-in-knock';

afterEach(() => {
  vi.useRealTimers();
});

describe('the sign-in does not wait for a slow knock', () => {
  it('a knock that answers in time is waited for', async () => {
    const onError = vi.fn();
    await expect(knockWithoutHoldingSignIn(Promise.resolve(), onError, 2_000)).resolves.toBe('done');
    expect(onError).not.toHaveBeenCalled();
  });

  it('a knock still running after the wait goes on without the sign-in, and its later failure is reported', async () => {
    vi.useFakeTimers();
    let fail: (error: Error) => void = () => {};
    const knock = new Promise<void>((_, reject) => {
      fail = reject;
    });
    const onError = vi.fn();
    const outcome = knockWithoutHoldingSignIn(knock, onError, 2_000);
    await vi.advanceTimersByTimeAsync(1_999);
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe('continues');
    fail(new Error('router answered late'));
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(new Error('router answered late')));
  });

  it('a knock that fails in time is reported, not thrown into the sign-in', async () => {
    const onError = vi.fn();
    await expect(
      knockWithoutHoldingSignIn(Promise.reject(new Error('no policy table')), onError, 2_000),
    ).resolves.toBe('done');
    expect(onError).toHaveBeenCalledTimes(1);
  });
});
