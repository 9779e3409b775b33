/**
 * The router's idea of time. Address-list timeouts, creation-time and uptime read it; the network
 * side (latency, idle-close) uses real timers. Tests inject a ManualClock and move it forward.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(start: number | Date = Date.UTC(2026, 10, 26, 9, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.current += ms;
    for (const listener of this.listeners) listener(this.current);
    return this.current;
  }

  set(ms: number | Date): void {
    this.current = typeof ms === 'number' ? ms : ms.getTime();
    for (const listener of this.listeners) listener(this.current);
  }

  onChange(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
