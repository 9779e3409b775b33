/**
 * Consecutive-failure circuit breaker. After `failureThreshold` failures in a row (connection lost,
 * timeout, fatal — not traps: a trap means the router answered) calls fail fast until
 * `resetTimeoutMs` has passed; then one probe is let through and its outcome decides.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  state: BreakerState = 'closed';

  constructor(
    private readonly failureThreshold = 5,
    private readonly resetTimeoutMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** When the breaker will next let a call through (ms epoch); 0 when closed. */
  get retryAt(): number {
    return this.state === 'closed' ? 0 : this.openedAt + this.resetTimeoutMs;
  }

  /** Whether a call may go to the router now. In half-open state only one probe at a time. */
  tryPass(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() < this.openedAt + this.resetTimeoutMs) return false;
      this.state = 'half_open';
      this.probeInFlight = false;
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** The call ended without telling anything about the router (cancelled by its caller). */
  release(): void {
    this.probeInFlight = false;
  }

  success(): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.state = 'closed';
  }

  failure(): void {
    this.failures += 1;
    this.probeInFlight = false;
    if (this.state === 'half_open' || this.failures >= this.failureThreshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }
}
