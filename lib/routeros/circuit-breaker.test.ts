import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after the reset time, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    for (let i = 0; i < 2; i += 1) {
      expect(b.tryPass()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryPass()).toBe(false);
    expect(b.retryAt).toBe(1000);
    now = 1000;
    expect(b.tryPass()).toBe(true);
    expect(b.state).toBe('half_open');
    expect(b.tryPass()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBe(true);
  });

  it('a failed probe opens it again; a success in between resets the count', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 100, () => now);
    b.failure();
    b.success();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    now = 100;
    expect(b.tryPass()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryPass()).toBe(false);
    now = 200;
    expect(b.tryPass()).toBe(true);
    b.release();
    expect(b.tryPass()).toBe(true);
  });
});
